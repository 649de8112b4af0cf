import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../../tasks/lib/logger';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ApprovalRequests';
process.env.APPROVAL_TOPIC_ARN = TOPIC;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../tasks/approval/request-approval') as typeof import('../../../tasks/approval/request-approval');

const sns = mockClient(SNSClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZsecret-task-token';
const EXECUTION = 'encrypt-volumes-i-0123456789abcdef0-20261201T120000Z';
const ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${EXECUTION}`;
const event = { taskToken: TOKEN, workflow: 'encrypt-volumes', executionName: EXECUTION, executionArn: ARN, target: 'i-0123456789abcdef0', plan: { needsStop: true }, timeoutSeconds: 86400 };

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});
afterEach(() => jest.restoreAllMocks());

describe('request-approval', () => {
  it('publishes the plan and the commands that answer it by execution ARN, never the task token', async () => {
    const result = await handler(event);

    expect(result).toEqual({ requested: true, messageId: 'm-1' });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.Message).toContain(`Approve:  remediate approve ${ARN}`);
    expect(input?.Message).toContain(`Reject:   remediate reject ${ARN} --reason "<why>"`);
    expect(JSON.stringify(input)).not.toContain(TOKEN);
  });

  it('logs nothing of the token', async () => {
    const logged: unknown[] = [];
    for (const level of ['info', 'warn', 'error', 'debug'] as const) jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => void logged.push(args));

    await handler(event);

    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
  });

  it('a failed publish is thrown (the state retries transient ones)', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));

    await expect(handler(event)).rejects.toMatchObject({ name: 'Throttling' });
  });
});
