import { CASE, ENI, EXECUTION, INSTANCE, PROFILE, TG, caseItem, plan, state } from './fixtures';
import { AttachInstancesCommand, AutoScalingClient, DescribeAutoScalingInstancesCommand, ExitStandbyCommand } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AssociateIamInstanceProfileCommand, DeleteTagsCommand, DescribeIamInstanceProfileAssociationsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand,
  EC2Client, ModifyInstanceAttributeCommand, ModifyNetworkInterfaceAttributeCommand,
} from '@aws-sdk/client-ec2';
import { DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from '../fixtures';
import { handler as planIsolation } from '../../../tasks/isolation/plan-isolation';
import { handler as validate } from '../../../tasks/isolation/validate-isolate-input';
import { handler as restore } from '../../../tasks/isolation/restore-instance';
import { handler as verify } from '../../../tasks/isolation/verify-isolation';
import { handler as report } from '../../../tasks/isolation/build-isolate-report';
import { isolateInstanceInputSchema } from '../../../tasks/isolation/lib/schema';
import type { StepRecord } from '../../../tasks/isolation/lib/case-store';
import { isolatePolicyName } from '../../../tasks/isolation/lib/plan';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
const autoScaling = mockClient(AutoScalingClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const iam = mockClient(IAMClient);
const ssm = mockClient(SSMClient);
const ROLE_ARN = 'arn:aws:iam::111122223333:role/web-role';
const execution = { name: EXECUTION, startTime: '2026-12-01T12:00:00.000Z' };
const request = (input: Record<string, unknown> = { instanceId: INSTANCE }) => isolateInstanceInputSchema.parse(input);

/** The account as readInstanceState sees it: `s` (Name tag plus `tags`). */
function account(s = state(), options: { roleTags?: { Key: string; Value: string }[]; rolePath?: string } = {}) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{
    InstanceId: INSTANCE, State: { Name: s.state as never }, VpcId: s.vpcId, KeyName: s.keyName, Tags: s.tags,
    BlockDeviceMappings: s.volumeIds.map((v) => ({ Ebs: { VolumeId: v } })),
    NetworkInterfaces: s.enis.map((e) => ({ NetworkInterfaceId: e.networkInterfaceId, VpcId: e.vpcId, Groups: e.groupIds.map((g) => ({ GroupId: g })) })),
  }] }] });
  ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({ IamInstanceProfileAssociations: s.profile ? [{ AssociationId: s.profile.associationId, IamInstanceProfile: { Arn: s.profile.arn } }] : [] });
  ec2.on(DescribeInstanceAttributeCommand, { Attribute: 'disableApiTermination' }).resolves({ DisableApiTermination: { Value: s.protection.termination } });
  ec2.on(DescribeInstanceAttributeCommand, { Attribute: 'disableApiStop' }).resolves({ DisableApiStop: { Value: s.protection.stop } });
  autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: s.autoScaling ? [{ AutoScalingGroupName: s.autoScaling.groupName, LifecycleState: s.autoScaling.lifecycleState } as never] : [] });
  elbv2.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [{ TargetGroupArn: TG, TargetType: 'instance', VpcId: s.vpcId }] });
  elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: s.targetGroups.map((t) => ({ Target: { Id: INSTANCE, Port: t.port } })) });
  iam.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { Roles: [{ RoleName: 'web-role', Arn: ROLE_ARN, Path: options.rolePath ?? '/' }] } as never });
  iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'web-role', Arn: ROLE_ARN, Path: options.rolePath ?? '/', Tags: options.roleTags ?? [] } as never });
}
beforeEach(() => {
  for (const m of [ec2, dynamodb, autoScaling, elbv2, iam, ssm]) m.reset();
  dynamodb.on(UpdateItemCommand).resolves({});
});

