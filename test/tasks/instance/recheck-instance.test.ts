import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/instance/recheck-instance';
import { instanceChanges } from '../../../tasks/instance/lib/recheck';
import { InstanceChangedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, awsError, freezeTime, instance, sentCommands } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ROOT = 'vol-0aaaaaaaaaaaaaaa1';
const DATA = 'vol-0aaaaaaaaaaaaaaa2';
const NEW_ROOT = 'vol-0ccccccccccccccc1';
const OTHER = 'vol-0ddddddddddddddd1';
const planned = [{ device: '/dev/xvda', volumeId: ROOT, newVolumeId: NEW_ROOT }, { device: '/dev/sdf', volumeId: DATA }];
const mappings = (root: string, data?: string) => [
  { DeviceName: '/dev/xvda', Ebs: { VolumeId: root } }, ...(data ? [{ DeviceName: '/dev/sdf', Ebs: { VolumeId: data } }] : []),
];
const stopped = (overrides: Partial<Instance> = {}) => instance({ BlockDeviceMappings: mappings(ROOT, DATA), ...overrides });

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('instanceChanges (the comparison both re-checks use)', () => {
  it('finds none on a stopped instance whose devices hold their originals or this run\'s replacements', () => {
    expect(instanceChanges(stopped(), planned)).toEqual([]);
    expect(instanceChanges(stopped({ BlockDeviceMappings: mappings(NEW_ROOT, DATA) }), planned)).toEqual([]);
    expect(instanceChanges(stopped({ Tags: [{ Key: 'remediation:exclude', Value: 'false' }] }), planned)).toEqual([]);
  });

  it('names each change: not stopped, excluded, a device holding another volume, a device left empty', () => {
    const changed = stopped({
      State: { Name: 'running' }, Tags: [{ Key: 'remediation:exclude', Value: 'true' }], BlockDeviceMappings: mappings(OTHER),
    });

    expect(instanceChanges(changed, planned)).toEqual([
      `instance ${INSTANCE_ID} is running, no longer stopped (someone started it)`,
      `instance ${INSTANCE_ID} is now tagged remediation:exclude=true`,
      `/dev/xvda: holds ${OTHER}, neither the original ${ROOT} nor this run's replacement ${NEW_ROOT}`,
      `/dev/sdf: ${DATA} is no longer attached (nothing at /dev/sdf)`,
    ]);
  });

  it('says "neither the original" alone for a device without a replacement yet', () => {
    expect(instanceChanges(stopped({ BlockDeviceMappings: mappings(ROOT, OTHER) }), planned)).toEqual([`/dev/sdf: holds ${OTHER}, neither the original ${DATA}`]);
  });
});

describe('recheck-instance', () => {
  it('returns what it checked when nothing changed, reading only the instance', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [stopped()] }] });

    // Act
    const out = await handler({ instanceId: INSTANCE_ID, volumes: planned, next: 'the final snapshots' });

    // Assess
    expect(out).toEqual({ instanceId: INSTANCE_ID, state: 'stopped', devices: 2, checkedAt: NOW.toISOString() });
    expect(sentCommands(ec2)).toEqual(['DescribeInstancesCommand']);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
  });

  it('throws InstanceChangedError naming what changed and what it was about to do', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [stopped({ State: { Name: 'pending' } })] }] });

    // Act
    const result = handler({ instanceId: INSTANCE_ID, volumes: planned, next: 'the final snapshots' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(InstanceChangedError);
    await expect(result).rejects.toMatchObject({
      name: 'InstanceChangedError',
      message: `${INSTANCE_ID} changed during the run, before the final snapshots: instance ${INSTANCE_ID} is pending, no longer stopped (someone started it); no further change made`,
    });
  });

  it('throws ResourceNotFoundError when the instance is gone', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act / Assess
    await expect(handler({ instanceId: INSTANCE_ID, volumes: planned, next: 'the final snapshots' })).rejects.toBeInstanceOf(ResourceNotFoundError);
  });

  it('lets a transient error through with its name for Retry', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ instanceId: INSTANCE_ID, volumes: planned, next: 'the final snapshots' })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
