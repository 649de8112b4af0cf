import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { FailedAttemptOutcome } from '../../tasks/alerts/failed-attempt';
import { isolateInstanceInputSchema } from '../../tasks/isolation/lib/schema';
import { containPrincipalInputSchema } from '../../tasks/principal/lib/schema';

// GIVEN the alert table, the notifications topic (an SQS queue subscribed) and a contain-principal state machine in moto,
// WHEN the real handler gets four refused calls by one user from one IP and one from another IP (threshold 3 here),
// THEN the topic got one alert per IP plus the threshold notice, and contain-principal was started exactly once.
// And for another principal whose refused calls named a running, an excluded, a terminated and an unknown instance:
// isolate-instance was started for the running one alone, once, in the containment's case.
const ACCOUNT = '123456789012';
const fixtures = path.join(__dirname, '..', 'fixtures', 'cloudtrail-failed');
const START = JSON.parse(readFileSync(path.join(fixtures, 'unauthorized-start-instances.json'), 'utf8'));
const attempt = (n: number, sourceIPAddress = '203.0.113.10') => ({
  ...START, detail: { ...START.detail, eventID: `e0a1b2c3-1111-4222-8333-00000000000${n}`, eventTime: `2026-11-27T10:1${n}:30Z`, sourceIPAddress },
});

let moto: MotoServer;
let handle: (event: unknown) => Promise<FailedAttemptOutcome>;
let queueUrl: string;
let containArn: string;
let isolateArn: string;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const ddb = new DynamoDBClient({});
  await ddb.send(new CreateTableCommand({
    TableName: 'failed-attempts', BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
  }));
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'notifications' }));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'notifications-probe' }))).QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, Attributes: { RawMessageDelivery: 'true' } }));
  const machine = async (name: string) => (await new SFNClient({}).send(new CreateStateMachineCommand({
    name, roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`, definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
  }))).stateMachineArn!;
  containArn = await machine('remediation-contain-principal');
  isolateArn = await machine('remediation-isolate-instance');
  Object.assign(process.env, {
    ALERT_TABLE_NAME: 'failed-attempts', NOTIFICATION_TOPIC_ARN: TopicArn, CONTAIN_STATE_MACHINE_ARN: containArn, STACK_ACCOUNT_ID: ACCOUNT,
    ISOLATE_STATE_MACHINE_ARN: isolateArn, ISOLATE_POLICY: 'approval',
    OWN_ROLE_PREFIX: 'RemediationStack-', PROTECTED_ROLE_ARNS: '', FAILED_ATTEMPTS: JSON.stringify({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'approval' }),
  });
  // Imported now: the handler makes its clients at load, as in Lambda, and they must see moto's endpoint.
  ({ handler: handle } = await import('../../tasks/alerts/failed-attempt'));
});
afterAll(() => moto.stop());

async function messages(): Promise<string[]> {
  const sqs = new SQSClient({});
  const bodies: string[] = [];
  for (let i = 0; i < 5; i++) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    if (!out.Messages?.length) break;
    bodies.push(...out.Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

it('alerts once per IP per window, starts contain-principal once at the threshold, and not again beyond it', async () => {
  const outcomes = [];
  for (const event of [attempt(1), attempt(2), attempt(3, '198.51.100.77'), attempt(4), attempt(4)]) outcomes.push(await handle(event));

  expect(outcomes.map((o) => [o.alert, o.failures, o.threshold.containment ?? 'below'])).toEqual([
    ['published', 1, 'below'], // the first refusal from 203.0.113.10
    ['rate-limited', 2, 'below'], // the same IP in the same hour
    ['published', 3, 'started'], // another IP, and the third refusal: the threshold
    ['rate-limited', 4, 'already-started'], // beyond the threshold: no second start
    ['rate-limited', 4, 'already-started'], // the same event redelivered: counted once
  ]);
  const bodies = await messages();
  expect(bodies).toHaveLength(2);
  const notices = bodies.filter((b) => b.includes('THRESHOLD REACHED: contain-principal was started'));
  expect(notices).toHaveLength(1);
  expect(notices[0]).toContain('Source IP: 198.51.100.77');

  const { executions } = await new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: containArn }));
  expect(executions?.map((e) => e.name)).toEqual([`failed-attempts-${attempt(3).detail.eventID}`]);
  const { input } = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: executions![0]!.executionArn }));
  expect(containPrincipalInputSchema.parse(JSON.parse(input!))).toMatchObject({
    principalArn: `arn:aws:iam::${ACCOUNT}:user/mallory`, caseId: `case-${attempt(3).detail.eventID}`, approval: true,
  });

  // The fixture's instance is not in this account: reported at the threshold, never started.
  expect(outcomes[2]?.threshold.isolation?.instances).toEqual([{ instanceId: 'i-0a1b2c3d4e5f60718', status: 'not-found', reason: 'no such instance in this account and region' }]);
  expect((await new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: isolateArn }))).executions).toEqual([]);

  const { Items } = await new DynamoDBClient({}).send(new ScanCommand({ TableName: 'failed-attempts' }));
  expect(Items?.map((i) => `${i.pk?.S} ${i.sk?.S}`).filter((k) => !k.includes('/trudy ')).sort()).toEqual([
    'ip#198.51.100.77 window#2026-11-27T10:00:00.000Z', 'ip#203.0.113.10 window#2026-11-27T10:00:00.000Z',
    ...[1, 2, 3, 4].map((n) => `principal#arn:aws:iam::${ACCOUNT}:user/mallory attempt#2026-11-27T10:1${n}:30.000Z#${attempt(n).detail.eventID}`),
    `principal#arn:aws:iam::${ACCOUNT}:user/mallory containment`, `principal#arn:aws:iam::${ACCOUNT}:user/mallory isolation#i-0a1b2c3d4e5f60718`,
  ].sort());
});

