import { CreateTagsCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Instance, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, type FinishRollbackEvent } from '../../../tasks/ebs/finish-rollback';
import { EXECUTION_NAME, INSTANCE_ID, NOW, OTHER_INSTANCE_ID, awsError, ec2Volume, freezeTime, instance, sentCommands, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ROOT = 'vol-0aaaaaaaaaaaaaaa1';
const DATA = 'vol-0aaaaaaaaaaaaaaa2';
const NEW_ROOT = 'vol-0ccccccccccccccc1';
const NEW_DATA = 'vol-0ccccccccccccccc2';
const volumes = [
  volumeWork({ volumeId: ROOT, device: '/dev/xvda', deleteOnTermination: true, newVolumeId: NEW_ROOT }),
  volumeWork({ volumeId: DATA, device: '/dev/sdf', isRoot: false, deleteOnTermination: false, newVolumeId: NEW_DATA }),
];
const event = (overrides: Partial<FinishRollbackEvent> = {}): FinishRollbackEvent => ({
  executionName: EXECUTION_NAME,
  instanceId: INSTANCE_ID,
  instanceStateBefore: 'running',
  volumes,
  error: { Error: 'IncorrectState', Cause: 'Volume is in an incorrect state' },
  devices: [{ volumeId: ROOT, step: 'restored' }, { volumeId: DATA, step: 'restored' }],
  rollbackErrors: {},
  cleanup: { deleted: ['snap-0000000000000001'], kept: [NEW_ROOT], tagged: [NEW_ROOT], unsettled: [] },
  ...overrides,
});
const on = (instanceId: string, device: string) => ({ instanceId, state: 'attached', device });
type Mapping = [device: string, volumeId: string, deleteOnTermination: boolean];
function given(state: string, mappings: Mapping[], found: Volume[]): void {
  const described: Instance = instance({
    State: { Name: state as 'running' },
    BlockDeviceMappings: mappings.map(([DeviceName, VolumeId, DeleteOnTermination]) => ({ DeviceName, Ebs: { VolumeId, DeleteOnTermination, Status: 'attached' } })),
  });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [described] }] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: found });
}
const restoredVolumes = () => [
  ec2Volume(ROOT, 'in-use', on(INSTANCE_ID, '/dev/xvda')), ec2Volume(DATA, 'in-use', on(INSTANCE_ID, '/dev/sdf')),
  ec2Volume(NEW_ROOT, 'available'), ec2Volume(NEW_DATA, 'available'),
];

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('finish-rollback', () => {
  it('reports every device restored, the instance running again and what the cleanup did: all restored', async () => {
    // Prepare
    given('running', [['/dev/xvda', ROOT, true], ['/dev/sdf', DATA, false]], restoredVolumes());

    // Act
    const out = await handler(event());

    // Assess
    const at = NOW.toISOString();
    expect(out.allRestored).toBe(true);
    expect(out.report).toEqual({
      workflow: 'encrypt-volumes',
      target: INSTANCE_ID,
      outcome: 'ROLLED_BACK',
      error: { Error: 'IncorrectState', Cause: 'Volume is in an incorrect state' },
      devices: [
        {
          device: '/dev/xvda', originalVolumeId: ROOT, newVolumeId: NEW_ROOT, newVolumeAttachedTo: null,
          attachedNow: { volumeId: ROOT, instanceId: INSTANCE_ID }, originalAttachedTo: { instanceId: INSTANCE_ID, device: '/dev/xvda' },
          deleteOnTermination: { expected: true, now: true }, restored: true,
        },
        {
          device: '/dev/sdf', originalVolumeId: DATA, newVolumeId: NEW_DATA, newVolumeAttachedTo: null,
          attachedNow: { volumeId: DATA, instanceId: INSTANCE_ID }, originalAttachedTo: { instanceId: INSTANCE_ID, device: '/dev/sdf' },
          deleteOnTermination: { expected: false, now: false }, restored: true,
        },
      ],
      instance: { instanceId: INSTANCE_ID, stateBefore: 'running', stateNow: 'running', restored: true },
      cleanup: { deleted: ['snap-0000000000000001'], kept: [NEW_ROOT], tagged: [NEW_ROOT], unsettled: [] },
      rollbackErrors: {},
      whatToDo: [],
      actions: [
        { action: 'restore-original-volume', resourceId: ROOT, after: { device: '/dev/xvda', deleteOnTermination: true, attachedTo: INSTANCE_ID }, at },
        { action: 'restore-original-volume', resourceId: DATA, after: { device: '/dev/sdf', deleteOnTermination: false, attachedTo: INSTANCE_ID }, at },
        { action: 'delete-intermediate-snapshot', resourceId: 'snap-0000000000000001', at },
        { action: 'tag-rolled-back', resourceId: NEW_ROOT, after: { 'remediation:rolled-back': 'true' }, at },
        { action: 'restore-instance-state', resourceId: INSTANCE_ID, after: { state: 'running' }, at },
      ],
    });
    expect(JSON.parse(out.cause)).toEqual(out.report);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: [{ Name: 'volume-id', Values: [ROOT, NEW_ROOT, DATA, NEW_DATA] }] });
    // it only reads: the cleanup before it tagged what was kept
    expect(sentCommands(ec2)).toEqual(['DescribeInstancesCommand', 'DescribeVolumesCommand']);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });

  it('reports a device whose original could not go back, with its error and what a person must do: not all restored', async () => {
    // Prepare: /dev/sdf is empty (its reattach failed), the instance left stopped
    given('stopped', [['/dev/xvda', ROOT, true]], [
      ec2Volume(ROOT, 'in-use', on(INSTANCE_ID, '/dev/xvda')), ec2Volume(DATA, 'available'), ec2Volume(NEW_ROOT, 'available'), ec2Volume(NEW_DATA, 'available'),
    ]);
    const devices = [{ volumeId: ROOT, step: 'restored' }, { volumeId: DATA, step: 'failed', error: { Error: 'IncorrectState', Cause: 'still busy' } }];

    // Act
    const out = await handler(event({ devices }));

    // Assess
    expect(out.allRestored).toBe(false);
    expect(out.report.outcome).toBe('ROLLBACK_INCOMPLETE');
    expect(out.report.devices[0]?.restored).toBe(true);
    expect(out.report.devices[1]).toEqual({
      device: '/dev/sdf', originalVolumeId: DATA, newVolumeId: NEW_DATA, newVolumeAttachedTo: null,
      attachedNow: null, originalAttachedTo: null, deleteOnTermination: { expected: false }, restored: false,
      error: { Error: 'IncorrectState', Cause: 'still busy' },
      whatToDo: `attach ${DATA} at /dev/sdf of ${INSTANCE_ID}; then set DeleteOnTermination=false for /dev/sdf`,
    });
    expect(out.report.instance).toEqual({
      instanceId: INSTANCE_ID, stateBefore: 'running', stateNow: 'stopped', restored: false,
      whatToDo: `start ${INSTANCE_ID} once every device above is back (it was running before the remediation)`,
    });
    expect(out.report.whatToDo).toEqual([
      `/dev/sdf: attach ${DATA} at /dev/sdf of ${INSTANCE_ID}; then set DeleteOnTermination=false for /dev/sdf`,
      out.report.instance.whatToDo,
    ]);
    expect(out.report.actions.map((a) => a.action)).toEqual(['restore-original-volume', 'delete-intermediate-snapshot', 'tag-rolled-back']);
  });

  it('tells a person to stop the instance first when someone started it with a replacement still attached', async () => {
    // Prepare
    given('running', [['/dev/xvda', ROOT, true], ['/dev/sdf', NEW_DATA, false]], [
      ec2Volume(ROOT, 'in-use', on(INSTANCE_ID, '/dev/xvda')), ec2Volume(DATA, 'available', undefined, { Tags: [{ Key: 'remediation:replaced-by', Value: NEW_DATA }] }),
      ec2Volume(NEW_ROOT, 'available'), ec2Volume(NEW_DATA, 'in-use', on(INSTANCE_ID, '/dev/sdf')),
    ]);
    const devices = [{ volumeId: ROOT, step: 'restored' }, { volumeId: DATA, step: 'not-restored', reason: 'the instance is running' }];

    // Act
    const out = await handler(event({ devices }));

    // Assess
    expect(out.allRestored).toBe(false);
    expect(out.report.devices[1]).toMatchObject({
      attachedNow: { volumeId: NEW_DATA, instanceId: INSTANCE_ID }, newVolumeAttachedTo: { instanceId: INSTANCE_ID, device: '/dev/sdf' }, restored: false,
      error: { Error: 'NotRestored', Cause: 'the instance is running' },
      whatToDo: `detach ${NEW_DATA} from /dev/sdf of ${INSTANCE_ID}; the instance is running, stop it first; then attach ${DATA} at /dev/sdf of ${INSTANCE_ID}; `
        + `then remove the tags remediation:replaced-by, remediation:retain-until, remediation:replaced-on, remediation:workflow from ${DATA}`,
    });
    expect(out.report.instance.restored).toBe(true);
  });

  it('names where an original is attached when it is on another instance', async () => {
    // Prepare
    given('stopped', [['/dev/xvda', ROOT, true]], [
      ec2Volume(ROOT, 'in-use', on(INSTANCE_ID, '/dev/xvda')), ec2Volume(DATA, 'in-use', on(OTHER_INSTANCE_ID, '/dev/sdz')),
    ]);

    // Act
    const out = await handler(event({ instanceStateBefore: 'stopped', volumes: [volumes[0]!, { ...volumes[1]!, newVolumeId: undefined }] }));

    // Assess
    expect(out.report.devices[1]?.whatToDo).toBe(
      `attach ${DATA} at /dev/sdf of ${INSTANCE_ID} (it is attached to ${OTHER_INSTANCE_ID} at /dev/sdz: detach it there first); then set DeleteOnTermination=false for /dev/sdf`,
    );
    expect(out.report.instance).toEqual({ instanceId: INSTANCE_ID, stateBefore: 'stopped', stateNow: 'stopped', restored: true });
  });

  it('carries the errors of rollback\'s own steps', async () => {
    // Prepare
    given('running', [['/dev/xvda', ROOT, true], ['/dev/sdf', DATA, false]], restoredVolumes());

    // Act
    const out = await handler(event({ rollbackErrors: { cleanup: { Error: 'UnauthorizedOperation', Cause: 'denied' }, restart: {} } }));

    // Assess
    expect(out.report.rollbackErrors).toEqual({ cleanup: { Error: 'UnauthorizedOperation', Cause: 'denied' } });
    expect(out.allRestored).toBe(true);
  });

  it.each([
    ['the poll that reported error when no task failed', { error: {}, polls: { volumes: { status: 'error' as const, error: { Error: 'VolumeCreationFailed', Cause: 'vol entered state error' } } } },
      { Error: 'VolumeCreationFailed', Cause: 'vol entered state error' }],
    ['Unknown when nothing recorded one', { error: undefined, polls: { stopped: { status: 'completed' as const } } }, { Error: 'Unknown', Cause: 'no error was recorded' }],
    ['an error without a cause', { error: { Error: 'States.Timeout' } }, { Error: 'States.Timeout', Cause: '' }],
  ])('reports as the original error %s', async (_case, overrides, expected) => {
    // Prepare
    given('running', [['/dev/xvda', ROOT, true], ['/dev/sdf', DATA, false]], restoredVolumes());

    // Act
    const out = await handler(event(overrides));

    // Assess
    expect(out.report.error).toEqual(expected);
  });

  it('keeps the cause within Step Functions\' 32,768 characters for 40 volumes, dropping per-resource cleanup actions first', async () => {
    // Prepare: 40 devices, each original back in place, and hundreds of cleaned-up resources
    const many = Array.from({ length: 40 }, (_, i) => volumeWork({
      volumeId: `vol-0aaaaaaaaaaaa${String(i).padStart(4, '0')}`, device: `/dev/sd${String.fromCharCode(98 + (i % 25))}${i}`, deleteOnTermination: false,
      newVolumeId: `vol-0cccccccccccc${String(i).padStart(4, '0')}`,
    }));
    given('running', many.map((v) => [v.device, v.volumeId, false] as Mapping), many.map((v) => ec2Volume(v.volumeId, 'in-use', on(INSTANCE_ID, v.device))));
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(17, '0')}`);
    const cleanupResult = { deleted: ids('snap', 80), kept: ids('snap', 80), tagged: [...ids('snap', 80), ...ids('vol', 40)], unsettled: [] };

    // Act
    const out = await handler(event({ volumes: many, devices: many.map((v) => ({ volumeId: v.volumeId, step: 'restored' })), cleanup: cleanupResult }));

    // Assess
    expect(JSON.stringify(out.report).length).toBeGreaterThan(32_768);
    expect(out.cause.length).toBeLessThanOrEqual(32_768);
    const cause = JSON.parse(out.cause) as typeof out.report & { actionsShortened?: boolean };
    expect(cause.actionsShortened).toBe(true);
    expect(cause.cleanup).toEqual(cleanupResult);
    expect(cause.devices).toHaveLength(40);
    expect(cause.outcome).toBe('ROLLED_BACK');
  });

  it.each([
    ['DescribeInstances', () => ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DescribeVolumes', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
  ])('lets a transient %s error through with its name for Retry', async (_command, arrange) => {
    // Prepare
    given('running', [['/dev/xvda', ROOT, true]], restoredVolumes());
    arrange();

    // Act / Assess
    await expect(handler(event())).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
