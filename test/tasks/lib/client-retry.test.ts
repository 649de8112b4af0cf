import { DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { createAutoScalingClient } from '../../../tasks/lib/clients/auto-scaling';
import { createCloudTrailClient } from '../../../tasks/lib/clients/cloudtrail';
import { createCloudWatchClient } from '../../../tasks/lib/clients/cloudwatch';
import { createConfigClient } from '../../../tasks/lib/clients/config';
import { createDynamoDbClient } from '../../../tasks/lib/clients/dynamodb';
import { createEbsClient } from '../../../tasks/lib/clients/ebs';
import { createEc2Client } from '../../../tasks/lib/clients/ec2';
import { createIamClient } from '../../../tasks/lib/clients/iam';
import { createKmsClient } from '../../../tasks/lib/clients/kms';
import { createLogsClient } from '../../../tasks/lib/clients/logs';
import { createS3Client } from '../../../tasks/lib/clients/s3';
import { createSfnClient } from '../../../tasks/lib/clients/sfn';
import { createSnsClient } from '../../../tasks/lib/clients/sns';
import { createSsmClient } from '../../../tasks/lib/clients/ssm';
import { awsError } from '../fixtures';

interface RetryConfig {
  config: { retryMode: string | (() => Promise<string>); maxAttempts: () => Promise<number>; retryStrategy: () => Promise<{ mode?: string }> };
}
const retryOf = async (client: unknown) => {
  const { config } = client as RetryConfig;
  const mode = typeof config.retryMode === 'function' ? await config.retryMode() : config.retryMode;
  return { mode, maxAttempts: await config.maxAttempts(), strategy: (await config.retryStrategy()).mode };
};

const FACTORIES: Record<string, () => unknown> = {
  autoscaling: createAutoScalingClient,
  cloudtrail: createCloudTrailClient,
  cloudwatch: createCloudWatchClient,
  config: createConfigClient,
  dynamodb: createDynamoDbClient,
  ebs: createEbsClient,
  ec2: () => createEc2Client(),
  iam: createIamClient,
  kms: createKmsClient,
  logs: createLogsClient,
  s3: createS3Client,
  sfn: createSfnClient,
  sns: createSnsClient,
  ssm: createSsmClient,
};

/** Below the SDK's retry step (unlike the hooks): AWS's answer to each attempt, as the retry strategy sees it. */
function answerAttempts(client: EC2Client, errors: Error[]): { attempts: number } {
  const seen = { attempts: 0 };
  client.middlewareStack.add(
    () => async () => {
      seen.attempts += 1;
      const error = errors[seen.attempts - 1];
      if (error) throw error;
      return { output: { Volumes: [], $metadata: {} }, response: {} };
    },
    { step: 'finalizeRequest', name: 'answerAttempts', priority: 'low' },
  );
  return seen;
}

describe('SDK clients retry throttling adaptively', () => {
  it.each(Object.keys(FACTORIES))('%s: adaptive retry mode, 5 attempts', async (service) => {
    // Act
    const retry = await retryOf(FACTORIES[service]!());

    // Assess
    expect(retry).toEqual({ mode: 'adaptive', maxAttempts: 5, strategy: 'adaptive' });
  });

  it('the EC2 client for creates without a ClientToken sends each call once', async () => {
    // Act
    const retry = await retryOf(createEc2Client({ sdkRetries: false }));

    // Assess
    expect(retry.maxAttempts).toBe(1);
  });

  it('absorbs a throttle inside one invocation: RequestLimitExceeded, then the answer', async () => {
    // Prepare
    const ec2 = createEc2Client();
    const throttle = () => awsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    const seen = answerAttempts(ec2, [throttle()]);

    // Act
    const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0aaaaaaaaaaaaaaa1'] }));

    // Assess
    expect(out.Volumes).toEqual([]);
    expect(seen.attempts).toBe(2);
  });

  it('the send-once client passes the first throttle on to the state machine', async () => {
    // Prepare
    const ec2 = createEc2Client({ sdkRetries: false });
    const seen = answerAttempts(ec2, [awsError('RequestLimitExceeded', 'Request limit exceeded.', 503)]);

    // Act
    const sent = ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0aaaaaaaaaaaaaaa1'] }));

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(seen.attempts).toBe(1);
  });
});