it('at the threshold, isolates the running instance the refused calls named, once, in the containment\'s case; not the excluded, terminated or unknown ones', async () => {
  const ec2 = new EC2Client({});
  const run = async (tags: Record<string, string> = {}) => (await ec2.send(new RunInstancesCommand({
    ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1,
    ...(Object.keys(tags).length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] } : {}),
  }))).Instances![0]!.InstanceId!;
  const [running, excluded, terminated] = [await run(), await run({ 'remediation:exclude': 'true' }), await run()];
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [terminated] }));
  const unknown = 'i-0fedcba9876543210';
  const MODIFY = JSON.parse(readFileSync(path.join(fixtures, 'unauthorized-modify-instance-attribute.json'), 'utf8'));
  const trudy = `arn:aws:iam::${ACCOUNT}:user/trudy`;
  const by = (event: typeof START, n: number, requestParameters: unknown) => ({ ...event, detail: {
    ...event.detail, eventID: `e0a1b2c3-2222-4222-8333-00000000000${n}`, eventTime: `2026-11-27T11:1${n}:30Z`, sourceIPAddress: '192.0.2.44', requestParameters,
    userIdentity: { ...event.detail.userIdentity, arn: trudy, userName: 'trudy', accessKeyId: 'AKIAEXAMPLEKEY000077' },
  } });
  const started = (...ids: string[]) => ({ instancesSet: { items: ids.map((instanceId) => ({ instanceId })) } });

  const outcomes = [];
  for (const event of [by(START, 1, started(running, unknown)), by(MODIFY, 2, { instanceId: excluded, instanceType: { value: 'p4d.24xlarge' } }),
    by(START, 3, started(terminated)), by(MODIFY, 4, { instanceId: running, instanceType: { value: 'p4d.24xlarge' } })]) outcomes.push(await handle(event));

  const caseId = `case-${by(START, 3, null).detail.eventID}`;
  expect(outcomes[2]?.threshold).toMatchObject({ containment: 'started', caseId, isolation: { decision: 'approval', instances: [
    { instanceId: running, status: 'started', name: `${caseId}-${running}` },
    { instanceId: unknown, status: 'not-found' },
    { instanceId: excluded, status: 'excluded' },
    { instanceId: terminated, status: 'terminated' },
  ] } });
  // The fourth call joins the case the third opened (the claim's holder, from the refused conditional write).
  expect(outcomes[3]?.threshold).toMatchObject({ containment: 'already-started', caseId, isolation: { instances: [running, unknown, excluded, terminated].map((instanceId) => ({ instanceId, status: 'already-started' })) } });

  const sfn = new SFNClient({});
  const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: isolateArn }));
  expect(executions?.map((e) => e.name)).toEqual([`${caseId}-${running}`]);
  const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn: executions![0]!.executionArn }));
  expect(isolateInstanceInputSchema.parse(JSON.parse(input!))).toMatchObject({
    instanceId: running, caseId, approval: true, trigger: { source: 'eventbridge', eventId: by(START, 3, null).detail.eventID, principal: trudy },
  });
  const contained = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: containArn }))).executions!.find((e) => e.name === `failed-attempts-${by(START, 3, null).detail.eventID}`);
  expect(containPrincipalInputSchema.parse(JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: contained!.executionArn }))).input!))).toMatchObject({ principalArn: trudy, caseId });

  // The first alert from the new IP, then the threshold notice (published past the rate limit); the fourth call is held back.
  const bodies = (await messages()).filter((b) => b.includes('user/trudy'));
  expect(bodies.map((b) => b.includes('THRESHOLD REACHED'))).toEqual([false, true]);
  const notice = bodies[1];
  expect(notice).toContain(`  ${running}: started ${executions![0]!.executionArn}`);
  expect(notice).toContain(`  ${excluded}: not started: it is tagged remediation:exclude=true`);

  // The attempts keep the instances they named, and expire with the window (TTL).
  const { Items } = await new DynamoDBClient({}).send(new ScanCommand({ TableName: 'failed-attempts' }));
  const attempts = (Items ?? []).filter((i) => i.pk?.S === `principal#${trudy}` && i.sk?.S?.startsWith('attempt#')).sort((a, b) => a.sk!.S!.localeCompare(b.sk!.S!));
  expect(attempts.map((i) => [(i.instanceIds?.L ?? []).map((id) => id.S), i.expiresAt?.N])).toEqual([
    [[running, unknown], String(Date.parse('2026-11-27T11:21:30Z') / 1000)], [[excluded], String(Date.parse('2026-11-27T11:22:30Z') / 1000)],
    [[terminated], String(Date.parse('2026-11-27T11:23:30Z') / 1000)], [[running], String(Date.parse('2026-11-27T11:24:30Z') / 1000)],
  ]);
});
