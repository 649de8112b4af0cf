import type { EC2Client } from '@aws-sdk/client-ec2';
import { TRANSIENT_ERRORS, awsErrorName } from '../../lib/errors';
import { TAG, tagValue } from '../../lib/tags';
import { authorizeRule, revokeRules, type Revoked } from './changes';
import { ipPermissionOf, ruleTagSpecifications, sameRule, type SavedRule } from './rules';

/** What putting one group back takes: restore-security-groups plans it from the case table, a failed restrict from its own plan. */
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

/** One group, from its saved rules and its rules now: which saved ones are missing, which of the run's replacements remain. */
export function undoPlanOfGroup(
  saved: { groupId: string; groupName: string; rules: SavedRule[] }, now: readonly SavedRule[], restrictExecution: string,
): GroupRestorePlan {
  const present = saved.rules.flatMap((s) => {
    const match = now.find((r) => sameRule(r, s));
    return match ? [{ savedRuleId: s.SecurityGroupRuleId, ruleId: match.SecurityGroupRuleId }] : [];
  });
  const toAuthorize = saved.rules.filter((s) => !present.some((p) => p.savedRuleId === s.SecurityGroupRuleId));
  const toRemove = now.filter((r) => tagValue(r.Tags, TAG.execution) === restrictExecution);
  const action = toAuthorize.length + toRemove.length > 0 ? 'restore' : 'none';
  const reason = action === 'restore' ? `${toAuthorize.length} rule(s) to put back, ${toRemove.length} replacement(s) to remove` : 'every saved rule is in place';
  return { groupId: saved.groupId, groupName: saved.groupName, action, reason, toAuthorize, present, toRemove };
}

const ownTags = (rule: SavedRule) => JSON.stringify([...(rule.Tags ?? [])].filter((t) => !t.Key?.startsWith('aws:')).sort((a, b) => String(a.Key).localeCompare(String(b.Key))));

/** The saved rule as it is now, if it is back exactly: same rule, same description, same own tags. */
export type BackAs = { status: 'back'; rule: SavedRule } | { status: 'missing' } | { status: 'changed'; rule: SavedRule };
export function backAs(saved: SavedRule, now: readonly SavedRule[]): BackAs {
  const match = now.find((r) => sameRule(r, saved));
  if (!match) return { status: 'missing' };
  return match.Description === saved.Description && ownTags(match) === ownTags(saved) ? { status: 'back', rule: match } : { status: 'changed', rule: match };
}

export interface Restored {
  groupId: string;
  savedRuleId: string;
  /** The new id (rule ids change when a rule is created again). */
  ruleId?: string;
  status: 'authorized' | 'already-present' | 'failed';
  /** keepGoing only: why EC2 refused it. */
  error?: string;
}

export type RemovedReplacement = Revoked | { groupId: string; ruleIds: string[]; status: 'failed'; error: string };

const TRANSIENT: ReadonlySet<string> = new Set(TRANSIENT_ERRORS);
const refusal = (error: unknown): string => {
  if (TRANSIENT.has(awsErrorName(error) ?? '')) throw error;
  return `${awsErrorName(error)}: ${(error as Error).message}`;
};

/**
 * Each saved rule put back as it was: protocol, ports, address and description, with its tags (TagSpecifications), one
 * call per rule; already there (InvalidPermission.Duplicate) counts as restored. keepGoing (a rollback): a rule EC2
 * refuses is recorded and the next attempted, so a fresh read can report each; transient errors are thrown (Retry).
 */
export async function authorizeSavedRules(ec2: EC2Client, groups: readonly Pick<GroupRestorePlan, 'action' | 'toAuthorize'>[], keepGoing: boolean): Promise<Restored[]> {
  const restored: Restored[] = [];
  for (const rule of groups.flatMap((g) => (g.action === 'restore' ? g.toAuthorize : []))) {
    const base = { groupId: rule.GroupId, savedRuleId: rule.SecurityGroupRuleId };
    try {
      const result = await authorizeRule(ec2, rule.GroupId, Boolean(rule.IsEgress), ipPermissionOf(rule), ruleTagSpecifications(rule.Tags), (r) => sameRule(r, rule));
      restored.push({ ...base, status: result.created ? 'authorized' : 'already-present', ...(result.ruleId ? { ruleId: result.ruleId } : {}) });
    } catch (error) {
      if (!keepGoing) throw error;
      restored.push({ ...base, status: 'failed', error: refusal(error) });
    }
  }
  return restored;
}

/**
 * A rollback's removal of the restrict run's replacement rules: revoked by id, group by group (already gone is done); a group
 * whose revoke EC2 refuses is recorded and the next attempted. Transient errors are thrown (Retry).
 */
export async function removeReplacementRulesEach(ec2: EC2Client, groups: readonly Pick<GroupRestorePlan, 'groupId' | 'action' | 'toRemove'>[]): Promise<RemovedReplacement[]> {
  const removed: RemovedReplacement[] = [];
  for (const g of groups.filter((x) => x.action === 'restore' && x.toRemove.length > 0)) {
    try {
      removed.push(...(await revokeRules(ec2, g.toRemove)));
    } catch (error) {
      removed.push({ groupId: g.groupId, ruleIds: g.toRemove.map((r) => r.SecurityGroupRuleId), status: 'failed', error: refusal(error) });
    }
  }
  return removed;
}
