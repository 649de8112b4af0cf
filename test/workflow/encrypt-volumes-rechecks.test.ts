import { CreateTagsCommand, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { Report } from '../../tasks/ebs/build-report';
import type { LocalExecution } from '../../local/runner';
import type { SeededInstance } from '../../local/seed';
import { States } from '../../workflows/encrypt-volumes';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { expectBefore, mutatingCalls, snapshotsOf, startHarness, statesEntered, volumeAt, withLockCalls, type Harness } from './harness';

let h: Harness;
let keyArn: string;
beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/recheck-test');
});
afterAll(() => h.moto.stop());

const twoDataVolumes = (name: string, state: 'running' | 'stopped' = 'running') => h.seeder.createInstance({
  name, state,
  dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }, { device: '/dev/sdg', sizeGiB: 8, volumeType: 'gp2' }],
});
const calls = (execution: LocalExecution, command: string) => execution.faults.callLog.filter((c) => c === `ec2:${command}`);

/** Every seeded volume is still (or again) at its device, unencrypted. */
async function expectOriginalsAttached(seeded: SeededInstance) {
  for (const [device, volumeId] of Object.entries(seeded.volumes)) {
    expect({ device, volumeId: (await volumeAt(h.seeder, seeded.instanceId, device)).volume.VolumeId }).toEqual({ device, volumeId });
  }
}

/** The rollback's cause carries the error the guard caught: its name and its message. */
function caughtError(execution: LocalExecution): { Error: string; Cause: string } {
  expect(execution.error).toBe('RemediationRolledBack');
  return (JSON.parse(execution.cause as string) as { error: { Error: string; Cause: string } }).error;
}

