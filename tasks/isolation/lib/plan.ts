import { GetInstanceProfileCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import { PreconditionFailedError } from '../../lib/errors';
import { TAG, tagValue } from '../../lib/tags';
import type { Outcome } from '../../lib/types';
import { refuseProtected, type Protection } from '../../principal/lib/principal';
import { STEP, stepsNewestFirst, type InstanceCase } from './case-store';
import type { InstanceState } from './instance-state';
import { KEPT_STEPS } from './restore';
import type { IsolateInput } from './schema';

/**
 * The inline deny isolate-instance puts on the profile's role: one per instance of a case, so two instances of one case
 * that share a role each keep their own (contain-principal's are `remediation-contain-<caseId>`). A case id is at most 80
 * characters of [A-Za-z0-9_-] and an instance id 19: the name stays within IAM's 128 characters of [\w+=,.@-].
 */
export const ISOLATE_POLICY_PREFIX = 'remediation-isolate-';
export const isolatePolicyName = (caseId: string, instanceId: string): string => `${ISOLATE_POLICY_PREFIX}${caseId}-${instanceId}`;

/** What preflight decided: read-only, and exactly what apply (or release) will do, step by step. */
export interface IsolationPlan {
  outcome: Outcome;
  action: 'isolate' | 'release';
  target: string;
  caseId: string;
  instanceId: string;
  /** Reported for the key pair's rotation (rotate-key-pair). */
  keyName?: string;
  /**
   * rotateKeyPair with a key pair on an SSM-managed instance: the rotate-key-pair child (its execution name) the lock is
   * handed to after the untracked group, while SSM still reaches the instance.
   */
  keyRotation?: { name: string };
  /** rotateKeyPair, but SSM cannot reach the instance: no child, the steps a person takes (rotate-key-pair's). */
  manualKeyRotation?: { reason: string; steps: string[] };
  state: InstanceState;
  /** One VPC per entry: where the untracked and empty groups are found or made. */
  vpcIds: string[];
  /** The ENIs this run moves (isolate) or puts back (release): the kit's LockResources tags each `remediation:lock` first. */
  networkInterfaceIds: string[];
  /** The profile's role, whose older sessions are denied (none: no profile, or revokeProfileSessions false). */
  profileRole?: { name: string; arn: string; policyName: string };
  /** Every step, in order, as a person reads the plan. */
  steps: string[];
  /** Why there is nothing to do. */
  reason?: string;
}

/** The rotate-key-pair child's execution name: deterministic (from the case), at most 80 characters. */
export const keyRotationName = (caseId: string, instanceId: string): string => `${caseId.slice(0, 80 - instanceId.length - 6)}-${instanceId}-keys`;

const outcomeOf = (mode: 'apply' | 'plan', todo: boolean): Outcome => (!todo ? 'NO_ACTION' : mode === 'plan' ? 'PLANNED' : 'PROCEED');

/** The role behind an instance profile, refused when contain-principal would refuse it (service-linked, SSO, our own, excluded). */
async function profileRoleOf(iam: IAMClient, profileArn: string, caseId: string, instanceId: string, protection: Protection): Promise<IsolationPlan['profileRole']> {
  const { InstanceProfile: profile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileArn.split('/').pop() as string }));
  const role = profile?.Roles?.[0];
  if (!role?.RoleName || !role.Arn) return undefined;
  const principal = { kind: 'role' as const, partition: role.Arn.split(':')[1] ?? 'aws', account: role.Arn.split(':')[4] ?? '', arn: role.Arn, name: role.RoleName };
  // GetInstanceProfile's roles carry no tags: GetRole has them (remediation:exclude) and the path.
  const { Role: current } = await iam.send(new GetRoleCommand({ RoleName: role.RoleName }));
  refuseProtected(principal, current?.Path ?? role.Path ?? '/', current?.Tags ?? [], protection);
  return { name: role.RoleName, arn: role.Arn, policyName: isolatePolicyName(caseId, instanceId) };
}

/** What plan-isolation found out about rotating the key pair (rotateKeyPair and a key pair): SSM-managed, or the manual steps. */
export type KeyRotationCheck = { ssmManaged: true } | { ssmManaged: false; reason: string; manualSteps: string[] };

