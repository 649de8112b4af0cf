import { ACCOUNT, CONTAIN, ISOLATE, PROTECTED, TABLE, TOPIC } from './env';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { StartExecutionCommand, SFNClient, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { containCommands, failedAttemptHandler, handler } from '../../../tasks/alerts/failed-attempt';
import { failedAttemptEventSchema, instanceIdsOf } from '../../../tasks/alerts/lib/failed-attempts';
import { isolateInstanceInputSchema } from '../../../tasks/isolation/lib/schema';
import { InvalidInputError } from '../../../tasks/lib/errors';
import { containPrincipalInputSchema } from '../../../tasks/principal/lib/schema';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'cloudtrail-failed');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
const START = fixture('unauthorized-start-instances');
const RUN = fixture('access-denied-run-instances');
const MODIFY = fixture('unauthorized-modify-instance-attribute');
const TARGET = 'i-0a1b2c3d4e5f60718';
const EARLIER = MODIFY.detail.requestParameters.instanceId as string;
const FIRST_EVENT = 'e0a1b2c3-1111-4222-8333-000000000001';
const USER = `arn:aws:iam::${ACCOUNT}:user/mallory`;
const withIdentity = (userIdentity: Record<string, unknown>) => ({ ...START, detail: { ...START.detail, userIdentity } });

const ddb = mockClient(DynamoDBClient);
const ec2 = mockClient(EC2Client);
const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);
/** The refusal DynamoDB answers, with the holder's item (ReturnValuesOnConditionCheckFailure ALL_OLD). */
const conditionFailed = (holder = FIRST_EVENT) => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: { eventId: { S: holder } } });

/**
 * `failures` refused calls in the window (`earlier`: the instance ids their items hold); `taken`: the claims (sort
 * keys) another event made first (FIRST_EVENT, whose case a later event joins).
 */
function given(failures: number, taken: string[] = [], earlier: string[][] = []) {
  ddb.on(PutItemCommand).resolves({});
  for (const sk of taken) ddb.on(PutItemCommand, { Item: { sk: { S: sk === 'window' ? 'window#2026-11-27T10:00:00.000Z' : sk } } }).rejects(conditionFailed());
  ddb.on(QueryCommand).resolves({ Count: failures, Items: earlier.map((ids): Record<string, AttributeValue> => (ids.length > 0 ? { instanceIds: { L: ids.map((id) => ({ S: id })) } } : {})) });
}
const instance = (InstanceId: string, state = 'running', tags: Record<string, string> = {}): Instance => ({
  InstanceId, State: { Name: state as 'running' }, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});