describe('plan-isolation', () => {
  it('plans every step from what it read, names the key pair and the profile\'s role; plan mode: PLANNED', async () => {
    account();
    const out = await planIsolation({ request: request({ instanceId: INSTANCE, mode: 'plan' }), caseId: CASE, instanceId: INSTANCE });
    expect(out).toMatchObject({ outcome: 'PLANNED', action: 'isolate', keyName: 'web-key', state: state(), vpcIds: [state().vpcId], networkInterfaceIds: [ENI],
      profileRole: { name: 'web-role', arn: ROLE_ARN, policyName: `remediation-isolate-${CASE}-${INSTANCE}` } });
    expect(out.steps).toHaveLength(11);
    expect(out.steps[0]).toMatch(/^snapshot volumes vol-0123456789abcdef0/);
  });

  it('two instances of one case whose profiles share a role: each its own session-deny name, within IAM\'s 128 characters', async () => {
    const other = 'i-0fedcba9876543210';
    account();
    const first = await planIsolation({ request: request(), caseId: CASE, instanceId: INSTANCE });
    account(state({ instanceId: other }));
    const second = await planIsolation({ request: request({ instanceId: other }), caseId: CASE, instanceId: other });
    expect([first.profileRole?.name, second.profileRole?.name]).toEqual(['web-role', 'web-role']);
    expect([first.profileRole?.policyName, second.profileRole?.policyName]).toEqual([`remediation-isolate-${CASE}-${INSTANCE}`, `remediation-isolate-${CASE}-${other}`]);
    // The longest case id the schema takes, and a 17-digit instance id.
    const longest = isolatePolicyName('c'.repeat(80), 'i-0123456789abcdef0');
    expect(longest).toHaveLength(120);
    expect(longest).toMatch(/^[\w+=,.@-]{1,128}$/);
  });

  it('several ENIs: each one is named for LockResources to tag, in the order the plan moves them', async () => {
    const second = { networkInterfaceId: 'eni-0fedcba9876543210', vpcId: state().vpcId, groupIds: ['sg-0000000000000000c'] };
    account(state({ enis: [...state().enis, second] }));
    const out = await planIsolation({ request: request(), caseId: CASE, instanceId: INSTANCE });
    expect(out.networkInterfaceIds).toEqual([ENI, second.networkInterfaceId]);
  });

  it('rotateKeyPair on an SSM-managed instance: the rotate-key-pair child (named after the case and instance) takes the lock after the untracked group', async () => {
    account();
    ssm.on(DescribeInstanceInformationCommand, { Filters: [{ Key: 'InstanceIds', Values: [INSTANCE] }] })
      .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'Online', PlatformType: 'Linux' }] });
    const out = await planIsolation({ request: request({ instanceId: INSTANCE, rotateKeyPair: true }), caseId: CASE, instanceId: INSTANCE });
    expect(out.keyRotation).toEqual({ name: `${CASE}-${INSTANCE}-keys` });
    expect(out).not.toHaveProperty('manualKeyRotation');
    const untracked = out.steps.findIndex((s) => s.endsWith('move to the untracked group of vpc-0123456789abcdef0'));
    expect(untracked).toBeGreaterThan(0);
    expect(out.steps[untracked + 1]).toMatch(new RegExp(`^while SSM still reaches the instance .*: hand the lock to rotate-key-pair ${CASE}-${INSTANCE}-keys and wait while it rotates key pair web-key`));
    expect(out.steps[untracked + 2]).toMatch(/^wait 180 s/);
  });

  it('rotateKeyPair where SSM cannot reach the instance (not registered, or stopped): no child, the manual steps planned for the report', async () => {
    account();
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const out = await planIsolation({ request: request({ instanceId: INSTANCE, rotateKeyPair: true }), caseId: CASE, instanceId: INSTANCE });
    expect(out).not.toHaveProperty('keyRotation');
    expect(out.manualKeyRotation?.reason).toBe(`${INSTANCE} is not a running, SSM-managed Linux instance`);
    expect(out.manualKeyRotation?.steps.some((s) => s.includes('aws ec2 delete-key-pair --key-name web-key'))).toBe(true);
    expect(out.steps.at(-1)).toBe(`key pair web-key: not rotated (${INSTANCE} is not a running, SSM-managed Linux instance): the report lists the manual steps`);
    account(state({ state: 'stopped' }));
    expect((await planIsolation({ request: request({ instanceId: INSTANCE, rotateKeyPair: true }), caseId: CASE, instanceId: INSTANCE })).manualKeyRotation).toBeDefined();
    expect(ssm).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 1);
  });

  it('rotateKeyPair without a key pair, or without rotateKeyPair: SSM is not asked, nothing about a rotation planned', async () => {
    account(state({ keyName: undefined }));
    const out = await planIsolation({ request: request({ instanceId: INSTANCE, rotateKeyPair: true }), caseId: CASE, instanceId: INSTANCE });
    expect([out.keyRotation, out.manualKeyRotation]).toEqual([undefined, undefined]);
    account();
    expect((await planIsolation({ request: request({ instanceId: INSTANCE }), caseId: CASE, instanceId: INSTANCE })).steps.at(-1)).toBe('key pair web-key: not rotated here (rotateKeyPair: true, or rotate-key-pair, rotates it)');
    expect(ssm.calls()).toHaveLength(0);
  });

  it('an instance already isolated: NO_ACTION', async () => {
    account(state({ tags: [{ Key: 'remediation:isolated', Value: 'case-0' }] }));
    expect(await planIsolation({ request: request(), caseId: CASE, instanceId: INSTANCE })).toMatchObject({ outcome: 'NO_ACTION', reason: 'already isolated (remediation:isolated=case-0)' });
  });

  it.each([
    ['an excluded instance', state({ tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] }), {}],
    ['a terminated instance', state({ state: 'terminated' }), {}],
    ['a profile role that is service-linked', state(), { rolePath: '/aws-service-role/x.amazonaws.com/' }],
    ['a profile role tagged excluded', state(), { roleTags: [{ Key: 'remediation:exclude', Value: 'true' }] }],
  ])('refuses %s before any change (PreconditionFailedError)', async (_what, s, options) => {
    account(s, options);
    await expect(planIsolation({ request: request(), caseId: CASE, instanceId: INSTANCE })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });

  it('an instance EC2 does not know: ResourceNotFoundError', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(planIsolation({ request: request(), caseId: CASE, instanceId: INSTANCE })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });

  it('a release of a released case: NO_ACTION, no ENI to lock', async () => {
    account();
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ releasedAt: '2026-12-02T00:00:00.000Z' }) });
    expect(await planIsolation({ request: request({ release: { caseId: CASE } }), caseId: CASE, instanceId: INSTANCE }))
      .toMatchObject({ outcome: 'NO_ACTION', action: 'release', networkInterfaceIds: [] });
  });

  it('a release names the ENIs the case moved that are still the instance\'s (LockResources tags them), not one detached since', async () => {
    const detached = 'eni-0aaaaaaaaaaaaaaaa';
    const attached = { networkInterfaceId: 'eni-0bbbbbbbbbbbbbbbb', vpcId: state().vpcId, groupIds: ['sg-0000000000000000c'] };
    account(state({ enis: [...state().enis, attached] }));
    const steps = {
      u: { action: 'move-to-untracked-group', resourceId: ENI, at: '2026-12-01T12:00:05Z' },
      i: { action: 'move-to-isolation-group', resourceId: ENI, at: '2026-12-01T12:00:06Z' },
      d: { action: 'move-to-isolation-group', resourceId: detached, at: '2026-12-01T12:00:06Z' },
      p: { action: 'enable-protection', resourceId: INSTANCE, at: '2026-12-01T12:00:02Z' },
    };
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ steps }) });
    const out = await planIsolation({ request: request({ release: { caseId: CASE } }), caseId: CASE, instanceId: INSTANCE });
    expect(out).toMatchObject({ outcome: 'PROCEED', action: 'release', networkInterfaceIds: [ENI] });
  });
});

