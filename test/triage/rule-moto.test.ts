import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { START_INSTANCES_PATTERN } from '../../workflows/triage-start-instances';

const fixtures = path.join(__dirname, '..', 'fixtures', 'cloudtrail');
const NAMES = ['iam-user', 'assumed-role', 'root', 'aws-service', 'failed-attempt', 'unrelated-stop-instances', 'unrelated-s3', 'unrelated-state-change'];

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
});
afterAll(() => moto.stop());

describe("the StartInstances pattern in moto's EventBridge rule engine", () => {
  it('delivers exactly the StartInstances events, from every identity and failed attempts', async () => {
    // GIVEN a rule with the synthesized pattern and an SQS target (moto cannot deliver to Step Functions)
    const events = new EventBridgeClient({});
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'triage-probe' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await events.send(new PutRuleCommand({ Name: 'start-instances', EventPattern: JSON.stringify(START_INSTANCES_PATTERN) }));
    await events.send(new PutTargetsCommand({ Rule: 'start-instances', Targets: [{ Id: 'probe', Arn: Attributes?.QueueArn }] }));

    // WHEN every fixture is put on the default bus
    for (const name of NAMES) {
      const event = JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
      await events.send(new PutEventsCommand({ Entries: [{ Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) }] }));
    }

    // THEN only the matching ones arrive
    const received: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (const m of out.Messages ?? []) received.push(JSON.parse(m.Body as string).detail.userIdentity.type + (JSON.parse(m.Body as string).detail.errorCode ? ':failed' : ''));
      if ((out.Messages ?? []).length === 0) break;
    }
    expect(received.sort()).toEqual(['AWSService', 'AssumedRole', 'IAMUser', 'IAMUser:failed', 'Root'].sort());
  });
});
