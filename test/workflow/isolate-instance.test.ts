import { DescribeKeyPairsCommand } from '@aws-sdk/client-ec2';
import type { LocalExecution } from '../../local/runner';
import { generateSshKey, publicKeyBody } from '../../tasks/key-pair/lib/openssh';
import { States } from '../../workflows/isolate-instance';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { expectBefore, mutatingCalls, statesEntered, withLockCalls } from './harness';
import { startIsolateHarness, type IsolateHarness } from './isolate-instance-harness';

// moto enforces no IAM policy and no connection tracking: these tests show the account's state (groups, profile,
// protection, target registrations, tags, snapshots, the case record), not that traffic or stolen credentials are refused.
let h: IsolateHarness;
let sandboxAuthorizedKeys: (instanceId: string) => string | undefined;
let removeSandboxes: () => void;
beforeAll(async () => {
  h = await startIsolateHarness();
  ({ sandboxAuthorizedKeys, removeSandboxes } = await import('../../local/emulation/run-command'));
});
afterAll(async () => {
  removeSandboxes?.();
  await h?.moto.stop();
});

/** What LockResources tagged remediation:lock (its output in the execution's history). */
const lockedResources = (execution: LocalExecution) =>
  (execution.events.find((e) => e.type === 'StateExited' && e.state === SkeletonStates.lockResources)?.output as { lockedResources?: { tagged: string[] } } | undefined)?.lockedResources?.tagged;

type Report = { outcome: string; caseId: string; keyPair: { name: string } | null; planned?: string[]; forensicSnapshots?: string[]; actions: { action: string }[] };

