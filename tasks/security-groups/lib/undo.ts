import { TAG, tagValue } from '../../lib/tags';
import { sameRule, type SavedRule } from './rules';

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