describe('re-checks before the final snapshots and before each detach', () => {
  it('an instance started after the workflow stopped it: rolled back before the final snapshots, nothing detached, stopped once', async () => {
    // GIVEN a running instance that someone starts again right after the workflow saw it stopped
    const seeded = await twoDataVolumes('started-after-stop');
    const operator = [{ when: { command: 'DescribeInstances', nth: 1, since: 'StopInstances' }, action: 'start-instance' as const, instanceId: seeded.instanceId }];

    // WHEN
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { operator } });

    // THEN FAILED RemediationRolledBack, the cause naming what changed; no detach from the running instance
    expect(execution.status).toBe('FAILED');
    const error = caughtError(execution);
    expect(error.Error).toBe('InstanceChangedError');
    expect(error.Cause).toBe(`${seeded.instanceId} changed during the run, before the final snapshots: instance ${seeded.instanceId} is running, no longer stopped (someone started it); no further change made`);
    const path = statesEntered(execution);
    expectBefore(path, States.recheckBeforeFinalSnapshots, States.rollbackVolumes);
    expect(path).not.toContain(States.finalSnapshots);
    expect(path).not.toContain(States.swapVolumes);
    expect(calls(execution, 'DetachVolume')).toEqual([]);
    expect(calls(execution, 'StopInstances')).toHaveLength(1);
    await expectOriginalsAttached(seeded);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });

  it('an instance seen stopping, then running again while the workflow waits: rolled back, StopInstances never sent again', async () => {
    const seeded = await twoDataVolumes('restarted-while-stopping');
    const faults = {
      instanceState: { state: 'stopping' as const, polls: 1, since: 'StopInstances' },
      operator: [{ when: { command: 'DescribeInstances', nth: 1, since: 'StopInstances' }, action: 'start-instance' as const, instanceId: seeded.instanceId }],
    };

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults });

    expect(execution.status).toBe('FAILED');
    const error = caughtError(execution);
    expect(error).toEqual({
      Error: 'InstanceChangedError',
      Cause: `instance ${seeded.instanceId} is running again after it was seen stopping: someone started it while the workflow waited for it to stop; not stopping it again`,
    });
    expect(statesEntered(execution).filter((s) => s === States.checkInstanceStopped)).toHaveLength(2);
    expect(calls(execution, 'StopInstances')).toHaveLength(1);
    expect(calls(execution, 'DetachVolume')).toEqual([]);
    await expectOriginalsAttached(seeded);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });

  it('an instance tagged remediation:exclude=true while its pre-copy snapshots were taken: rolled back before the final snapshots', async () => {
    const seeded = await twoDataVolumes('excluded-mid-run');
    const operator = [{ when: { command: 'CreateSnapshot', nth: 1 }, action: 'tag-exclude' as const, instanceId: seeded.instanceId }];

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { operator } });

    expect(execution.status).toBe('FAILED');
    expect(caughtError(execution)).toEqual({
      Error: 'InstanceChangedError',
      Cause: `${seeded.instanceId} changed during the run, before the final snapshots: instance ${seeded.instanceId} is now tagged remediation:exclude=true; no further change made`,
    });
    expect(statesEntered(execution)).not.toContain(States.finalSnapshots);
    expect(calls(execution, 'DetachVolume')).toEqual([]);
    await expectOriginalsAttached(seeded);
  });

  it('a device changed during the swap (someone detached the next volume): the re-check before its swap rolls back', async () => {
    // GIVEN a stopped instance; right after the first replacement is attached, someone detaches /dev/sdg
    const seeded = await twoDataVolumes('device-changed', 'stopped');
    const operator = [{ when: { command: 'AttachVolume', nth: 1 }, action: 'detach-volume' as const, device: '/dev/sdg', instanceId: seeded.instanceId }];

    const execution = await h.run({ instanceId: seeded.instanceId, kmsKeyId: keyArn, volumeIds: [seeded.volumes['/dev/sdf'], seeded.volumes['/dev/sdg']] }, { faults: { operator } });

    expect(execution.status).toBe('FAILED');
    const error = caughtError(execution);
    expect(error).toEqual({
      Error: 'InstanceChangedError',
      Cause: expect.stringMatching(new RegExp(`^${seeded.instanceId} changed during the run, before attaching vol-[0-9a-f]+ at /dev/sdg: /dev/sdg: ${seeded.volumes['/dev/sdg']} is no longer attached \\(nothing at /dev/sdg\\); no further change made$`)),
    });
    // the swap of /dev/sdg stopped at its re-check: one detach by the swap of /dev/sdf, one by its rollback, no attach at /dev/sdg
    const swapOfSdg = execution.events.filter((e) => e.state === States.swapVolume && e.index === 1 && e.type === 'StateEntered');
    expect(swapOfSdg).toHaveLength(1);
    expect(calls(execution, 'DetachVolume')).toHaveLength(2);
    expect(execution.events.filter((e) => e.type === 'StateEntered' && e.state === States.waitSwap && e.index === 1)).toEqual([]);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.VolumeId).toBe(seeded.volumes['/dev/sdf']);
  });
});

