import {
  ConfigServiceClient, DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand, DescribeDeliveryChannelsCommand,
  PutConfigurationRecorderCommand, PutDeliveryChannelCommand, StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export const CONFIG_BUCKET = 'remediation-config-delivery-test';
export const SLR_ARN = 'arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';

export interface ConfigHarness {
  moto: MotoServer;
  config: ConfigServiceClient;
  iam: IAMClient;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  /** A fresh account: moto reset, the stack-owned bucket created again. */
  reset: () => Promise<void>;
  state: () => Promise<{ recorders: unknown[]; channels: unknown[]; statuses: { name?: string; recording?: boolean; lastStatus?: string }[] }>;
  /** An account configured by someone else: a recorder of EC2 instances only, with its own role, recording. */
  seedOtherRecorder: (name: string) => Promise<void>;
  roleExists: () => Promise<boolean>;
  /** Config's service-linked role as IAM reports it. */
  role: () => Promise<{ path?: string; trust?: unknown }>;
}

/** One moto server per test file; the bucket name is in the environment before handlers load, as Lambda has it. */
export async function startConfigHarness(): Promise<ConfigHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  process.env.CONFIG_BUCKET_NAME = CONFIG_BUCKET;
  const { runWorkflow } = await import('../../local/runner');
  const config = new ConfigServiceClient({});
  const iam = new IAMClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  const reset = async () => {
    await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
    await s3.send(new CreateBucketCommand({ Bucket: CONFIG_BUCKET }));
  };
  await reset();
  return {
    moto, config, iam, reset,
    run: (input, options) => runWorkflow('enable-config', input, options),
    state: async () => ({
      recorders: (await config.send(new DescribeConfigurationRecordersCommand({}))).ConfigurationRecorders ?? [],
      channels: (await config.send(new DescribeDeliveryChannelsCommand({}))).DeliveryChannels ?? [],
      statuses: (await config.send(new DescribeConfigurationRecorderStatusCommand({}))).ConfigurationRecordersStatus ?? [],
    }),
    seedOtherRecorder: async (name) => {
      await config.send(new PutConfigurationRecorderCommand({
        ConfigurationRecorder: { name, roleARN: 'arn:aws:iam::123456789012:role/config-role', recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ['AWS::EC2::Instance'] } },
      }));
      await config.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name, s3BucketName: CONFIG_BUCKET, configSnapshotDeliveryProperties: { deliveryFrequency: 'Six_Hours' } } }));
      await config.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: name }));
    },
    roleExists: () => iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForConfig' })).then(() => true, () => false),
    role: async () => {
      const role = (await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForConfig' }))).Role;
      const document = role?.AssumeRolePolicyDocument;
      return { path: role?.Path, trust: document ? JSON.parse(decodeURIComponent(document)) : undefined };
    },
  };
}

/** State names entered, in order. */
export const statesEntered = (execution: LocalExecution) => execution.events.filter((e) => e.type === 'StateEntered').map((e) => e.state as string);

/** AWS calls that change something (everything but Describe*, Get* and List*). */
export const mutatingCalls = (execution: LocalExecution) => execution.faults.callLog.filter((c) => !/:(Describe|Get|List)/.test(c));
