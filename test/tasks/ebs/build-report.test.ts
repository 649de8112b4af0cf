import { handler, type BuildReportEvent } from '../../../tasks/ebs/build-report';
import type { SwapState } from '../../../tasks/ebs/swap-volume';
import type { Plan } from '../../../tasks/ebs/lib/types';
import { INSTANCE_ID, KEY_ARN, NOW, freezeTime, volumeWork } from '../fixtures';

const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
const NEW = 'vol-0ccccccccccccccc1';
const volume = volumeWork({ volumeId: ORIGINAL, newVolumeId: NEW, finalSnapshotId: 'snap-00000000000final', finalCopyId: 'snap-0000000finalcopy' });
const plan: Plan = {
  instance: { instanceId: INSTANCE_ID, state: 'running', availabilityZone: 'us-east-1a', rootDeviceName: '/dev/xvda', wasRunning: true },
  kmsKeyArn: KEY_ARN,
  volumes: [volume],
  alreadyEncrypted: ['vol-0aaaaaaaaaaaaaaa3'],
  needsStop: true,
  outcome: 'PROCEED',
};
const swap: SwapState = {
  status: 'completed', count: 4, startedAt: '2026-03-01T11:40:00.000Z', waitSeconds: 40, maxPolls: 30,
  volumeId: ORIGINAL, newVolumeId: NEW, device: '/dev/xvda', step: 'swapped', at: '2026-03-01T11:45:00.000Z',
};
const verification = { verifiedAt: '2026-03-01T11:46:00.000Z', devices: [], blockComparisons: [] };
const base: BuildReportEvent = {
  request: { instanceId: INSTANCE_ID, strategy: 'copy', allowStop: true, approval: false, mode: 'apply', trigger: { source: 'cli', principal: 'alice' } },
  execution: { name: 'exec-0001', startTime: '2026-03-01T11:00:00.000Z' },
  plan,
  work: {},
};

beforeEach(() => freezeTime(NOW));
afterEach(() => jest.useRealTimers());