describe('an instance still pending when the run starts (triage fires right after StartInstances)', () => {
  it('waits until it leaves pending, then runs preflight and remediates', async () => {
    const seeded = await h.seeder.createInstance({ name: 'pending-at-start', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: keyArn }, { faults: { instanceState: { state: 'pending', polls: 2 } } });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    const path = statesEntered(execution);
    expect(path.slice(0, 11)).toEqual([
      States.validateInput, SkeletonStates.routeByMode, SkeletonStates.acquireLock, SkeletonStates.remediation, States.settleInstance,
      States.checkInstanceSettled, States.routeInstanceSettled, States.waitInstanceSettled,
      States.checkInstanceSettled, States.routeInstanceSettled, States.waitInstanceSettled,
    ]);
    expect(path.filter((s) => s === States.checkInstanceSettled)).toHaveLength(3);
    expectBefore(path, States.waitInstanceSettled, States.preflight);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
  });

  it('in plan mode too, with no lock and no change', async () => {
    const seeded = await h.seeder.createInstance({ name: 'pending-plan', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, mode: 'plan' }, { faults: { instanceState: { state: 'pending', polls: 1 } } });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('PLANNED');
    expectBefore(statesEntered(execution), States.waitInstanceSettled, States.preflight);
    expect(mutatingCalls(execution)).toEqual([]);
  });

  it('still pending when the budget runs out: FAILED PollBudgetExceededError before preflight, nothing changed, lock released', async () => {
    const seeded = await h.seeder.createInstance({ name: 'pending-forever', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true }, { faults: { instanceState: { state: 'pending', polls: 100 } } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PollBudgetExceededError');
    expect(execution.cause).toBe(`instance ${seeded.instanceId} is still pending after 10 polls before preflight (budget 10): nothing was changed; start the run again once it is running or stopped`);
    expect(statesEntered(execution)).not.toContain(States.preflight);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance'));
  });
});

describe('a plan that changed while waiting for the approval', () => {
  it.each([
    ['a stopped instance started during the wait', 'stopped' as const, 'start' as const, 'instance.state: "stopped" -> "running"; instance.wasRunning: false -> true; needsStop: false -> true'],
    ['a running instance stopped on purpose during the wait', 'running' as const, 'stop' as const, 'instance.state: "running" -> "stopped"; instance.wasRunning: true -> false; needsStop: true -> false'],
  ])('%s: FAILED PlanChangedError, nothing created or stopped, lock released', async (_, state, change, differences) => {
    const seeded = await h.seeder.createInstance({ name: `plan-changed-${change}`, state, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, kmsKeyId: keyArn }, {
      approver: async () => {
        const InstanceIds = [seeded.instanceId];
        await h.seeder.ec2.send(change === 'start' ? new StartInstancesCommand({ InstanceIds }) : new StopInstancesCommand({ InstanceIds }));
        return { approved: true, principal: 'arn:aws:iam::123456789012:user/alice' };
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PlanChangedError');
    expect(execution.cause).toBe(`the plan changed while waiting for approval (approved -> now): ${differences}; nothing was changed; start a new run to approve the current plan`);
    const path = statesEntered(execution);
    expectBefore(path, States.requestApproval, States.preflightAfterApproval);
    expectBefore(path, States.preflightAfterApproval, States.comparePlansAfterApproval);
    expect(path.slice(-2)).toEqual([SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
    expect(path).not.toContain(States.routeByInstanceState);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
    await expectOriginalsAttached(seeded);
  });

  it('an instance excluded during the wait: preflight now refuses, FAILED PlanChangedError naming the refusal, nothing changed', async () => {
    const seeded = await h.seeder.createInstance({ name: 'plan-excluded', state: 'stopped', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, kmsKeyId: keyArn }, {
      approver: async () => {
        await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [seeded.instanceId], Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }));
        return { approved: true };
      },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PlanChangedError');
    expect(execution.cause).toMatch(/^the plan changed while waiting for approval: preflight now refuses it \(PreconditionFailedError: .*remediation:exclude=true.*\); nothing was changed$/);
    const path = statesEntered(execution);
    expectBefore(path, States.preflightAfterApproval, SkeletonStates.describePlanNoLongerPossible);
    expect(path.slice(-4)).toEqual([SkeletonStates.describePlanNoLongerPossible, SkeletonStates.planNoLongerPossible, SkeletonStates.releaseLockAfterFailure, SkeletonStates.failed]);
    expect(path).not.toContain(States.comparePlansAfterApproval);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect(await snapshotsOf(h.seeder, execution.name)).toEqual([]);
    await expectOriginalsAttached(seeded);
  });

  it('an unchanged plan goes on with the approved plan after the check', async () => {
    const seeded = await h.seeder.createInstance({ name: 'plan-unchanged', state: 'stopped', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, kmsKeyId: keyArn }, { approver: async () => ({ approved: true }) });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    const path = statesEntered(execution);
    expectBefore(path, States.comparePlansAfterApproval, States.routeByInstanceState);
    expect(calls(execution, 'StopInstances')).toEqual([]);
  });
});