describe('validate-isolate-input', () => {
  const event = (input: unknown) => ({ input, execution });
  it('the case id defaults to the execution name', async () => {
    expect(await validate(event({ instanceId: INSTANCE }))).toMatchObject({ caseId: EXECUTION, instanceId: INSTANCE });
  });
  it('a release finds its instance in the case; a case of two instances needs instanceId', async () => {
    dynamodb.on(QueryCommand).resolvesOnce({ Items: [caseItem()] }).resolves({ Items: [caseItem(), { ...caseItem(), instanceId: { S: 'i-0fedcba9876543210' } }] });
    expect(await validate(event({ release: { caseId: CASE } }))).toMatchObject({ caseId: CASE, instanceId: INSTANCE });
    await expect(validate(event({ release: { caseId: CASE } }))).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
  it('a bad field: InvalidInputError naming it', async () => {
    await expect(validate(event({ instanceId: 'web' }))).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('instanceId') });
    await expect(validate(event({ instanceId: INSTANCE, rotateKeyPair: 'yes' }))).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('rotateKeyPair') });
    await expect(validate(event({ release: { caseId: CASE }, rotateKeyPair: true }))).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('rotateKeyPair') });
  });
});

const step = (action: string, resourceId: string, at: string, before?: Record<string, unknown>): StepRecord => ({ action, resourceId, at, ...(before ? { before } : {}) });
const ALL_STEPS = {
  a: step('create-forensic-snapshots', INSTANCE, '2026-12-01T12:00:01Z'),
  b: step('enable-protection', INSTANCE, '2026-12-01T12:00:02Z', { termination: false, stop: false }),
  c: step('enter-standby', 'workers', '2026-12-01T12:00:03Z'),
  d: step('deregister-target', TG, '2026-12-01T12:00:04Z', { targetGroupArn: TG, port: 8080 }),
  e: step('move-to-untracked-group', ENI, '2026-12-01T12:00:05Z'),
  f: step('move-to-isolation-group', ENI, '2026-12-01T12:00:06Z'),
  g: step('disassociate-instance-profile', INSTANCE, '2026-12-01T12:00:07Z', { arn: PROFILE }),
  h: step('put-session-deny', ROLE_ARN, '2026-12-01T12:00:08Z'),
  i: step('tag-isolated', INSTANCE, '2026-12-01T12:00:09Z'),
  j: step('start-rotate-key-pair', 'web-key', '2026-12-01T12:00:10Z'),
};

