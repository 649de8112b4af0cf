import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import type { EniState } from './lib/instance-state';
import { ensureIsolationGroup } from './lib/isolation-groups';
import type { IsolationPlan } from './lib/plan';

const ec2 = createEc2Client();

export interface EnsureIsolationGroupsEvent { plan: IsolationPlan }
/** One entry per ENI for the ENI Map: its saved groups and the two groups of its VPC. */
export interface EniIsolation extends EniState { untrackedGroupId: string; emptyGroupId: string }

/** Step 4's groups: each VPC's untracked and empty groups, found by tag or made (idempotent). */
export const handler = async ({ plan }: EnsureIsolationGroupsEvent): Promise<{ enis: EniIsolation[] }> => {
  const groups = new Map<string, { untracked: string; empty: string }>();
  for (const vpcId of plan.vpcIds) {
    groups.set(vpcId, { untracked: await ensureIsolationGroup(ec2, 'untracked', vpcId), empty: await ensureIsolationGroup(ec2, 'empty', vpcId) });
  }
  const enis = plan.state.enis.map((e) => {
    const g = groups.get(e.vpcId);
    if (!g) throw new Error(`no isolation groups for ${e.vpcId}`);
    return { ...e, untrackedGroupId: g.untracked, emptyGroupId: g.empty };
  });
  logger.info('isolation groups ready', { vpcs: [...groups.keys()] });
  return { enis };
};
