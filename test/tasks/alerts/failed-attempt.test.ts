import { ACCOUNT, CONTAIN, PROTECTED, TABLE, TOPIC } from './env';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { StartExecutionCommand, SFNClient, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { containCommands, failedAttemptHandler, handler } from '../../../tasks/alerts/failed-attempt';
import { failedAttemptEventSchema } from '../../../tasks/alerts/lib/failed-attempts';
import { InvalidInputError } from '../../../tasks/lib/errors';
import { containPrincipalInputSchema } from '../../../tasks/principal/lib/schema';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'cloudtrail-failed');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
const START = fixture('unauthorized-start-instances');
const RUN = fixture('access-denied-run-instances');
const USER = `arn:aws:iam::${ACCOUNT}:user/mallory`;
const withIdentity = (userIdentity: Record<string, unknown>) => ({ ...START, detail: { ...START.detail, userIdentity } });

const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** `failures` refused calls in the window; `taken`: the claims (sort keys) another event made first. */
function given(failures: number, taken: ('window' | 'containment')[] = []) {
  ddb.on(PutItemCommand).resolves({});
  if (taken.includes('containment')) ddb.on(PutItemCommand, { Item: { sk: { S: 'containment' } } }).rejects(conditionFailed());
  if (taken.includes('window')) ddb.on(PutItemCommand, { Item: { sk: { S: 'window#2026-11-27T10:00:00.000Z' } } }).rejects(conditionFailed());
  ddb.on(QueryCommand).resolves({ Count: failures });
}
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const claims = () => ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input).filter((i) => i.ConditionExpression);

beforeEach(() => {
  ddb.reset();
  sns.reset().on(PublishCommand).resolves({ MessageId: 'm-1' });
  sfn.reset().on(StartExecutionCommand).resolves({ executionArn: `${CONTAIN.replace(':stateMachine:', ':execution:')}:x` });
});

