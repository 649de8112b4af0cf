import { AttachInstancesCommand, ExitStandbyCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AssociateIamInstanceProfileCommand, DeleteTagsCommand, ModifyInstanceAttributeCommand, ModifyNetworkInterfaceAttributeCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { RegisterTargetsCommand, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG } from '../../lib/tags';
import { STEP, stepsNewestFirst, type InstanceCase, type StepRecord } from './case-store';
import { sameGroups } from './instance-state';

export interface RestoreClients { ec2: EC2Client; autoScaling: AutoScalingClient; elbv2: ElasticLoadBalancingV2Client }
export interface Restored {
  action: string;
  resourceId: string;
  at: string;
  error?: string;
  /** Not undone: someone else changed it since this case did (an ENI's groups); what it is now is theirs, left as it is. */
  left?: string;
}

/** An ENI's groups now, by id (attached ENIs only), to tell ours from an operator's change. */
export type CurrentGroups = ReadonlyMap<string, readonly string[]>;

/**
 * What is never undone: the evidence, the session deny (stolen role credentials may outlive the release), the NACL block
 * (it expires by itself) and a key rotation (the old key is gone by design).
 */
export const KEPT_STEPS: readonly string[] = [STEP.snapshots, STEP.sessionDeny, STEP.blockSource, STEP.rotateKeyPair];

/** The undo of one recorded step, from what the case record says was there before. */
function undo(c: RestoreClients, record: InstanceCase, step: StepRecord): (() => Promise<unknown>) | undefined {
  const { instanceId, prior } = record;
  switch (step.action) {
    case STEP.tagIsolated: return () => c.ec2.send(new DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: TAG.isolated }] }));
    case STEP.profile: return () => c.ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: instanceId, IamInstanceProfile: { Arn: String(step.before?.arn) } }));
    case STEP.isolate: case STEP.untracked: {
      const groups = prior.enis.find((e) => e.networkInterfaceId === step.resourceId)?.groupIds ?? (step.before?.groupIds as string[] | undefined) ?? [];
      return () => c.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: step.resourceId, Groups: groups }));
    }
    case STEP.deregister: {
      const port = step.before?.port as number | undefined;
      return () => c.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: step.resourceId, Targets: [{ Id: instanceId, ...(port !== undefined ? { Port: port } : {}) }] }));
    }
    case STEP.standby: return () => c.autoScaling.send(new ExitStandbyCommand({ AutoScalingGroupName: step.resourceId, InstanceIds: [instanceId] }));
    case STEP.detach: return () => c.autoScaling.send(new AttachInstancesCommand({ AutoScalingGroupName: step.resourceId, InstanceIds: [instanceId] }));
    case STEP.protect: return async () => {
      await c.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: prior.protection.termination } }));
      await c.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiStop: { Value: prior.protection.stop } }));
    };
    default: return undefined;
  }
}

/**
 * Undoes every recorded step, newest first, each attempted even if another fails; an ENI moved twice (untracked, then
 * empty) is put back once. `skip` names steps already undone (a release after a partial one finds them in place).
 * With `current`, an ENI is put back only while it still has the groups this case gave it (its newest move's `after`):
 * already back in its prior groups, it is skipped; in any other groups, someone changed it since, and it is `left`
 * (never fight an operator).
 */
export async function restoreFromCase(
  c: RestoreClients, record: InstanceCase, skip: (step: StepRecord) => boolean = () => false, current?: CurrentGroups,
): Promise<Restored[]> {
  const done: Restored[] = [];
  const seen = new Set<string>();
  for (const step of stepsNewestFirst(record)) {
    if (KEPT_STEPS.includes(step.action) || skip(step)) continue;
    const key = step.action === STEP.untracked ? `${STEP.isolate}:${step.resourceId}` : `${step.action}:${step.resourceId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const now = (step.action === STEP.isolate || step.action === STEP.untracked) ? current?.get(step.resourceId) : undefined;
    const ours = step.after?.groupIds as string[] | undefined;
    if (now && ours) {
      const prior = record.prior.enis.find((e) => e.networkInterfaceId === step.resourceId)?.groupIds ?? (step.before?.groupIds as string[] | undefined) ?? [];
      if (sameGroups(now, prior)) continue;
      if (!sameGroups(now, ours)) {
        done.push({
          action: `undo-${step.action}`, resourceId: step.resourceId, at: new Date().toISOString(),
          left: `its groups were changed by someone else since this case moved it to ${ours.join(', ')} (now ${now.join(', ') || 'none'}; before the case ${prior.join(', ') || 'none'}): left as they are`,
        });
        continue;
      }
    }
    const run = undo(c, record, step);
    if (!run) continue;
    try {
      await run();
      done.push({ action: `undo-${step.action}`, resourceId: step.resourceId, at: new Date().toISOString() });
    } catch (error) {
      done.push({ action: `undo-${step.action}`, resourceId: step.resourceId, at: new Date().toISOString(), error: `${(error as Error).name}: ${(error as Error).message}` });
    }
  }
  return done;
}
