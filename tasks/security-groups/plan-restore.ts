import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ExecutionFacts, Outcome } from '../lib/types';
import { groupsOfVpc } from './lib/groups';
import { rulesOfGroups, sameRule, type SavedRule } from './lib/rules';
import type { RestoreInput } from './lib/schema';
import { SG_STORE_ENV, savedGroups } from './lib/store';

const dynamodb = createDynamoDbClient();
const ec2 = createEc2Client();
const { [SG_STORE_ENV]: TABLE } = readEnv({ [SG_STORE_ENV]: requiredString });

export interface RestorePlanEvent {
  request: RestoreInput;
  execution: ExecutionFacts;
  vpcId: string;
}

export interface GroupRestorePlan {
  groupId: string;
  groupName: string;
  action: 'restore' | 'none' | 'skipped';
  reason: string;
  /** Saved rules not there now: authorized again exactly (description, tags). */
  toAuthorize: SavedRule[];
  /** Saved rules already there (put back earlier, or by a person): the rule id they have now. */
  present: { savedRuleId: string; ruleId: string }[];
  /** Replacement rules the restrict run added (tagged with its execution): revoked. */
  toRemove: SavedRule[];
}

export interface RestorePlan {
  outcome: Outcome;
  restrictExecution: string;
  vpcId: string;
  groups: GroupRestorePlan[];
  toChange: string[];
}

/** Read-only: per saved group, which saved rules are missing now and which replacement rules remain. Nothing left → NO_ACTION. */
export const handler = async ({ request, vpcId }: RestorePlanEvent): Promise<RestorePlan> => {
  const saved = await savedGroups(dynamodb, TABLE, request.restrictExecution);
  const existing = new Set((await groupsOfVpc(ec2, vpcId)).map((g) => g.GroupId));
  const ids = saved.map((g) => g.groupId).filter((id) => existing.has(id));
  const now = await rulesOfGroups(ec2, ids);
  const groups = saved.map((g): GroupRestorePlan => {
    const base = { groupId: g.groupId, groupName: g.groupName };
    if (!existing.has(g.groupId)) return { ...base, action: 'skipped', reason: `the group no longer exists in ${vpcId}`, toAuthorize: [], present: [], toRemove: [] };
    const rules = now.get(g.groupId) ?? [];
    const present = g.rules.flatMap((s) => {
      const match = rules.find((r) => sameRule(r, s));
      return match ? [{ savedRuleId: s.SecurityGroupRuleId, ruleId: match.SecurityGroupRuleId }] : [];
    });
    const toAuthorize = g.rules.filter((s) => !present.some((p) => p.savedRuleId === s.SecurityGroupRuleId));
    const toRemove = rules.filter((r) => tagValue(r.Tags, TAG.execution) === request.restrictExecution);
    const action = toAuthorize.length + toRemove.length > 0 ? 'restore' : 'none';
    const reason = action === 'restore' ? `${toAuthorize.length} rule(s) to put back, ${toRemove.length} replacement(s) to remove` : 'every saved rule is in place';
    return { ...base, action, reason, toAuthorize, present, toRemove };
  });
  const toChange = groups.filter((g) => g.action === 'restore').map((g) => g.groupId);
  const outcome = toChange.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { restrictExecution: request.restrictExecution, groups: groups.length, toChange: toChange.length, outcome });
  return { outcome, restrictExecution: request.restrictExecution, vpcId, groups, toChange };
};
