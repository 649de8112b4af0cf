import {
  AttachVolumeCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  type Instance,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/swap-volume';
import { InstanceChangedError, PollBudgetExceededError, PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, OTHER_INSTANCE_ID, awsError, ec2Volume, freezeTime, instance, pollState, sentCommands, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
const NEW = 'vol-0ccccccccccccccc1';
const volume = volumeWork({ volumeId: ORIGINAL, newVolumeId: NEW, device: '/dev/xvda', deleteOnTermination: true });
const swap = (poll?: Parameters<typeof handler>[0]['poll']) => handler({ volume, instanceId: INSTANCE_ID, poll });
const on = (state: string) => ({ instanceId: INSTANCE_ID, state });
/** The volumes, and the stopped instance as EC2 shows it with them: at /dev/xvda whichever is attached to it (unless `overrides` says otherwise). */
function given(original: Volume, replacement: Volume, overrides: Partial<Instance> = {}): void {
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [original, replacement] });
  const attached = [original, replacement].find((v) => v.Attachments?.some((a) => a.InstanceId === INSTANCE_ID));
  const BlockDeviceMappings = attached ? [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: attached.VolumeId } }] : [];
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ BlockDeviceMappings, ...overrides })] }] });
}
/** The poll after this run's own DetachVolume of the original. */
const afterOwnDetach = () => ({ ...pollState(), step: 'detaching-original' }) as Parameters<typeof handler>[0]['poll'];

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('swap-volume', () => {
  it.each([
    ['original attached', ec2Volume(ORIGINAL, 'in-use', on('attached')), ec2Volume(NEW, 'available'), 'detaching-original', 'pending', ['DescribeInstances', 'DetachVolume']],
    ['original detaching', ec2Volume(ORIGINAL, 'in-use', on('detaching')), ec2Volume(NEW, 'available'), 'detaching-original', 'pending', []],
    ['both detached', ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'available'), 'attaching-replacement', 'pending', ['DescribeInstances', 'AttachVolume']],
    ['replacement attaching', ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attaching')), 'attaching-replacement', 'pending', []],
    ['replacement attached', ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attached')), 'swapped', 'completed', ['ModifyInstanceAttribute', 'CreateTags']],
  ])('with the %s, returns step %s and sends only the call that stage needs (re-reading the instance before a detach or attach)', async (_stage, original, replacement, step, status, calls) => {
    // Prepare
    given(original, replacement);

    // Act
    const out = await swap(afterOwnDetach());

    // Assess
    expect(out).toMatchObject({ step, status, volumeId: ORIGINAL, newVolumeId: NEW, device: '/dev/xvda', at: NOW.toISOString() });
    expect(sentCommands(ec2).map((n) => n.replace(/Command$/, ''))).toEqual(['DescribeVolumes', ...calls]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { VolumeIds: [ORIGINAL, NEW] });
  });

  it('detaches the original from its device on this instance', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'in-use', on('attached')), ec2Volume(NEW, 'available'));

    // Act
    await swap();

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DetachVolumeCommand, { VolumeId: ORIGINAL, InstanceId: INSTANCE_ID, Device: '/dev/xvda' });
  });

  it('attaches the replacement at the original device', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'available'));

    // Act
    await swap(afterOwnDetach());

    // Assess
    expect(ec2).toHaveReceivedCommandWith(AttachVolumeCommand, { VolumeId: NEW, InstanceId: INSTANCE_ID, Device: '/dev/xvda' });
  });

  it('once attached, restores DeleteOnTermination and tags the original with its replacement, where it went, its retention date and the workflow', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attached')));
    const justAfterMidnight = new Date('2026-03-01T00:05:00.000Z');
    freezeTime(justAfterMidnight);

    // Act
    const out = await swap(pollState({ count: 3, maxPolls: 30, waitSeconds: 20 }));

    // Assess: retained for exactly 30 days.
    expect(out).toEqual({
      status: 'completed', count: 4, startedAt: NOW.toISOString(), maxPolls: 30, waitSeconds: 40,
      volumeId: ORIGINAL, newVolumeId: NEW, device: '/dev/xvda', step: 'swapped', at: justAfterMidnight.toISOString(),
    });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, {
      InstanceId: INSTANCE_ID,
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { DeleteOnTermination: true } }],
    });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [ORIGINAL],
      Tags: [
        { Key: 'remediation:replaced-by', Value: NEW }, { Key: 'remediation:retain-until', Value: '2026-03-31' },
        { Key: 'remediation:replaced-on', Value: `${INSTANCE_ID}:/dev/xvda` }, { Key: 'remediation:workflow', Value: 'encrypt-volumes' },
      ],
    });
  });

  it('waits longer on each pending step of the same swap', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'in-use', on('detaching')), ec2Volume(NEW, 'available'));

    // Act
    const first = await swap();
    const second = await swap(first);
    const third = await swap(second);

    // Assess
    expect([first, second, third].map((p) => [p.count, p.waitSeconds, p.maxPolls])).toEqual([[1, 5, 20], [2, 10, 20], [3, 20, 20]]);
  });

  it('throws PollBudgetExceededError when the swap is still pending on the last poll', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'in-use', on('attaching')));

    // Act
    const result = swap(pollState({ count: 29, maxPolls: 30 }));

    // Assess
    await expect(result).rejects.toThrow(PollBudgetExceededError);
    await expect(result).rejects.toMatchObject({
      name: 'PollBudgetExceededError',
      message: `swap of ${ORIGINAL} at /dev/xvda still pending after 30 polls (budget 30)`,
    });
  });

  it.each([
    ['the original is attached to another instance', ec2Volume(ORIGINAL, 'in-use', { instanceId: OTHER_INSTANCE_ID, state: 'attached' }), ec2Volume(NEW, 'available'),
      `original ${ORIGINAL} is in-use elsewhere; not swapping`],
    ['the replacement is still creating', ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'creating'), `replacement ${NEW} is creating, not available`],
  ])('throws PreconditionFailedError without changing anything when %s', async (_case, original, replacement, message) => {
    // Prepare
    given(original, replacement);

    // Act
    const result = swap();

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message });
    expect(sentCommands(ec2)).toEqual(['DescribeVolumesCommand']);
  });

  it('throws PreconditionFailedError, sending nothing, when no replacement is recorded', async () => {
    // Act
    const result = handler({ volume: { ...volume, newVolumeId: undefined }, instanceId: INSTANCE_ID });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `no replacement recorded for ${ORIGINAL}` });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('throws ResourceNotFoundError when the replacement is gone', async () => {
    // Prepare
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [ec2Volume(ORIGINAL, 'available')] });

    // Act
    const result = swap();

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: `volume ${NEW} not found` });
    expect(sentCommands(ec2)).toEqual(['DescribeVolumesCommand']);
  });

  it.each([
    ['DescribeVolumes', 'RequestLimitExceeded', () => ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DetachVolume', 'RequestLimitExceeded', () => ec2.on(DetachVolumeCommand).rejects(awsError('RequestLimitExceeded'))],
    ['DetachVolume', 'IncorrectState', () => ec2.on(DetachVolumeCommand).rejects(awsError('IncorrectState'))],
  ])('lets a %s error through with its name (%s)', async (_command, name, arrange) => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'in-use', on('attached')), ec2Volume(NEW, 'available'));
    arrange();

    // Act / Assess
    await expect(swap()).rejects.toMatchObject({ name });
  });
});