describe('build-report', () => {
  it('reports a remediation with every change in order, before and after', async () => {
    // Prepare
    const work: BuildReportEvent['work'] = {
      volumes: [volume],
      stop: { instanceId: INSTANCE_ID, previousState: 'running', currentState: 'stopping', at: '2026-03-01T11:20:00.000Z' },
      swaps: [swap],
      verification,
      start: { instanceId: INSTANCE_ID, previousState: 'stopped', currentState: 'pending', at: '2026-03-01T11:47:00.000Z' },
      cleanup: { deleted: ['snap-0000000000000pre'], kept: ['snap-0000000finalcopy'] },
    };

    // Act
    const report = await handler({ ...base, work });

    // Assess
    expect(report).toEqual({
      workflow: 'encrypt-volumes',
      target: INSTANCE_ID,
      execution: 'exec-0001',
      outcome: 'REMEDIATED',
      mode: 'apply',
      trigger: { source: 'cli', principal: 'alice' },
      startedAt: '2026-03-01T11:00:00.000Z',
      finishedAt: NOW.toISOString(),
      plan: {
        volumes: [{ volumeId: ORIGINAL, device: '/dev/xvda', sizeGiB: 100, volumeType: 'gp3' }],
        alreadyEncrypted: ['vol-0aaaaaaaaaaaaaaa3'],
        needsStop: true,
        kmsKeyArn: KEY_ARN,
      },
      actions: [
        { action: 'stop-instance', resourceId: INSTANCE_ID, before: { state: 'running' }, after: { state: 'stopped' }, at: '2026-03-01T11:20:00.000Z' },
        {
          action: 'replace-volume',
          resourceId: ORIGINAL,
          before: { volumeId: ORIGINAL, device: '/dev/xvda', encrypted: false },
          after: {
            volumeId: NEW, device: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN,
            fromSnapshot: 'snap-0000000finalcopy', originalRetained: { 'remediation:replaced-by': NEW },
          },
          at: '2026-03-01T11:45:00.000Z',
        },
        { action: 'start-instance', resourceId: INSTANCE_ID, before: { state: 'stopped' }, after: { state: 'running' }, at: '2026-03-01T11:47:00.000Z' },
        { action: 'delete-intermediate-snapshot', resourceId: 'snap-0000000000000pre', at: '2026-03-01T11:46:00.000Z' },
      ],
      verification,
      cleanup: { deleted: ['snap-0000000000000pre'], kept: ['snap-0000000finalcopy'], tagged: [], unsettled: [] },
    });
  });

  it('reports a failed cleanup beside the verified swap, which stands', async () => {
    // Prepare
    const work: BuildReportEvent['work'] = {
      volumes: [volume], swaps: [swap], verification, cleanupError: { Error: 'UnauthorizedOperation', Cause: 'not allowed to delete snap-1' },
    };

    // Act
    const report = await handler({ ...base, work });

    // Assess
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.cleanup).toEqual({ deleted: [], kept: [], tagged: [], unsettled: [], error: { Error: 'UnauthorizedOperation', Cause: 'not allowed to delete snap-1' } });
    expect(report.actions.map((a) => a.action)).toEqual(['replace-volume']);
  });

  it('reports a verified swap whose instance could not be started: originals retained, instance stopped, what to do', async () => {
    // Prepare
    const work: BuildReportEvent['work'] = {
      volumes: [volume], swaps: [swap], verification,
      stop: { instanceId: INSTANCE_ID, previousState: 'running', currentState: 'stopping', at: '2026-03-01T11:20:00.000Z' },
      startError: { Error: 'InsufficientInstanceCapacity', Cause: 'no capacity in us-east-1a' },
      cleanup: { deleted: ['snap-00000000000final'], kept: ['snap-0000000finalcopy'], tagged: [], unsettled: [] },
    };

    // Act
    const report = await handler({ ...base, work });

    // Assess
    expect(report.notRestarted).toEqual({
      instanceId: INSTANCE_ID,
      instanceState: 'stopped',
      error: { Error: 'InsufficientInstanceCapacity', Cause: 'no capacity in us-east-1a' },
      volumesEncryptedAndVerified: true,
      originalsRetained: [ORIGINAL],
      whatToDo: `start ${INSTANCE_ID} when EC2 has capacity (aws ec2 start-instances --instance-ids ${INSTANCE_ID}); its volumes are already encrypted and verified, do not run the remediation again`,
    });
    expect(report.actions.map((a) => a.action)).toEqual(['stop-instance', 'replace-volume', 'delete-intermediate-snapshot']);
  });

  it('names the unencrypted final snapshot as the source with the direct strategy, and omits stop and start for a stopped instance', async () => {
    // Prepare
    const directVolume = { ...volume, finalCopyId: undefined };
    const work: BuildReportEvent['work'] = { volumes: [directVolume], swaps: [swap] };

    // Act
    const report = await handler({ ...base, work });

    // Assess
    expect(report.actions.map((a) => a.action)).toEqual(['replace-volume']);
    expect(report.actions[0]?.after).toMatchObject({ fromSnapshot: 'snap-00000000000final' });
    expect(report).not.toHaveProperty('verification');
  });

  it('volume-copy: names the source volume (no snapshot) and reports the initialization read after the swap', async () => {
    // Prepare
    const copied = { ...volume, finalSnapshotId: undefined, finalCopyId: undefined };
    const initialization = {
      status: 'initializing' as const, startedAt: '2026-03-01T11:45:30.000Z', readAt: '2026-03-01T11:45:30.000Z', checks: 1, maxChecks: 13, waitSeconds: 60,
      note: 'reduced performance until initialized',
      volumes: [{ device: '/dev/xvda', volumeId: NEW, sizeGiB: 8, state: 'initializing' as const, initializationType: 'volume-copy', progressPercent: 10 }],
    };
    const work: BuildReportEvent['work'] = { volumes: [copied], swaps: [swap], initialization };

    // Act
    const report = await handler({ ...base, request: { ...base.request, strategy: 'volume-copy' }, work });

    // Assess
    expect(report.actions[0]?.after).toEqual({
      volumeId: NEW, device: '/dev/xvda', encrypted: true, kmsKeyId: KEY_ARN, copiedFromVolume: ORIGINAL, originalRetained: { 'remediation:replaced-by': NEW },
    });
    expect(report.initialization).toEqual(initialization);
  });

  it('volume-copy: reports a failed initialization read as an error beside the swap, which stands', async () => {
    // Act
    const report = await handler({
      ...base, request: { ...base.request, strategy: 'volume-copy' },
      work: { volumes: [volume], swaps: [swap], initializationError: { Error: 'UnauthorizedOperation', Cause: 'no' } },
    });

    // Assess
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.initialization).toEqual({ error: { Error: 'UnauthorizedOperation', Cause: 'no' } });
  });

  it('reports NO_ACTION with no actions', async () => {
    // Prepare
    const noAction: Plan = { ...plan, volumes: [], needsStop: false, kmsKeyArn: '', outcome: 'NO_ACTION' };

    // Act
    const report = await handler({ ...base, plan: noAction });

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [], plan: { volumes: [], kmsKeyArn: '', needsStop: false } });
  });

  it('reports a plan as PLANNED with what apply would change and no actions', async () => {
    // Prepare
    const planned: Plan = { ...plan, outcome: 'PLANNED' };

    // Act
    const report = await handler({ ...base, request: { ...base.request, mode: 'plan' }, plan: planned });

    // Assess
    expect(report).toMatchObject({
      outcome: 'PLANNED',
      mode: 'plan',
      actions: [],
      plan: { volumes: [{ volumeId: ORIGINAL, device: '/dev/xvda' }], needsStop: true },
    });
  });
});