/** The isolation plan: refused (excluded, terminated, not in a VPC) before any change; NO_ACTION when already isolated. */
export async function planIsolate(
  request: IsolateInput, caseId: string, state: InstanceState, iam: IAMClient, protection: Protection, rotation?: KeyRotationCheck,
): Promise<IsolationPlan> {
  const { instanceId } = state;
  if (tagValue(state.tags, TAG.exclude)?.toLowerCase() === 'true') throw new PreconditionFailedError(`${instanceId} is tagged ${TAG.exclude}=true: isolate it by hand if needed`);
  if (state.state === 'terminated' || state.state === 'shutting-down') throw new PreconditionFailedError(`${instanceId} is ${state.state}: nothing to isolate`);
  if (!state.vpcId) throw new PreconditionFailedError(`${instanceId} is not in a VPC: security groups cannot isolate it`);
  const isolatedBy = tagValue(state.tags, TAG.isolated);
  const base = { action: 'isolate' as const, target: instanceId, caseId, instanceId, ...(state.keyName ? { keyName: state.keyName } : {}), state };
  if (isolatedBy) return { ...base, outcome: 'NO_ACTION', vpcIds: [], networkInterfaceIds: [], steps: [], reason: `already isolated (${TAG.isolated}=${isolatedBy})` };
  const profileRole = request.revokeProfileSessions && state.profile ? await profileRoleOf(iam, state.profile.arn, caseId, instanceId, protection) : undefined;
  const vpcIds = [...new Set(state.enis.map((e) => e.vpcId))].sort();
  const keyRotation = request.rotateKeyPair && state.keyName && rotation?.ssmManaged ? { name: keyRotationName(caseId, instanceId) } : undefined;
  const manualKeyRotation = request.rotateKeyPair && state.keyName && rotation && !rotation.ssmManaged
    ? { reason: rotation.reason, steps: rotation.manualSteps } : undefined;
  const steps = [
    `snapshot volumes ${state.volumeIds.join(', ') || '(none)'} (CreateSnapshots, tagged ${TAG.case}=${caseId}) and record the instance metadata and console output`,
    `turn on termination protection (now ${state.protection.termination}) and stop protection (now ${state.protection.stop})`,
    ...(state.autoScaling ? [`${request.autoScaling === 'detach' ? 'detach from' : 'put in standby in'} Auto Scaling group ${state.autoScaling.groupName}`] : []),
    ...state.targetGroups.map((t) => `deregister from target group ${t.targetGroupArn}${t.port !== undefined ? ` (port ${t.port})` : ''}`),
    ...state.enis.map((e) => `${e.networkInterfaceId}: save groups ${e.groupIds.join(', ')}, move to the untracked group of ${e.vpcId}`),
    ...(keyRotation && state.keyName ? [`while SSM still reaches the instance (profile attached, untracked group): hand the lock to rotate-key-pair ${keyRotation.name}`
      + ` and wait while it rotates key pair ${state.keyName} (a failed rotation is rolled back by it and reported, the isolation goes on; not undone by release)`] : []),
    `wait ${request.untrackedWaitSeconds} s so that open connections become untracked`,
    ...state.enis.map((e) => `${e.networkInterfaceId}: move to the empty isolation group of ${e.vpcId}`),
    ...(state.profile ? [`disassociate instance profile ${state.profile.arn}`] : []),
    ...(profileRole ? [`deny sessions of role ${profileRole.name} issued before now (inline policy ${profileRole.policyName}; kept after release)`] : []),
    ...(request.blockSourceIp ? [`start block-source-ip for ${request.blockSourceIp}`] : []),
    `tag the instance ${TAG.isolated}=${caseId}`,
    ...(!state.keyName || keyRotation ? [] : manualKeyRotation
      ? [`key pair ${state.keyName}: not rotated (${manualKeyRotation.reason}): the report lists the manual steps`]
      : [`key pair ${state.keyName}: not rotated here (rotateKeyPair: true, or rotate-key-pair, rotates it)`]),
  ];
  const networkInterfaceIds = state.enis.map((e) => e.networkInterfaceId);
  return {
    ...base, outcome: outcomeOf(request.mode, true), vpcIds, networkInterfaceIds, ...(profileRole ? { profileRole } : {}), ...(keyRotation ? { keyRotation } : {}),
    ...(manualKeyRotation ? { manualKeyRotation } : {}), steps,
  };
}

/**
 * The ENIs a release puts back: those the case moved that are still the instance's. One detached since is not this
 * instance's any more (and one deleted cannot be tagged): the release reports it as not put back, with the rest done.
 */
const enisToRestore = (record: InstanceCase, state: InstanceState): string[] => {
  const moved = new Set(Object.values(record.steps).filter((s) => s.action === STEP.untracked || s.action === STEP.isolate).map((s) => s.resourceId));
  return state.enis.map((e) => e.networkInterfaceId).filter((id) => moved.has(id));
};

/** The release plan from the case record: the recorded steps undone, newest first; NO_ACTION once released. */
export function planReleaseOf(mode: 'apply' | 'plan', record: InstanceCase, state: InstanceState): IsolationPlan {
  const base = { action: 'release' as const, target: record.instanceId, caseId: record.caseId, instanceId: record.instanceId, state, vpcIds: [],
    ...(record.prior.keyName ? { keyName: record.prior.keyName } : {}) };
  if (record.releasedAt) {
    return { ...base, outcome: 'NO_ACTION', networkInterfaceIds: [], steps: [], reason: `released at ${record.releasedAt} by ${record.releaseExecution}` };
  }
  const steps = stepsNewestFirst(record).filter((s) => !KEPT_STEPS.includes(s.action))
    .map((s) => `undo ${s.action} on ${s.resourceId}`);
  return { ...base, outcome: outcomeOf(mode, true), networkInterfaceIds: enisToRestore(record, state), steps: [...steps, `keep forensic snapshots ${record.snapshotIds.join(', ') || '(none)'} and the session deny`] };
}
