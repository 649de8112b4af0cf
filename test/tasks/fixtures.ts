import type { Instance, Volume } from '@aws-sdk/client-ec2';
import type { PollState } from '../../tasks/lib/types';
import type { VolumeWork } from '../../tasks/ebs/lib/types';

// Shared values and builders for the task tests: ids match the input schema's patterns.
export const INSTANCE_ID = 'i-0123456789abcdef0';
export const OTHER_INSTANCE_ID = 'i-0fedcba9876543210';
export const EXECUTION_NAME = 'exec-0001';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;
export const NOW = new Date('2026-03-01T12:00:00.000Z');

/** An error as the SDK throws it for an answer from AWS: what matters to handlers and Retry is its `name`. */
export function awsError(name: string, message = `${name} from AWS`, httpStatusCode = 400): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, { $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/** What the SDK throws when no answer came back at all (a timeout, a reset connection): no HTTP status. */
export function noAnswer(name = 'TimeoutError', message = 'Connection timed out after 30000 ms'): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** An unencrypted gp3 root volume after preflight. */
export function volumeWork(overrides: Partial<VolumeWork> = {}): VolumeWork {
  return {
    volumeId: 'vol-0aaaaaaaaaaaaaaa1',
    device: '/dev/xvda',
    isRoot: true,
    sizeGiB: 100,
    volumeType: 'gp3',
    iops: 4000,
    throughput: 250,
    multiAttachEnabled: false,
    deleteOnTermination: true,
    availabilityZone: 'us-east-1a',
    tags: [{ Key: 'Name', Value: 'web-root' }],
    ...overrides,
  };
}

/** An EC2 volume as DescribeVolumes returns it, with one attachment when `attachedTo` is given. */
export function ec2Volume(
  volumeId: string,
  state: string,
  attachedTo?: { instanceId: string; state: string; device?: string },
  extra: Partial<Volume> = {},
): Volume {
  const volume: Volume = { VolumeId: volumeId, State: state as Volume['State'], ...extra };
  if (attachedTo) {
    volume.Attachments = [
      { InstanceId: attachedTo.instanceId, State: attachedTo.state as 'attached', Device: attachedTo.device ?? '/dev/xvda', VolumeId: volumeId },
    ];
  }
  return volume;
}

export function instance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: INSTANCE_ID,
    State: { Name: 'stopped' },
    RootDeviceName: '/dev/xvda',
    RootDeviceType: 'ebs',
    Placement: { AvailabilityZone: 'us-east-1a' },
    Tags: [],
    BlockDeviceMappings: [],
    ...overrides,
  };
}

/** A poll that has already run `count` times, starting at `startedAt`. */
export function pollState(overrides: Partial<PollState> = {}): PollState {
  return { status: 'pending', count: 1, startedAt: NOW.toISOString(), waitSeconds: 15, maxPolls: 12, ...overrides };
}

/** Fakes only the clock (Date), so promises and the SDK mocks behave as usual. */
export function freezeTime(at: Date = NOW): void {
  jest.useFakeTimers({ now: at, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
}

/** Names of the commands a mocked client received, in order. */
export function sentCommands(mock: { calls(): readonly { args: readonly unknown[] }[] }): string[] {
  return mock.calls().map((call) => (call.args[0] as object).constructor.name);
}