describe('swap-volume re-checks the instance before each detach and attach', () => {
  it.each([
    ['started by someone', { State: { Name: 'running' as const } }, `instance ${INSTANCE_ID} is running, no longer stopped (someone started it)`],
    ['tagged excluded', { Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] }, `instance ${INSTANCE_ID} is now tagged remediation:exclude=true`],
    ['holding another volume at the device', { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0ddddddddddddddd1' } }] },
      `/dev/xvda: holds vol-0ddddddddddddddd1, neither the original ${ORIGINAL} nor this run's replacement ${NEW}`],
  ])('an instance %s: InstanceChangedError naming the change, and no DetachVolume', async (_, overrides, change) => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'in-use', on('attached')), ec2Volume(NEW, 'available'), overrides);

    // Act
    const result = swap();

    // Assess
    await expect(result).rejects.toThrow(new InstanceChangedError(`${INSTANCE_ID} changed during the run, before detaching ${ORIGINAL} from /dev/xvda: ${change}; no further change made`));
    await expect(result).rejects.toBeInstanceOf(InstanceChangedError);
    expect(sentCommands(ec2)).toEqual(['DescribeVolumesCommand', 'DescribeInstancesCommand']);
  });

  it('an original gone from its device before this run detached it: InstanceChangedError, and no AttachVolume', async () => {
    // Prepare: the first step of this swap finds the original already detached (by someone else)
    given(ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'available'));

    // Act
    const result = swap();

    // Assess
    await expect(result).rejects.toThrow(`${INSTANCE_ID} changed during the run, before attaching ${NEW} at /dev/xvda: /dev/xvda: ${ORIGINAL} is no longer attached (nothing at /dev/xvda); no further change made`);
    expect(sentCommands(ec2)).toEqual(['DescribeVolumesCommand', 'DescribeInstancesCommand']);
  });

  it('after its own detach, an instance started meanwhile: InstanceChangedError, and no AttachVolume', async () => {
    // Prepare
    given(ec2Volume(ORIGINAL, 'available'), ec2Volume(NEW, 'available'), { State: { Name: 'pending' } });

    // Act
    const result = swap(afterOwnDetach());

    // Assess
    await expect(result).rejects.toThrow(`${INSTANCE_ID} changed during the run, before attaching ${NEW} at /dev/xvda: instance ${INSTANCE_ID} is pending, no longer stopped (someone started it); no further change made`);
    expect(sentCommands(ec2)).toEqual(['DescribeVolumesCommand', 'DescribeInstancesCommand']);
  });
});