describe('isolate-instance against an emulated account', () => {
  it('plans without a change, isolates, a re-run is NO_ACTION, and release puts the instance back exactly (snapshots and session deny kept)', async () => {
    // Prepare
    const { instanceId, roleName, targetGroupArn, groupIds } = await h.instance('web');
    const before = await h.view(instanceId, targetGroupArn);
    expect(before).toMatchObject({ keyName: 'web-key', targets: [`${instanceId}:8080`] });
    expect(Object.values(before.enis)).toEqual([groupIds]);

    // Act: plan
    const plan = await h.run({ instanceId, caseId: 'case-web', mode: 'plan' });
    // Assess: every step listed, nothing changed (no snapshot, no group)
    expect(plan.status).toBe('SUCCEEDED');
    const planned = plan.output as Report;
    expect(planned).toMatchObject({ outcome: 'PLANNED', keyPair: { name: 'web-key' } });
    expect(planned.planned?.length).toBeGreaterThanOrEqual(8);
    expect(await h.view(instanceId, targetGroupArn)).toEqual(before);
    expect(await h.snapshotsOfCase('case-web')).toEqual([]);
    expect(await h.groupsTagged('empty')).toEqual([]);

    // Act: isolate
    const isolated = await h.run({ instanceId, caseId: 'case-web', untrackedWaitSeconds: 5 });
    // Assess
    expect([isolated.status, isolated.error, isolated.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const report = isolated.output as Report;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', caseId: 'case-web', keyPair: { name: 'web-key' } });
    const [empty] = await h.groupsTagged('empty');
    expect(empty).toMatchObject({ ingress: [], egress: [] });
    const [untracked] = await h.groupsTagged('untracked');
    expect(untracked).toMatchObject({ ingress: ['-1 0.0.0.0/0', '-1 ::/0'], egress: ['-1 0.0.0.0/0', '-1 ::/0'] });
    const after = await h.view(instanceId, targetGroupArn);
    expect(after).toEqual({
      ...before, enis: Object.fromEntries(Object.keys(before.enis).map((eni) => [eni, [empty?.groupId]])),
      tags: { ...before.tags, 'remediation:isolated': 'case-web' }, profileArn: undefined, termination: true, stop: true, targets: [],
    });
    const snapshots = await h.snapshotsOfCase('case-web');
    expect(snapshots).toHaveLength(1);
    expect(report.forensicSnapshots).toEqual(snapshots);
    expect(await h.rolePolicies(roleName)).toEqual([`remediation-isolate-case-web-${instanceId}`]);
    const [item] = await h.caseItems('case-web');
    expect(JSON.parse((item?.prior as { S: string }).S)).toMatchObject({ instanceId, keyName: 'web-key', targetGroups: [{ targetGroupArn, port: 8080 }] });
    // LockResources tagged each ENI before any change; the release of the lock untagged it
    expect(lockedResources(isolated)).toEqual(Object.keys(before.enis));
    expect(await h.eniLockTags(instanceId)).toEqual(Object.fromEntries(Object.keys(before.enis).map((eni) => [eni, undefined])));

    // Act: again
    const again = await h.run({ instanceId, caseId: 'case-web-again' });
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION' });

    // Act: release
    const released = await h.run({ release: { caseId: 'case-web' } });
    // Assess: exactly as before, apart from the snapshots and the deny, which stay
    expect(released.status).toBe('SUCCEEDED');
    expect(released.output).toMatchObject({ outcome: 'REMEDIATED' });
    expect(await h.view(instanceId, targetGroupArn)).toEqual(before);
    // The release ran under its own lock: it tagged the ENIs it put back, and untagged them at its end
    expect(lockedResources(released)).toEqual(Object.keys(before.enis));
    expect(Object.values(await h.eniLockTags(instanceId))).toEqual([undefined]);
    expect(await h.snapshotsOfCase('case-web')).toEqual(snapshots);
    expect(await h.rolePolicies(roleName)).toEqual([`remediation-isolate-case-web-${instanceId}`]);

    // Act: release again
    const releasedAgain = await h.run({ release: { caseId: 'case-web' } });
    expect(releasedAgain.output).toMatchObject({ outcome: 'NO_ACTION' });
  });

  it('rotateKeyPair, SSM-managed: the lock handed to rotate-key-pair before the empty group; isolated AND rotated, the lock released, the case naming the child', async () => {
    // Prepare: a Linux instance with an OpenSSH key pair and its profile: SSM-managed until the profile comes off
    const { instanceId, targetGroupArn } = await h.instance('keys', { ssmManaged: { publicKey: generateSshKey().publicKey } });
    const name = `case-keys-${instanceId}-keys`;
    const newKeyName = `keys-key-rotated-${instanceId}-case-keys`;
    const oldKey = (await h.ec2.send(new DescribeKeyPairsCommand({ KeyNames: ['keys-key'], IncludePublicKey: true }))).KeyPairs?.[0]?.PublicKey as string;

    // Act: plan
    const plan = await h.run({ instanceId, caseId: 'case-keys', rotateKeyPair: true, mode: 'plan' });
    // Assess: the hand-over planned, nothing started
    expect(plan.output).toMatchObject({ outcome: 'PLANNED', keyPair: { name: 'keys-key', rotation: expect.stringMatching(new RegExp(`^would hand the lock to rotate-key-pair ${name} before the empty group`)) } });
    expect((plan.output as Report).planned?.some((s) => s.includes(`hand the lock to rotate-key-pair ${name}`))).toBe(true);
    expect(plan.children).toEqual([]);

    // Act: apply
    const isolated = await h.run({ instanceId, caseId: 'case-keys', rotateKeyPair: true, untrackedWaitSeconds: 0 });

    // Assess: the child ran inside the parent, between the untracked group and the wait, under the handed-over lock
    expect([isolated.status, isolated.error]).toEqual(['SUCCEEDED', undefined]);
    const entered = statesEntered(isolated);
    const order = [States.moveToUntrackedGroups, States.grantLockHandOver, States.startKeyRotation, States.recordKeyRotation, States.reclaimLock,
      States.waitUntracked, States.recheckIsolation, States.moveToIsolationGroups, States.revokeInstanceProfile].map((st) => entered.indexOf(st));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const [child] = isolated.children ?? [];
    expect(child).toMatchObject({
      workflow: 'rotate-key-pair', name, status: 'SUCCEEDED',
      input: { instanceId, caseId: 'case-keys', rotateKeyPair: true, trigger: { source: 'eventbridge', parentExecution: isolated.name },
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: expect.stringMatching(new RegExp(`:execution:remediation-isolate-instance:${isolated.name}$`)) },
      output: { outcome: 'REMEDIATED' },
    });
    // The child took the lock its parent granted (no ResourceLockedError) and gave it back (the parent reclaimed its own).
    expect(child?.events.find((e) => e.type === 'StateExited' && e.state === 'AcquireLock')?.output).toMatchObject({ lock: { handedOverBy: { executionName: isolated.name } } });
    expect(isolated.events.find((e) => e.type === 'StateExited' && e.state === States.reclaimLock)?.output).toMatchObject({ work: { keyRotation: { reclaimed: { from: 'self' } } } });
    // Rotated: the new key pair in EC2, the old one gone, authorized_keys in the sandbox holding only the new key
    const keyPairs = (await h.ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: ['keys-key*'] }] }))).KeyPairs ?? [];
    expect(keyPairs.map((k) => k.KeyName)).toEqual([newKeyName]);
    const authorized = sandboxAuthorizedKeys(instanceId) ?? '';
    expect(authorized).toContain(newKeyName);
    expect(authorized).not.toContain(publicKeyBody(oldKey));
    // Isolated: every ENI in the empty group, the profile off, the lock released (no item, no tag)
    const view = await h.view(instanceId, targetGroupArn);
    const [empty] = await h.groupsTagged('empty');
    expect(Object.values(view.enis)).toEqual([[empty?.groupId]]);
    expect(view.profileArn).toBeUndefined();
    expect(view.tags).toMatchObject({ 'remediation:isolated': 'case-keys' });
    expect(view.tags).not.toHaveProperty('remediation:lock');
    expect(await h.lockItem(instanceId)).toBeUndefined();
    // The report and the case record tell what happened
    expect(isolated.output).toMatchObject({
      outcome: 'REMEDIATED', keyRotation: { name, status: 'SUCCEEDED', outcome: 'REMEDIATED', newKeyName, executionArn: expect.stringMatching(new RegExp(`:${name}$`)) },
      keyPair: { name: 'keys-key', rotation: `rotated by rotate-key-pair ${name} before the empty group (new key pair ${newKeyName}); the old key pair is deleted, release does not undo it` },
    });
    const [item] = await h.caseItems('case-keys');
    const steps = (item?.steps as { M: Record<string, { S: string }> }).M;
    expect(JSON.parse(steps['start-rotate-key-pair:keys-key']?.S ?? '{}')).toMatchObject({
      action: 'start-rotate-key-pair', after: { name, status: 'SUCCEEDED', outcome: 'REMEDIATED', executionArn: expect.stringMatching(new RegExp(`:${name}$`)) },
    });
  });

  it('rotateKeyPair where SSM cannot reach the instance: no child, the manual steps in the plan', async () => {
    // Prepare: the seed AMI is a Windows image, never SSM-managed here
    const { instanceId } = await h.instance('manual-keys');

    // Act
    const plan = await h.run({ instanceId, caseId: 'case-manual-keys', rotateKeyPair: true, mode: 'plan' });

    // Assess
    expect(plan.output).toMatchObject({ outcome: 'PLANNED', keyPair: { name: 'manual-keys-key', rotation: expect.stringMatching(/^not rotated: /) } });
    expect((plan.output as { manualKeyRotation?: { steps: string[] } }).manualKeyRotation?.steps.some((s) => s.includes('aws ec2 delete-key-pair --key-name manual-keys-key'))).toBe(true);
    expect(plan.children).toEqual([]);
  });

  it('re-checks before the empty group: an operator excludes the instance during the wait, so nothing more is changed and the isolation is rolled back', async () => {
    // Prepare
    const { instanceId, targetGroupArn } = await h.instance('operator');
    const before = await h.view(instanceId, targetGroupArn);

    // Act: right after the move to the untracked group, someone tags the instance remediation:exclude=true
    const failed = await h.run({ instanceId, caseId: 'case-operator', untrackedWaitSeconds: 0 }, {
      faults: { operator: [{ when: { command: 'ModifyNetworkInterfaceAttribute', nth: 1 }, instanceId, action: 'tag-exclude' }] },
    });

    // Assess: the re-check failed into the rollback; the empty group and the profile never touched, the rest put back
    expect([failed.status, failed.error]).toEqual(['FAILED', 'RemediationRolledBack']);
    expect(failed.cause).toContain(`${instanceId} is now tagged remediation:exclude=true`);
    const entered = statesEntered(failed);
    expect(entered).toContain(States.recheckIsolation);
    expect(entered).toContain(States.rollbackIsolation);
    expect(entered).not.toContain(States.moveToIsolationGroups);
    expect(entered).not.toContain(States.revokeInstanceProfile);
    const after = await h.view(instanceId, targetGroupArn);
    expect({ ...after, tags: {} }).toEqual({ ...before, tags: {} });
    expect(after.tags).toMatchObject({ 'remediation:exclude': 'true' });
    expect(after.tags).not.toHaveProperty('remediation:lock');
  });

  it('re-checks before the empty group: an operator moves the ENI to a group of their own during the wait; the rollback leaves it there and puts back the rest', async () => {
    // Prepare
    const { instanceId, targetGroupArn, groupIds } = await h.instance('operator-groups');
    const before = await h.view(instanceId, targetGroupArn);
    const theirs = [groupIds[0]!];

    // Act: right after the move to the untracked group, someone puts the ENI in one group of their own choosing
    const failed = await h.run({ instanceId, caseId: 'case-operator-groups', untrackedWaitSeconds: 0 }, {
      faults: { operator: [{ when: { command: 'ModifyNetworkInterfaceAttribute', nth: 1 }, instanceId, action: 'set-eni-groups', groupIds: theirs }] },
    });

    // Assess: the re-check failed into the rollback, which left the operator's groups and put back everything else
    expect([failed.status, failed.error]).toEqual(['FAILED', 'RemediationRolledBack']);
    expect(failed.cause).toContain('except what someone else changed meanwhile');
    expect(statesEntered(failed)).not.toContain(States.moveToIsolationGroups);
    const after = await h.view(instanceId, targetGroupArn);
    // moto answers the operator's ModifyNetworkInterfaceAttribute with their group beside the untracked one: the
    // rollback leaves exactly what the re-check saw (the cause names it), never the groups from before the case.
    const [eni, groups] = Object.entries(after.enis)[0]!;
    expect(groups).toContain(theirs[0]);
    expect(groups).not.toEqual(before.enis[eni]);
    expect(failed.cause).toContain(`${eni} its groups were changed by someone else since this case moved it to`);
    expect(failed.cause).toContain(`(now ${groups.join(', ')}; before the case ${before.enis[eni]!.join(', ')}): left as they are`);
    expect({ ...after, enis: before.enis, tags: {} }).toEqual({ ...before, tags: {} });
    expect(after.tags).not.toHaveProperty('remediation:lock');
  });

  it('puts an Auto Scaling member in standby (desired capacity down) and release brings it back InService', async () => {
    // Prepare
    const instanceId = await h.autoScalingGroup('workers');
    expect(await h.groupView('workers')).toEqual({ desired: 1, instances: { [instanceId]: 'InService' } });

    // Act
    const isolated = await h.run({ instanceId, caseId: 'case-workers', untrackedWaitSeconds: 0 });
    // Assess
    expect([isolated.status, isolated.error]).toEqual(['SUCCEEDED', undefined]);
    expect(await h.groupView('workers')).toEqual({ desired: 0, instances: { [instanceId]: 'Standby' } });

    // Act
    const released = await h.run({ release: { caseId: 'case-workers' } });
    // Assess
    expect([released.status, released.error]).toEqual(['SUCCEEDED', undefined]);
    expect(await h.groupView('workers')).toEqual({ desired: 1, instances: { [instanceId]: 'InService' } });
  });

  it('a failure mid-isolation rolls back what was changed from the case record and ends RemediationRolledBack', async () => {
    // Prepare
    const { instanceId, targetGroupArn } = await h.instance('db');
    const before = await h.view(instanceId, targetGroupArn);

    // Act: the move to the empty group fails (the untracked move before it succeeded)
    const failed = await h.run({ instanceId, caseId: 'case-db', untrackedWaitSeconds: 0 }, {
      faults: { failCall: { command: 'ModifyNetworkInterfaceAttribute', nth: 2, errorName: 'InvalidGroup.NotFound', message: 'the group went away' } },
    });

    // Assess: everything put back (groups, protection, target group, profile never touched), the snapshot kept
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RemediationRolledBack');
    expect(failed.cause).toContain('the group went away');
    expect(await h.view(instanceId, targetGroupArn)).toEqual(before);
    expect(await h.snapshotsOfCase('case-db')).toHaveLength(1);
  });
});

