/** assess-instance loaded per environment, with its EC2 and CloudWatch SDK mocked (shared by the assess-instance tests). */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client, Instance, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { INSTANCE_ID, instance } from '../../tasks/fixtures';

type Sdk = typeof import('@aws-sdk/client-ec2');
export type AssessInstance = typeof import('../../../tasks/triage/assess-instance');
export interface Loaded {
  sdk: Sdk;
  handler: AssessInstance['handler'];
  ec2: AwsClientStub<EC2Client>;
  cw: typeof import('@aws-sdk/client-cloudwatch');
  /** Answers DescribeAlarms with high-cpu's alarm present unless a test says otherwise (ec2.reset leaves it). */
  cloudwatch: AwsClientStub<CloudWatchClient>;
}

export const ACCOUNT = '123456789012';
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const MALLORY = `arn:aws:iam::${ACCOUNT}:user/mallory`;
export const OPS_ADMIN = `arn:aws:iam::${ACCOUNT}:role/ops-admin`;
const ENV_KEYS = ['ALLOWED_PRINCIPALS', 'TRIAGE_POLICY'] as const;
type Env = Partial<Record<(typeof ENV_KEYS)[number], string>>;

/**
 * The handler reads ALLOWED_PRINCIPALS and TRIAGE_POLICY once at module load, as in Lambda: load a
 * fresh copy with exactly `env` set. Its EC2 SDK comes from the same isolated registry, so the mock
 * and the commands the tests match on are that copy's.
 */
export async function loadWith(env: Env): Promise<Loaded> {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const key of ENV_KEYS) {
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  try {
    let loaded: Omit<Loaded, 'ec2' | 'cloudwatch'> | undefined;
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-ec2');
      const cw = await import('@aws-sdk/client-cloudwatch');
      const { handler } = await import('../../../tasks/triage/assess-instance');
      loaded = { sdk, cw, handler };
    });
    if (!loaded) throw new Error('assess-instance did not load');
    const cloudwatch = mockClient(loaded.cw.CloudWatchClient);
    cloudwatch.on(loaded.cw.DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: `remediation-high-cpu-${INSTANCE_ID}` }] });
    return { ...loaded, ec2: mockClient(loaded.sdk.EC2Client), cloudwatch };
  } finally {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

export const ROOT_VOLUME = 'vol-0aaaaaaaaaaaaaaa1';
export const DATA_VOLUME = 'vol-0aaaaaaaaaaaaaaa2';
export const running = (overrides: Partial<Instance> = {}): Instance => instance({
  State: { Name: 'running' },
  BlockDeviceMappings: [
    { DeviceName: '/dev/xvda', Ebs: { VolumeId: ROOT_VOLUME } },
    { DeviceName: '/dev/sdf', Ebs: { VolumeId: DATA_VOLUME } },
  ],
  SecurityGroups: [],
  ...overrides,
});
export const world = (protocol: string, from?: number, to?: number, v6 = false): IpPermission => ({
  IpProtocol: protocol, FromPort: from, ToPort: to,
  ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: '::/0' }] } : { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
});
export const privateOnly = (protocol: string, from: number, to: number): IpPermission => ({
  IpProtocol: protocol, FromPort: from, ToPort: to, IpRanges: [{ CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [{ CidrIpv6: 'fd00::/8' }],
});
export const group = (GroupId: string, IpPermissions: IpPermission[]): SecurityGroup => ({ GroupId, IpPermissions });

/** DescribeInstances answers with `found`, DescribeVolumes with the root volume unencrypted and the data volume encrypted. */
export function stubInstance({ sdk, ec2 }: Loaded, found: Instance, encrypted: Record<string, boolean> = { [ROOT_VOLUME]: false, [DATA_VOLUME]: true }): void {
  ec2.on(sdk.DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [found] }] });
  ec2.on(sdk.DescribeVolumesCommand).resolves({ Volumes: Object.entries(encrypted).map(([VolumeId, Encrypted]) => ({ VolumeId, Encrypted })) });
}
