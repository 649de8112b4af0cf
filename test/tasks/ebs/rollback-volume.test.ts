import {
  AttachVolumeCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/rollback-volume';
import { PollBudgetExceededError, PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, OTHER_INSTANCE_ID, awsError, ec2Volume, freezeTime, instance, pollState, sentCommands, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
const NEW = 'vol-0ccccccccccccccc1';
const volume = volumeWork({ volumeId: ORIGINAL, newVolumeId: NEW, device: '/dev/xvda', deleteOnTermination: true });
const rollback = (poll?: Parameters<typeof handler>[0]['poll'], v = volume) => handler({ volume: v, instanceId: INSTANCE_ID, poll });
const on = (state: string) => ({ instanceId: INSTANCE_ID, state });
const replacedTags = { Tags: [{ Key: 'remediation:replaced-by', Value: NEW }, { Key: 'remediation:retain-until', Value: '2026-03-31' }] };
function given(volumes: Volume[], deleteOnTermination = false, instanceState = 'stopped'): void {
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: volumes });
  givenInstance(instanceState, deleteOnTermination);
}
function givenInstance(state: string, deleteOnTermination = false): void {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({
    State: { Name: state as 'stopped' },
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: ORIGINAL, DeleteOnTermination: deleteOnTermination } }],
  })] }] });
}
const names = () => sentCommands(ec2).map((n) => n.replace(/Command$/, ''));

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('rollback-volume', () => {
  it.each([
    ['replacement attached', [ec2Volume(ORIGINAL, 'available', undefined, replacedTags), ec2Volume(NEW, 'in-use', on('attached'))], 'detaching-replacement', 'pending', ['DetachVolume']],
    ['replacement detaching', [ec2Volume(ORIGINAL, 'available', undefined, replacedTags), ec2Volume(NEW, 'in-use', on('detaching'))], 'detaching-replacement', 'pending', []],
    ['both detached', [ec2Volume(ORIGINAL, 'available', undefined, replacedTags), ec2Volume(NEW, 'available')], 'reattaching-original', 'pending', ['AttachVolume']],
    ['original attaching', [ec2Volume(ORIGINAL, 'in-use', on('attaching'), replacedTags), ec2Volume(NEW, 'available')], 'reattaching-original', 'pending', []],
    ['original attached again', [ec2Volume(ORIGINAL, 'in-use', on('attached'), replacedTags), ec2Volume(NEW, 'available')], 'restored', 'completed',
      ['ModifyInstanceAttribute', 'DeleteTags']],
  ])('with the %s, returns step %s and sends only the call that stage needs', async (_stage, volumes, step, status, calls) => {
    // Prepare
    given(volumes);

    // Act
    const out = await rollback();

    // Assess
    expect(out).toMatchObject({ step, status, volumeId: ORIGINAL });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances', ...calls]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [ORIGINAL, NEW] });
  });

  it.each([
    ['replacement attached', [ec2Volume(ORIGINAL, 'available', undefined, replacedTags), ec2Volume(NEW, 'in-use', on('attached'))]],
    ['both detached', [ec2Volume(ORIGINAL, 'available', undefined, replacedTags), ec2Volume(NEW, 'available')]],
  ])('with the %s on an instance someone started, changes nothing and reports the device not restored', async (_stage, volumes) => {
    // Prepare
    given(volumes, false, 'running');

    // Act
    const out = await rollback();

    // Assess
    expect(out).toMatchObject({
      status: 'completed', step: 'not-restored', volumeId: ORIGINAL, device: '/dev/xvda',
      reason: 'the instance is running; rollback changes no device of an instance that is not stopped',
    });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances']);
  });

  it('waits, changing nothing, while the instance is still stopping', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attached'))], false, 'stopping');

    // Act
    const out = await rollback();

    // Assess
    expect(out).toMatchObject({ status: 'pending', step: 'detaching-replacement' });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances']);
  });

  it('puts DeleteOnTermination back on a running instance whose original never left (no device is moved)', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'in-use', on('attached'))], false, 'running');

    // Act
    const out = await rollback(undefined, { ...volume, newVolumeId: undefined });

    // Assess
    expect(out).toMatchObject({ status: 'completed', step: 'restored' });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances', 'ModifyInstanceAttribute']);
  });

  it('detaches the replacement, then reattaches the original, at the device', async () => {
    // Prepare
    givenInstance('stopped');
    ec2.on(DescribeVolumesCommand)
      .resolvesOnce({ Volumes: [ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attached'))] })
      .resolvesOnce({ Volumes: [ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'available')] });

    // Act
    const first = await rollback();
    const second = await rollback(first);

    // Assess
    expect([first.step, second.step]).toEqual(['detaching-replacement', 'reattaching-original']);
    expect([first.count, second.count]).toEqual([1, 2]);
    expect(ec2).toHaveReceivedCommandWith(DetachVolumeCommand, { VolumeId: NEW, InstanceId: INSTANCE_ID, Device: '/dev/xvda' });
    expect(ec2).toHaveReceivedCommandWith(AttachVolumeCommand, { VolumeId: ORIGINAL, InstanceId: INSTANCE_ID, Device: '/dev/xvda' });
  });

  it('restores DeleteOnTermination and removes the replacement tags once the original is back', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'in-use', on('attached'), replacedTags), ec2Volume(NEW, 'available')], false);

    // Act
    const out = await rollback(pollState({ count: 4, maxPolls: 30 }));

    // Assess
    expect(out).toEqual({ status: 'completed', count: 5, startedAt: NOW.toISOString(), maxPolls: 30, waitSeconds: 60, volumeId: ORIGINAL, device: '/dev/xvda', step: 'restored' });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, {
      InstanceId: INSTANCE_ID,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }],
    });
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, {
      Resources: [ORIGINAL],
      Tags: [{ Key: 'remediation:replaced-by' }, { Key: 'remediation:retain-until' }, { Key: 'remediation:replaced-on' }, { Key: 'remediation:workflow' }],
    });
  });

  it('only checks an original that never left and has no replacement', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'in-use', on('attached'))], true);

    // Act
    const out = await rollback(undefined, { ...volume, newVolumeId: undefined });

    // Assess
    expect(out).toMatchObject({ status: 'completed', step: 'restored' });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [ORIGINAL] });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances']);
  });

  it('throws PollBudgetExceededError when the rollback is still pending on the last poll', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'in-use', on('attaching')), ec2Volume(NEW, 'available')]);

    // Act
    const result = rollback(pollState({ count: 29, maxPolls: 30 }));

    // Assess
    await expect(result).rejects.toThrow(PollBudgetExceededError);
    await expect(result).rejects.toMatchObject({
      name: 'PollBudgetExceededError',
      message: `rollback of ${ORIGINAL} at /dev/xvda still pending after 30 polls (budget 30)`,
    });
  });

  it('throws PreconditionFailedError, without attaching, when the original is in use elsewhere', async () => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'in-use', { instanceId: OTHER_INSTANCE_ID, state: 'attached' }), ec2Volume(NEW, 'available')]);

    // Act
    const result = rollback();

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `original ${ORIGINAL} is in-use; cannot reattach it` });
    expect(names()).toEqual(['DescribeVolumes', 'DescribeInstances']);
  });

  it('throws ResourceNotFoundError, changing nothing, when the original is gone', async () => {
    // Prepare
    given([ec2Volume(NEW, 'in-use', on('attached'))]);

    // Act
    const result = rollback();

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: `volume ${ORIGINAL} not found` });
    // one look for both, one more for the original alone; nothing changed
    expect(names()).toEqual(['DescribeVolumes', 'DescribeVolumes']);
  });

  it('reattaches the original when its replacement was deleted by hand', async () => {
    // Prepare: EC2 fails a describe that names a missing volume
    givenInstance('stopped');
    ec2.on(DescribeVolumesCommand, { VolumeIds: [ORIGINAL, NEW] }).rejects(awsError('InvalidVolume.NotFound'));
    ec2.on(DescribeVolumesCommand, { VolumeIds: [ORIGINAL] }).resolves({ Volumes: [ec2Volume(ORIGINAL, 'available', undefined, replacedTags)] });

    // Act
    const out = await rollback();

    // Assess
    expect(out).toMatchObject({ step: 'reattaching-original', status: 'pending' });
    expect(ec2).toHaveReceivedCommandWith(AttachVolumeCommand, { VolumeId: ORIGINAL, InstanceId: INSTANCE_ID, Device: '/dev/xvda' });
    expect(ec2).not.toHaveReceivedCommand(DetachVolumeCommand);
  });

  it.each([
    ['DescribeVolumes', 'RequestLimitExceeded', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DetachVolume', 'RequestLimitExceeded', () => ec2.on(DetachVolumeCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DetachVolume', 'IncorrectState', () => ec2.on(DetachVolumeCommand).rejects(awsError('IncorrectState'))],
    ['DetachVolume', 'VolumeInUse', () => ec2.on(DetachVolumeCommand).rejects(awsError('VolumeInUse'))],
  ])('lets a transient %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    given([ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attached'))]);
    arrange();

    // Act / Assess
    await expect(rollback()).rejects.toMatchObject({ name });
  });
});