describe('restore-instance', () => {
  beforeEach(() => {
    account(state({ profile: undefined, tags: [{ Key: 'remediation:isolated', Value: CASE }] }));
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ steps: ALL_STEPS }) });
    for (const c of [AssociateIamInstanceProfileCommand, DeleteTagsCommand, ModifyInstanceAttributeCommand, ModifyNetworkInterfaceAttributeCommand]) ec2.on(c as never).resolves({});
    autoScaling.on(ExitStandbyCommand).resolves({});
    elbv2.on(RegisterTargetsCommand).resolves({});
  });

  it('release undoes every recorded step newest first from the saved state, the ENI once; keeps snapshots and the deny', async () => {
    const out = await restore({ plan: plan({ action: 'release' }), executionName: 'release-1', reason: 'release' });
    expect(out.restored.map((r) => r.action)).toEqual(['undo-tag-isolated', 'undo-disassociate-instance-profile', 'undo-move-to-isolation-group',
      'undo-deregister-target', 'undo-enter-standby', 'undo-enable-protection']);
    expect(ec2).toHaveReceivedCommandWith(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: ENI, Groups: state().enis[0]!.groupIds });
    expect(ec2).toHaveReceivedCommandWith(AssociateIamInstanceProfileCommand, { InstanceId: INSTANCE, IamInstanceProfile: { Arn: PROFILE } });
    expect(elbv2).toHaveReceivedCommandWith(RegisterTargetsCommand, { TargetGroupArn: TG, Targets: [{ Id: INSTANCE, Port: 8080 }] });
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE, DisableApiTermination: { Value: false } }, { InstanceId: INSTANCE, DisableApiStop: { Value: false } }]);
    expect(autoScaling.commandCalls(AttachInstancesCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input.UpdateExpression).toMatch(/^SET releasedAt/);
  });

  it('rollback: everything put back is RemediationRolledBack; one undo failing is RollbackFailedError naming it', async () => {
    const error = { Error: 'VerificationFailedError', Cause: 'x' };
    expect(await restore({ plan: plan(), executionName: EXECUTION, reason: 'rollback', error })).toMatchObject({ error: 'RemediationRolledBack' });
    elbv2.on(RegisterTargetsCommand).rejects(awsError('TargetGroupNotFound', 'gone'));
    const failed = await restore({ plan: plan(), executionName: EXECUTION, reason: 'rollback', error });
    expect(failed).toMatchObject({ error: 'RollbackFailedError', cause: expect.stringContaining(`undo-deregister-target ${TG}`) });
    expect(failed.restored).toHaveLength(6);
  });

  describe('an ENI is put back only while it has the groups this case gave it (never fight an operator)', () => {
    const PRIOR = state().enis[0]!.groupIds;
    const withMoves = (): Record<string, StepRecord> => ({
      ...ALL_STEPS,
      e: { ...ALL_STEPS.e, before: { groupIds: PRIOR }, after: { groupIds: ['sg-untracked'] } },
      f: { ...ALL_STEPS.f, before: { groupIds: ['sg-untracked'] }, after: { groupIds: ['sg-empty'] } },
    });
    const eniIn = (groupIds: string[]) => account(state({ profile: undefined, tags: [{ Key: 'remediation:isolated', Value: CASE }], enis: [{ ...state().enis[0]!, groupIds }] }));
    const error = { Error: 'InstanceChangedError', Cause: 'changed while we waited' };
    beforeEach(() => {
      dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ steps: withMoves() }) });
    });

    it('still in the empty group the case gave it: put back to its prior groups', async () => {
      eniIn(['sg-empty']);
      const out = await restore({ plan: plan(), executionName: EXECUTION, reason: 'rollback', error });
      expect(out.error).toBe('RemediationRolledBack');
      expect(ec2).toHaveReceivedCommandWith(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: ENI, Groups: PRIOR });
    });

    it('already back in its prior groups (a retry): not changed again', async () => {
      eniIn([...PRIOR]);
      const out = await restore({ plan: plan(), executionName: EXECUTION, reason: 'rollback', error });
      expect(out.error).toBe('RemediationRolledBack');
      expect(out.restored.map((r) => r.action)).not.toContain('undo-move-to-isolation-group');
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
    });

    it('rollback: moved by someone else meanwhile: left as they set it, the rest put back, and the cause names it', async () => {
      eniIn(['sg-operator']);
      const out = await restore({ plan: plan(), executionName: EXECUTION, reason: 'rollback', error });
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
      expect(out.restored.find((r) => r.resourceId === ENI)).toMatchObject({ action: 'undo-move-to-isolation-group', left: expect.stringContaining('now sg-operator') });
      expect(out.error).toBe('RemediationRolledBack');
      expect(out.cause).toContain(`except what someone else changed meanwhile: ${ENI} its groups were changed by someone else`);
      expect(elbv2).toHaveReceivedCommandWith(RegisterTargetsCommand, { TargetGroupArn: TG, Targets: [{ Id: INSTANCE, Port: 8080 }] });
    });

    it('release: moved by someone else: not put back over them, and the release fails saying so (the case stays unreleased)', async () => {
      eniIn(['sg-operator']);
      await expect(restore({ plan: plan({ action: 'release' }), executionName: 'release-1', reason: 'release' }))
        .rejects.toThrow(new RegExp(`^release incomplete: ${ENI} its groups were changed by someone else .*put its groups back by hand`));
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
      expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    });
  });

  it('rollback of a case another execution holds changes nothing', async () => {
    expect(await restore({ plan: plan(), executionName: 'someone-else', reason: 'rollback', error: { Error: 'PreconditionFailedError', Cause: 'held' } }))
      .toEqual({ restored: [], error: 'RemediationRolledBack', cause: 'PreconditionFailedError: held (nothing had been changed)' });
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
  });
});

