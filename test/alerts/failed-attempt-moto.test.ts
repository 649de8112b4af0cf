import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { FailedAttemptOutcome } from '../../tasks/alerts/failed-attempt';
import { containPrincipalInputSchema } from '../../tasks/principal/lib/schema';

// GIVEN the alert table, the notifications topic (an SQS queue subscribed) and a contain-principal state machine in moto,
// WHEN the real handler gets four refused calls by one user from one IP and one from another IP (threshold 3 here),
// THEN the topic got one alert per IP plus the threshold notice, and contain-principal was started exactly once.
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
  containArn = (await new SFNClient({}).send(new CreateStateMachineCommand({
    name: 'remediation-contain-principal', roleArn: `arn:aws:iam::${ACCOUNT}:role/sfn`, definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
  }))).stateMachineArn!;
  Object.assign(process.env, {
    ALERT_TABLE_NAME: 'failed-attempts', NOTIFICATION_TOPIC_ARN: TopicArn, CONTAIN_STATE_MACHINE_ARN: containArn, STACK_ACCOUNT_ID: ACCOUNT,
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

  const { Items } = await new DynamoDBClient({}).send(new ScanCommand({ TableName: 'failed-attempts' }));
  expect(Items?.map((i) => `${i.pk?.S} ${i.sk?.S}`).sort()).toEqual([
    'ip#198.51.100.77 window#2026-11-27T10:00:00.000Z', 'ip#203.0.113.10 window#2026-11-27T10:00:00.000Z',
    ...[1, 2, 3, 4].map((n) => `principal#arn:aws:iam::${ACCOUNT}:user/mallory attempt#2026-11-27T10:1${n}:30.000Z#${attempt(n).detail.eventID}`),
    `principal#arn:aws:iam::${ACCOUNT}:user/mallory containment`,
  ].sort());
});