describe('isolate-instance: Auto Scaling detach, blockSourceIp and the approval gate, through the synthesized definition', () => {
  it('autoScaling detach takes the member out of its group and blockSourceIp starts block-source-ip, whose NACL deny outlives the release; release attaches it back', async () => {
    // Prepare
    const instanceId = await h.autoScalingGroup('detached');
    const caseId = 'case-detached';
    expect(await h.groupView('detached')).toEqual({ desired: 1, instances: { [instanceId]: 'InService' } });

    // Act: the default NACL serves every default subnet, so block-source-ip may ask for approval: approved
    const isolated = await h.run({ instanceId, caseId, autoScaling: 'detach', blockSourceIp: '203.0.113.7', untrackedWaitSeconds: 0 }, {
      approver: async () => ({ approved: true }),
    });

    // Assess: out of the group (no replacement launched), the child started once with the /32 and the parent in its trigger
    expect([isolated.status, isolated.error, isolated.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(await h.groupView('detached')).toEqual({ desired: 0, instances: {} });
    // The runner lists every execution the run started, the block's own expiry child (nothing expired yet) among them.
    const started = Object.fromEntries((isolated.children ?? []).map((c) => [c.workflow, [c.name, c.status, (c.output as { outcome?: string } | undefined)?.outcome]]));
    expect(started).toEqual({
      'block-source-ip': [`${caseId}-block`, 'SUCCEEDED', 'REMEDIATED'], 'unblock-source-ip': [`unblock-source-ip-expiry-${caseId}-block`, 'SUCCEEDED', 'NO_ACTION'],
    });
    const block = isolated.children?.find((c) => c.workflow === 'block-source-ip');
    expect(block).toMatchObject({
      input: { cidrs: ['203.0.113.7/32'], instanceId, trigger: { source: 'eventbridge', parentExecution: isolated.name } }, output: { outcome: 'REMEDIATED' },
    });
    const denies = (await h.naclIngressOf(instanceId)).filter(([, action, cidr]) => action === 'deny' && cidr === '203.0.113.7/32');
    expect(denies).toHaveLength(1);
    const [item] = await h.caseItems(caseId);
    const steps = Object.fromEntries(Object.entries((item?.steps as { M: Record<string, { S: string }> }).M).map(([k, v]) => [k, JSON.parse(v.S) as { after?: unknown }]));
    expect(steps['detach-from-auto-scaling:detached']).toMatchObject({ before: { groupName: 'detached', lifecycleState: 'InService' }, after: { lifecycleState: 'Detached' } });
    expect(steps['start-block-source-ip:203.0.113.7/32']).toMatchObject({ after: { executionArn: expect.stringMatching(new RegExp(`:${caseId}-block$`)) } });

    // Act: release
    const released = await h.run({ release: { caseId } });

    // Assess: a member again, InService; the deny stays (it expires by itself) and nothing new was started
    expect([released.status, released.error]).toEqual(['SUCCEEDED', undefined]);
    expect(await h.groupView('detached')).toEqual({ desired: 1, instances: { [instanceId]: 'InService' } });
    expect(await h.naclIngressOf(instanceId)).toEqual(expect.arrayContaining(denies));
    expect(released.children ?? []).toEqual([]);
  });

  it('approval: true waits before any change, the instance and its ENIs already lock-tagged; approved, the plan is made again and the instance isolated', async () => {
    // Prepare
    const { instanceId, roleName, targetGroupArn } = await h.instance('gated');
    const before = await h.view(instanceId, targetGroupArn);
    const enis = Object.keys(before.enis);
    let seen: unknown;

    // Act: the approver looks at the account while the execution waits for the answer
    const execution = await h.run({ instanceId, caseId: 'case-gated', approval: true, untrackedWaitSeconds: 0 }, {
      approver: async (request) => {
        seen = {
          state: request.state, workflow: request.payload.workflow, target: request.payload.target,
          view: await h.view(instanceId, targetGroupArn), locks: await h.eniLockTags(instanceId), snapshots: await h.snapshotsOfCase('case-gated'),
          policies: await h.rolePolicies(roleName),
        };
        return { approved: true };
      },
    });

    // Assess: nothing had changed but the lock tags (instance and each ENI); then isolated
    expect(seen).toEqual({
      state: SkeletonStates.requestApproval, workflow: 'isolate-instance', target: instanceId,
      view: { ...before, tags: { ...before.tags, 'remediation:lock': execution.name } },
      locks: Object.fromEntries(enis.map((eni) => [eni, execution.name])), snapshots: [], policies: [],
    });
    expect([execution.status, execution.error]).toEqual(['SUCCEEDED', undefined]);
    expect(execution.output).toMatchObject({ outcome: 'REMEDIATED', approval: { approved: true, approver: 'arn:aws:iam::123456789012:user/local-approver' } });
    const path = statesEntered(execution);
    expectBefore(path, SkeletonStates.lockResources, SkeletonStates.requestApproval);
    expectBefore(path, SkeletonStates.requestApproval, SkeletonStates.preflightAfterApproval);
    expectBefore(path, SkeletonStates.comparePlansAfterApproval, States.snapshotInstance);
    const [empty] = await h.groupsTagged('empty');
    const after = await h.view(instanceId, targetGroupArn);
    expect(after).toMatchObject({ enis: Object.fromEntries(enis.map((eni) => [eni, [empty?.groupId]])), tags: { ...before.tags, 'remediation:isolated': 'case-gated' }, targets: [] });
    expect(after.profileArn).toBeUndefined();
    expect(await h.rolePolicies(roleName)).toEqual([`remediation-isolate-case-gated-${instanceId}`]);
    expect(Object.values(await h.eniLockTags(instanceId))).toEqual(enis.map(() => undefined));
  });

  it('approval: true rejected: ApprovalRejected, and the account is as before (no snapshot, no case record, no lock tag left)', async () => {
    // Prepare
    const { instanceId, roleName, targetGroupArn } = await h.instance('refused');
    const before = await h.view(instanceId, targetGroupArn);

    // Act
    const execution = await h.run({ instanceId, caseId: 'case-refused', approval: true }, {
      approver: async () => ({ approved: false, reason: 'not this one', principal: 'arn:aws:iam::123456789012:user/bob' }),
    });

    // Assess
    expect([execution.status, execution.error]).toEqual(['FAILED', 'ApprovalRejected']);
    expect(JSON.parse(execution.cause as string)).toMatchObject({ approved: false, reason: 'not this one' });
    // The lock's calls (the instance's tag, LockResources' on the ENIs, their removal) and the approval request: nothing else
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect(statesEntered(execution)).not.toContain(States.snapshotInstance);
    expect(await h.view(instanceId, targetGroupArn)).toEqual(before);
    expect(await h.snapshotsOfCase('case-refused')).toEqual([]);
    expect(await h.caseItems('case-refused')).toEqual([]);
    expect(await h.rolePolicies(roleName)).toEqual([]);
    expect(Object.values(await h.eniLockTags(instanceId))).toEqual(Object.keys(before.enis).map(() => undefined));
  });
});
