import type { Image, Instance } from '@aws-sdk/client-ec2';
import type { BackupPlan, RefreshAmiContext } from '../../../tasks/ami/lib/types';
import { refreshAmiInputSchema } from '../../../tasks/ami/lib/schema';
import { parseOrThrow } from '../../../tasks/lib/validation';
import { INSTANCE_ID, NOW } from '../fixtures';

export { INSTANCE_ID, NOW };
export const EXECUTION = { name: 'refresh-ami-i-0123456789abcdef0-20260301T120000Z', startTime: NOW.toISOString() };
export const IMAGE_NAME = 'refresh-ami-i-0123456789abcdef0-20260301';
export const IMAGE_ID = 'ami-0123456789abcdef0';
export const SNAPSHOT_ID = 'snap-0123456789abcdef0';
export const OURS = [{ Key: 'remediation:workflow', Value: 'refresh-ami' }, { Key: 'remediation:execution', Value: EXECUTION.name }];

export const context = (input: Record<string, unknown>): RefreshAmiContext => ({ request: parseOrThrow(refreshAmiInputSchema, input), execution: EXECUTION });

export const instance = (overrides: Partial<Instance> = {}): Instance => ({
  InstanceId: INSTANCE_ID, ImageId: 'ami-0aaaaaaaaaaaaaaa1', State: { Name: 'running' }, RootDeviceType: 'ebs', RootDeviceName: '/dev/xvda',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa1' } }, { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-0aaaaaaaaaaaaaaa2' } }],
  Tags: [{ Key: 'app', Value: 'billing' }, { Key: 'aws:cloudformation:stack-name', Value: 'web' }, { Key: 'remediation:lock', Value: EXECUTION.name }],
  ...overrides,
});

export const image = (overrides: Partial<Image> = {}): Image => ({
  ImageId: IMAGE_ID, Name: IMAGE_NAME, State: 'available', OwnerId: '123456789012',
  BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: SNAPSHOT_ID } }],
  Tags: [...OURS, { Key: 'remediation:source-instance', Value: INSTANCE_ID }],
  ...overrides,
});

export const TAGS = [
  { Key: 'app', Value: 'billing' }, ...OURS, { Key: 'remediation:source-instance', Value: INSTANCE_ID },
];

export const backupPlan = (overrides: Partial<BackupPlan> = {}): BackupPlan => ({
  action: 'backup', outcome: 'PROCEED', target: INSTANCE_ID, instanceId: INSTANCE_ID, instanceState: 'running', imageName: IMAGE_NAME,
  noReboot: false, reboots: true, note: 'reboots', tags: TAGS,
  volumes: [{ device: '/dev/xvda', volumeId: 'vol-0aaaaaaaaaaaaaaa1', sizeGiB: 8 }], workGiB: 8,
  ...overrides,
});