/** The instances DescribeInstances finds (one reservation each). */
const existing = (...instances: Instance[]) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: instances.map((i) => ({ Instances: [i] })) });
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const claims = () => ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input).filter((i) => i.ConditionExpression);
const startsOf = (arn: string) => sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input).filter((i) => i.stateMachineArn === arn);
const executionOf = (machine: string, name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`;

beforeEach(() => {
  ddb.reset();
  ec2.reset();
  existing(instance(TARGET));
  sns.reset().on(PublishCommand).resolves({ MessageId: 'm-1' });
  sfn.reset().on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string }) => ({ executionArn: executionOf(input.stateMachineArn, input.name) }));
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

  it('records the attempt by event id with the instances it targeted (expiring with the window) and reads the sliding window back', async () => {
    given(1);
    await handler(START);
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE, Item: {
        pk: { S: `principal#${USER}` }, sk: { S: `attempt#2026-11-27T10:15:30.000Z#${START.detail.eventID}` }, eventId: { S: START.detail.eventID },
        expiresAt: { N: String(Date.parse('2026-11-27T10:25:30Z') / 1000) }, instanceIds: { L: [{ S: TARGET }] },
      },
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE, ConsistentRead: true, ProjectionExpression: 'instanceIds', KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': { S: `principal#${USER}` }, ':from': { S: 'attempt#2026-11-27T10:05:30.000Z' }, ':to': { S: 'attempt#2026-11-27T10:15:30.000Z#\uffff' } },
    });
    // Below the threshold: no instance is looked at.
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });

  it('a RunInstances refusal is recorded without instance ids (it names none)', async () => {
    given(1);
    await handler(RUN);
    const attempt = ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input).find((i) => i.Item?.sk?.S?.startsWith('attempt#'));
    expect(attempt?.Item).not.toHaveProperty('instanceIds');
  });

  it('counts every page of the window', async () => {
    given(0);
    ddb.on(QueryCommand).resolvesOnce({ Count: 2, Items: [{}, {}], LastEvaluatedKey: { pk: { S: 'p' }, sk: { S: 's' } } }).resolves({ Count: 1, Items: [{}] });
    const out = await handler(START);
    expect(out.failures).toBe(3);
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: { S: 'p' }, sk: { S: 's' } });
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

    expect(startsOf(CONTAIN)).toHaveLength(1);
    const start = startsOf(CONTAIN)[0]!;
    expect(start.name).toBe(`failed-attempts-${START.detail.eventID}`);
    expect(containPrincipalInputSchema.parse(JSON.parse(start.input!))).toEqual({
      principalArn: USER, principalType: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001', caseId: `case-${START.detail.eventID}`, approval: true,
      deactivateAllKeys: false, mode: 'apply', trigger: { source: 'eventbridge', eventId: START.detail.eventID, principal: USER },
    });
    expect(out.threshold).toMatchObject({ reached: true, decision: 'approval', containment: 'started', executionArn: executionOf(CONTAIN, `failed-attempts-${START.detail.eventID}`) });
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
    expect(startsOf(CONTAIN)).toHaveLength(1);
  });

  it('beyond the threshold in the same window: no second start, and nothing published for a rate-limited IP', async () => {
    given(4, ['window', 'containment', `isolation#${TARGET}`]);
    const out = await handler({ ...START, detail: { ...START.detail, eventID: 'e0a1b2c3-1111-4222-8333-000000000004' } });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold).toEqual({
      reached: true, decision: 'approval', containment: 'already-started', caseId: `case-${FIRST_EVENT}`,
      isolation: { decision: 'approval', instances: [{ instanceId: TARGET, status: 'already-started' }] },
    });
    expect(out.alert).toBe('rate-limited');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('a redelivered Nth event finds the execution it started (ExecutionAlreadyExists) and reports it started', async () => {
    given(3);
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const out = await handler(START);
    expect(out.threshold).toMatchObject({ containment: 'started', executionArn: executionOf(CONTAIN, `failed-attempts-${START.detail.eventID}`) });
    expect(out.threshold.isolation?.instances).toEqual([
      { instanceId: TARGET, status: 'started', name: `case-${START.detail.eventID}-${TARGET}`, executionArn: executionOf(ISOLATE, `case-${START.detail.eventID}-${TARGET}`) },
    ]);
  });

  it('policy auto: starts contain-principal without approval', async () => {
    given(3);
    await failedAttemptHandler({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'auto' })(START);
    expect(JSON.parse(startsOf(CONTAIN)[0]!.input!)).toMatchObject({ approval: false });
    expect(published()[0]?.Message).toContain('contain-principal was started (without approval)');
  });

  it('policy report: alerts that the threshold was reached and what would be started, starts nothing', async () => {
    given(3);
    const out = await failedAttemptHandler({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'report' })(START);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold).toMatchObject({ reached: true, decision: 'report', containment: 'report' });
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

describe('isolate-instance at the threshold', () => {
  const AUTO = { threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'auto' as const };
  const caseId = `case-${START.detail.eventID}`;
  const isolateInputs = () => startsOf(ISOLATE).map((i) => ({ name: i.name, input: isolateInstanceInputSchema.parse(JSON.parse(i.input!)) }));

  it('starts it for the instance of this call and those of earlier calls in the window, once each, in the containment\'s case, asking a person', async () => {
    given(3, [], [[EARLIER], [], [TARGET]]);
    existing(instance(EARLIER, 'stopped'), instance(TARGET));
    const out = await handler(START);

    expect(isolateInputs()).toEqual([EARLIER, TARGET].map((id) => ({
      name: `${caseId}-${id}`,
      input: expect.objectContaining({ instanceId: id, caseId, approval: true, mode: 'apply', trigger: { source: 'eventbridge', eventId: START.detail.eventID, principal: USER } }),
    })));
    expect(JSON.parse(startsOf(CONTAIN)[0]!.input!)).toMatchObject({ caseId });
    expect(out.threshold).toMatchObject({ caseId, isolation: { decision: 'approval', instances: [EARLIER, TARGET].map((id) => ({
      instanceId: id, status: 'started', name: `${caseId}-${id}`, executionArn: executionOf(ISOLATE, `${caseId}-${id}`),
    })) } });
    // One conditional claim per instance, held for the alert window; an expired one may be taken over.
    expect(claims().filter((c) => c.Item?.sk?.S?.startsWith('isolation#'))).toEqual([EARLIER, TARGET].map((id) => expect.objectContaining({
      Item: { pk: { S: `principal#${USER}` }, sk: { S: `isolation#${id}` }, eventId: { S: START.detail.eventID }, expiresAt: { N: String(Date.parse('2026-11-27T11:15:30Z') / 1000) } },
      ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eventId OR expiresAt < :now', ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    })));
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: [EARLIER, TARGET] }] });
    const message = published()[0]?.Message;
    expect(message).toContain(`isolate-instance for the instances the refused calls named (it asks a person before any change, case ${caseId}):`);
    for (const id of [EARLIER, TARGET]) expect(message).toContain(`  ${id}: started ${executionOf(ISOLATE, `${caseId}-${id}`)}`);
  });

  it('starts it without approval only when both failedAttempts.policy and the isolate-instance entry say auto', async () => {
    given(3);
    await failedAttemptHandler(AUTO, 'approval')(START);
    expect(isolateInputs().map((i) => i.input.approval)).toEqual([true]);
    sfn.resetHistory();
    await failedAttemptHandler(AUTO, 'auto')(START);
    expect(isolateInputs().map((i) => i.input.approval)).toEqual([false]);
    expect(published()[1]?.Message).toContain('(without approval, case');
  });

  it('a RunInstances refusal names no instance: nothing is described or isolated, and the notice says so', async () => {
    given(3);
    const out = await handler(RUN);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
    expect(startsOf(ISOLATE)).toEqual([]);
    expect(startsOf(CONTAIN)).toHaveLength(1);
    expect(out.threshold.isolation).toEqual({ decision: 'approval', instances: [] });
    expect(published()[0]?.Message).toContain('No instance is named by the principal\'s refused calls in the window');
  });

  it('policy report (failedAttempts.policy or the isolate-instance entry): nothing started; the outcome and alert say what would be', async () => {
    for (const [settings, entry] of [[{ ...AUTO, policy: 'report' as const }, 'auto' as const], [AUTO, 'report' as const]] as const) {
      given(3);
      sns.resetHistory();
      const out = await failedAttemptHandler(settings, entry)(START);
      expect(startsOf(ISOLATE)).toEqual([]);
      expect(out.threshold.isolation).toEqual({ decision: 'report', instances: [{ instanceId: TARGET, status: 'report', name: `${caseId}-${TARGET}` }] });
      const command = `remediate start isolate-instance --input '${JSON.stringify({ instanceId: TARGET, caseId, approval: true })}'`;
      expect(published()[0]?.Message).toContain(`  ${TARGET}: would be started by: ${command}`);
      expect(isolateInstanceInputSchema.safeParse(JSON.parse(command.split(' --input ')[1]!.slice(1, -1))).success).toBe(true);
    }
  });

  it('an instance started (or reported) in this window is not started again, not even described', async () => {
    given(4, ['containment', `isolation#${TARGET}`]);
    const out = await handler({ ...START, detail: { ...START.detail, eventID: 'e0a1b2c3-1111-4222-8333-000000000004' } });
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(out.threshold.isolation?.instances).toEqual([{ instanceId: TARGET, status: 'already-started' }]);
  });

  it('a later call of the window that targets a new instance starts its isolation in the case the first event opened, and says so past the rate limit', async () => {
    given(4, ['window', 'containment', `isolation#${TARGET}`], [[TARGET]]);
    existing(instance(EARLIER));
    const out = await handler(MODIFY);

    const first = `case-${FIRST_EVENT}`;
    expect(isolateInputs()).toEqual([{ name: `${first}-${EARLIER}`, input: expect.objectContaining({ instanceId: EARLIER, caseId: first, trigger: expect.objectContaining({ eventId: MODIFY.detail.eventID }) }) }]);
    expect(startsOf(CONTAIN)).toEqual([]);
    expect(out.threshold).toMatchObject({ containment: 'already-started', caseId: first, isolation: { instances: [
      { instanceId: TARGET, status: 'already-started' }, { instanceId: EARLIER, status: 'started', name: `${first}-${EARLIER}` },
    ] } });
    expect(out.alert).toBe('published');
    expect(published()[0]?.Message).toContain(`  ${TARGET}: already started (or reported) in this window`);
  });

  it.each([
    ['an unknown id', undefined, 'not-found', 'no such instance in this account and region'],
    ['a terminated instance', instance(TARGET, 'terminated'), 'terminated', 'it is terminated'],
    ['a shutting-down instance', instance(TARGET, 'shutting-down'), 'terminated', 'it is shutting-down'],
    ['an excluded instance', instance(TARGET, 'running', { 'remediation:exclude': 'TRUE' }), 'excluded', 'it is tagged remediation:exclude=true'],
  ])('%s is reported, not started, and not an error', async (_what, found, status, reason) => {
    given(3);
    if (found) existing(found);
    else existing();
    const out = await handler(START);
    expect(startsOf(ISOLATE)).toEqual([]);
    expect(startsOf(CONTAIN)).toHaveLength(1);
    expect(out.threshold.isolation?.instances).toEqual([{ instanceId: TARGET, status, reason }]);
    expect(published()[0]?.Message).toContain(`  ${TARGET}: not started: ${reason}`);
  });

  it('reads every page of DescribeInstances', async () => {
    given(3, [], [[EARLIER]]);
    ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [{ Instances: [instance(EARLIER)] }], NextToken: 't-2' })
      .resolves({ Reservations: [{ Instances: [instance(TARGET)] }] });
    const out = await handler(START);
    expect(ec2.commandCalls(DescribeInstancesCommand)[1]?.args[0].input.NextToken).toBe('t-2');
    expect(out.threshold.isolation?.instances.map((i) => i.status)).toEqual(['started', 'started']);
  });

  it.each([
    ['a protected role', { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/break-glass/s`, sessionContext: { sessionIssuer: { arn: PROTECTED } } }, /this stack's own roles/],
    ['the root user', { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accessKeyId: 'AKIAEXAMPLEROOTKEY01' }, /the root user made the refused calls/],
  ])("never isolates the instances of %s: reported with triage's reason", async (_what, identity, reason) => {
    given(3);
    const out = await failedAttemptHandler(AUTO, 'auto')(withIdentity(identity));
    expect(startsOf(ISOLATE)).toEqual([]);
    expect(out.threshold.isolation).toMatchObject({ decision: 'report', refused: expect.stringMatching(reason), instances: [{ instanceId: TARGET, status: 'report' }] });
    expect(published()[0]?.Message).toMatch(new RegExp(`isolate-instance is not started \\([^)]*${reason.source}`));
    expect(published()[0]?.Message).toContain(`  ${TARGET}: not started`);
    expect(published()[0]?.Message).not.toContain('remediate start isolate-instance');
  });

  it('a throttled isolate-instance start is thrown for Lambda to retry (the redelivery claims its own claims again)', async () => {
    given(3);
    sfn.on(StartExecutionCommand, { stateMachineArn: ISOLATE }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(START)).rejects.toThrow('Rate exceeded');
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('the instance ids of a refused call', () => {
  it.each([
    ['StartInstances / StopInstances', { instancesSet: { items: [{ instanceId: TARGET }, { instanceId: 'i-0123abcd' }, { instanceId: TARGET }] } }, [TARGET, 'i-0123abcd']],
    ['ModifyInstanceAttribute', MODIFY.detail.requestParameters, [EARLIER]],
    ['ModifyInstanceMetadataOptions', { ModifyInstanceMetadataOptionsRequest: { InstanceId: TARGET, HttpTokens: 'optional' } }, [TARGET]],
    ['AssociateIamInstanceProfile', { AssociateIamInstanceProfileRequest: { InstanceId: TARGET, IamInstanceProfile: { Name: 'admin' } } }, [TARGET]],
    ['RunInstances (its items carry the image)', RUN.detail.requestParameters, []],
    ['ModifyNetworkInterfaceAttribute', { networkInterfaceId: 'eni-0123456789abcdef0', groupSet: { items: [{ groupId: 'sg-0123456789abcdef0' }] } }, []],
    ['null parameters', null, []],
    ['a malformed id', { instanceId: 'i-not-an-id; rm -rf' }, []],
  ])('%s', (_what, requestParameters, ids) => {
    expect(instanceIdsOf(requestParameters)).toEqual(ids);
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