describe('verify-isolation', () => {
  it('passes when every ENI is in its empty group alone, and names what is not isolated otherwise', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem() });
    const isolated = state({ enis: [{ ...state().enis[0]!, groupIds: ['sg-e'] }], profile: undefined, protection: { termination: true, stop: true },
      autoScaling: { groupName: 'workers', lifecycleState: 'Standby' }, targetGroups: [], tags: [{ Key: 'remediation:isolated', Value: CASE }] });
    account(isolated);
    const enis = [{ ...state().enis[0]!, untrackedGroupId: 'sg-u', emptyGroupId: 'sg-e' }];
    expect(await verify({ plan: plan(), enis })).toMatchObject({ state: isolated, snapshotIds: ['snap-0123456789abcdef0'] });
    account(state({ profile: undefined }));
    await expect(verify({ plan: plan(), enis })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('not the isolation group sg-e') });
  });

  it('a release: back exactly as the case record says it was', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem() });
    account();
    await expect(verify({ plan: plan({ action: 'release' }) })).resolves.toMatchObject({ state: state() });
    account(state({ targetGroups: [] }));
    await expect(verify({ plan: plan({ action: 'release' }) })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining(`not registered again in ${TG}`) });
  });
});

describe('build-isolate-report', () => {
  it('reports each step with before/after, the key pair (not rotated), what is kept, and how to release', async () => {
    const out = await report({ request: request(), execution, plan: plan(), work: { protected: { steps: [ALL_STEPS.b] }, isolated: [ALL_STEPS.f], snapshots: { snapshotIds: ['snap-1'], consoleOutput: { available: true } } } });
    expect(out).toMatchObject({
      workflow: 'isolate-instance', outcome: 'REMEDIATED', caseId: CASE, keyPair: { name: 'web-key' }, forensicSnapshots: ['snap-1'],
      releaseWith: { release: { caseId: CASE }, instanceId: INSTANCE },
    });
    expect(out.actions.map((a) => a.action)).toEqual(['enable-protection', 'move-to-isolation-group']);
    expect(out.kept).toHaveLength(2);
    expect(out.keyRotation).toBeUndefined();
  });

  describe('rotateKeyPair: what became of the rotation', () => {
    const keyRotation = { name: `${CASE}-${INSTANCE}-keys` };
    const CHILD = `arn:aws:states:us-east-1:111122223333:execution:remediation-rotate-key-pair:${keyRotation.name}`;
    const AT = '2026-12-01T12:05:00.000Z';
    const applied = (result: Record<string, unknown>) => report({
      request: request({ instanceId: INSTANCE, rotateKeyPair: true }), execution, plan: plan({ keyRotation }), work: { keyRotation: { result: { name: keyRotation.name, at: AT, ...result } as never } },
    });

    it('rotated: the child, its new key pair, and the action in the report', async () => {
      const out = await applied({ executionArn: CHILD, status: 'SUCCEEDED', outcome: 'REMEDIATED', newKeyName: 'web-key-rotated' });
      expect(out.keyRotation).toMatchObject({ executionArn: CHILD, status: 'SUCCEEDED', outcome: 'REMEDIATED' });
      expect(out.keyPair?.rotation).toBe(`rotated by rotate-key-pair ${keyRotation.name} before the empty group (new key pair web-key-rotated); the old key pair is deleted, release does not undo it`);
      expect(out.actions).toEqual([{ action: 'start-rotate-key-pair', resourceId: 'web-key', after: { executionArn: CHILD, status: 'SUCCEEDED', outcome: 'REMEDIATED' }, at: AT }]);
    });

    it('failed (the child rolled itself back): NOT rotated, the isolation still REMEDIATED', async () => {
      const out = await applied({ executionArn: CHILD, status: 'FAILED', error: 'RemediationRolledBack' });
      expect(out.outcome).toBe('REMEDIATED');
      expect(out.keyPair?.rotation).toBe(`NOT rotated: rotate-key-pair ${keyRotation.name} ended FAILED (RemediationRolledBack) and undid its own changes; web-key stays and the isolation went on: rotate it after release, or by hand`);
    });

    it('the child changed nothing: says so, with its reason', async () => {
      const out = await applied({ executionArn: CHILD, status: 'SUCCEEDED', outcome: 'NO_ACTION', reason: 'key pair web-key no longer exists' });
      expect(out.keyPair?.rotation).toBe(`rotate-key-pair ${keyRotation.name} changed nothing (NO_ACTION: key pair web-key no longer exists); web-key stays`);
    });

    it('a plan says what apply would do, with no child result', async () => {
      const out = await report({ request: request({ instanceId: INSTANCE, rotateKeyPair: true, mode: 'plan' }), execution, plan: plan({ outcome: 'PLANNED', keyRotation }), work: {} });
      expect(out.keyRotation).toBeUndefined();
      expect(out.keyPair?.rotation).toMatch(new RegExp(`^would hand the lock to rotate-key-pair ${keyRotation.name} before the empty group`));
    });

    it('not SSM-managed: the manual steps in the report, no child', async () => {
      const manualKeyRotation = { reason: 'not managed', steps: ['step 1'] };
      const out = await report({ request: request({ instanceId: INSTANCE, rotateKeyPair: true }), execution, plan: plan({ manualKeyRotation }), work: {} });
      expect(out.manualKeyRotation).toEqual(manualKeyRotation);
      expect(out.keyRotation).toBeUndefined();
      expect(out.keyPair?.rotation).toBe('not rotated: not managed; a person rotates it (manualKeyRotation.steps)');
    });
  });
});