describe('below the threshold', () => {
  it('the first refused call from an IP publishes one alert with the principal, key, IP, agent, event and both contain commands', async () => {
    given(1);
    const out = await handler(START);

    expect(out).toEqual({ eventId: START.detail.eventID, principalArn: USER, sourceIp: '203.0.113.10', alert: 'published', messageId: 'm-1', failures: 1, threshold: { reached: false } });
    const [alert] = published();
    expect(published()).toHaveLength(1);
    expect(alert?.TopicArn).toBe(TOPIC);
    expect(alert?.Subject).toBe('refused StartInstances by mallory from 203.0.113.10');
    for (const fact of [USER, '(IAMUser)', 'AKIAEXAMPLEKEY000001', '203.0.113.10', START.detail.userAgent, 'Client.UnauthorizedOperation', START.detail.eventID, '2026-11-27T10:15:30Z', 'region us-east-1']) {
      expect(alert?.Message).toContain(fact);
    }
    const { remediate, awsCli } = containCommands(failedAttemptEventSchema.parse(START), true);
    expect(alert?.Message).toContain(remediate);
    expect(alert?.Message).toContain(awsCli);
    expect(awsCli.startsWith(`aws stepfunctions start-execution --state-machine-arn ${CONTAIN} --input '`)).toBe(true);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('records the attempt by event id and counts the principal\'s refusals in the sliding window', async () => {
    given(1);
    await handler(START);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE, Item: expect.objectContaining({ pk: { S: `principal#${USER}` }, sk: { S: `attempt#2026-11-27T10:15:30.000Z#${START.detail.eventID}` } }),
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE, Select: 'COUNT', KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': { S: `principal#${USER}` }, ':from': { S: 'attempt#2026-11-27T10:05:30.000Z' }, ':to': { S: 'attempt#2026-11-27T10:15:30.000Z#\uffff' } },
    });
  });

  it('rate-limits the source IP: one conditional claim per IP and window, and a second event in the window is not published', async () => {
    given(2, ['window']);
    const out = await handler({ ...START, detail: { ...START.detail, eventID: 'e0a1b2c3-1111-4222-8333-000000000002' } });

    expect(claims()).toEqual([expect.objectContaining({
      Item: expect.objectContaining({ pk: { S: 'ip#203.0.113.10' }, sk: { S: 'window#2026-11-27T10:00:00.000Z' } }),
      ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eventId',
    })]);
    expect(out.alert).toBe('rate-limited');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('another source IP is claimed under its own key (and alerted on)', async () => {
    given(1);
    const out = await handler(RUN);
    expect(claims().map((c) => c.Item?.pk?.S)).toEqual(['ip#198.51.100.23']);
    expect(out.alert).toBe('published');
  });

  it("an assumed role's refusal is counted and alerted under its role (the session issuer), with the session named", async () => {
    given(1);
    const out = await handler(RUN);
    const role = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;
    expect(out.principalArn).toBe(role);
    expect(published()[0]?.Message).toContain(`Principal: ${role} (AssumedRole), session ${RUN.detail.userIdentity.arn}`);
    expect(published()[0]?.Message).toContain('AccessDenied');
  });
});

describe('the contain commands', () => {
  it.each([['an IAM user', START], ['an assumed role', RUN]])('give a valid contain-principal input for %s, the case id of the event', (_what, event) => {
    const { input, remediate } = containCommands(failedAttemptEventSchema.parse(event), true);
    const parsed = containPrincipalInputSchema.parse(input);
    expect(parsed).toMatchObject({ caseId: `case-${event.detail.eventID}`, approval: true, accessKeyId: event.detail.userIdentity.accessKeyId, mode: 'apply' });
    // Whoever runs the command is its trigger (remediate start adds it).
    expect(input).not.toHaveProperty('trigger');
    expect(JSON.parse(remediate.split(' --input ')[1]!.slice(1, -1))).toEqual(input);
  });
});

describe('at the threshold (3 in 10 minutes here)', () => {
  it('policy approval: starts contain-principal once, asking a person, named after the Nth event, and says so', async () => {
    given(3);
    const out = await handler(START);

    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(CONTAIN);
    expect(start.name).toBe(`failed-attempts-${START.detail.eventID}`);
    expect(containPrincipalInputSchema.parse(JSON.parse(start.input!))).toEqual({
      principalArn: USER, principalType: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001', caseId: `case-${START.detail.eventID}`, approval: true,
      deactivateAllKeys: false, mode: 'apply', trigger: { source: 'eventbridge', eventId: START.detail.eventID, principal: USER },
    });
    expect(out.threshold).toEqual({ reached: true, decision: 'approval', containment: 'started', executionArn: `${CONTAIN.replace(':stateMachine:', ':execution:')}:x` });
    expect(claims().find((c) => c.Item?.sk?.S === 'containment')).toMatchObject({
      Item: { pk: { S: `principal#${USER}` } }, ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eventId OR expiresAt < :now',
    });
    expect(published()[0]?.Subject).toBe('Threshold reached: refused StartInstances by mallory from 203.0.113.10');
    expect(published()[0]?.Message).toContain('THRESHOLD REACHED: contain-principal was started (it asks a person before any change)');
    // Started: no commands that would open a second case.
    expect(published()[0]?.Message).not.toContain('remediate start');
  });

  it('the threshold notice is published even when the source IP is rate-limited', async () => {
    given(3, ['window']);
    const out = await handler(START);
    expect(out.alert).toBe('published');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('beyond the threshold in the same window: no second start, and nothing published for a rate-limited IP', async () => {
    given(4, ['window', 'containment']);
    const out = await handler({ ...START, detail: { ...START.detail, eventID: 'e0a1b2c3-1111-4222-8333-000000000004' } });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold).toEqual({ reached: true, decision: 'approval', containment: 'already-started' });
    expect(out.alert).toBe('rate-limited');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('a redelivered Nth event finds the execution it started (ExecutionAlreadyExists) and reports it started', async () => {
    given(3);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const out = await handler(START);
    expect(out.threshold).toMatchObject({ containment: 'started', executionArn: `${CONTAIN.replace(':stateMachine:', ':execution:')}:failed-attempts-${START.detail.eventID}` });
  });

  it('policy auto: starts contain-principal without approval', async () => {
    given(3);
    await failedAttemptHandler({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'auto' })(START);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toMatchObject({ approval: false });
    expect(published()[0]?.Message).toContain('contain-principal was started (without approval)');
  });

  it('policy report: alerts that the threshold was reached and what would be started, starts nothing', async () => {
    given(3);
    const out = await failedAttemptHandler({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'report' })(START);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold).toEqual({ reached: true, decision: 'report', containment: 'report' });
    expect(published()[0]?.Message).toContain('THRESHOLD REACHED: the policy is report: contain-principal was not started; the commands below would start it');
    expect(published()[0]?.Message).toContain('remediate start contain-principal --input');
  });

  it.each([
    ["the stack's own role (by name prefix)", { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/RemediationStack-TaskRole-AB12/s`, sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/RemediationStack-TaskRole-AB12` } } }, /this stack's own roles/],
    ['a role from containPrincipal.protectedRoleArns', { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/break-glass/s`, sessionContext: { sessionIssuer: { arn: PROTECTED } } }, /this stack's own roles/],
    ['a service-linked role', { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSServiceRoleForAutoScaling/s`, sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling` } } }, /SCP/],
    ['an Identity Center role', { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123/alice`, sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123` } } }, /IAM Identity Center/],
    ['a user of another account', { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/eve', accessKeyId: 'AKIAEXAMPLEKEY000009' }, /account 444455556666/],
  ])('never starts contain-principal for %s: reported with the reason, no commands', async (_what, identity, reason) => {
    given(3);
    const out = await failedAttemptHandler({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'auto' })(withIdentity(identity));
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold).toMatchObject({ reached: true, decision: 'report', containment: 'report', refused: expect.stringMatching(reason) });
    expect(published()[0]?.Message).toMatch(reason);
    expect(published()[0]?.Message).not.toContain('remediate start');
  });
});

describe('a malformed event', () => {
  it.each([
    ['no event id', { ...START, detail: { ...START.detail, eventID: undefined } }, /detail\.eventID: is required/],
    ['no error code (a successful call)', { ...START, detail: { ...START.detail, errorCode: undefined } }, /detail\.errorCode: is required/],
    ['a bad event time', { ...START, detail: { ...START.detail, eventTime: 'yesterday' } }, /detail\.eventTime/],
    ['no userIdentity', { ...START, detail: { ...START.detail, userIdentity: undefined } }, /detail\.userIdentity: is required/],
  ])('with %s is an InvalidInputError naming the field, before any write', async (_what, event, field) => {
    given(1);
    const run = handler(event);
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(handler(event)).rejects.toThrow(field);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('a throttled publish is thrown for Lambda to retry', async () => {
    given(1);
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(handler(START)).rejects.toThrow('Rate exceeded');
  });
});
