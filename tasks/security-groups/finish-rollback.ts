import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { reportAction } from '../lib/report';
import { TAG, tagValue } from '../lib/tags';
import type { ReportAction } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { Restored } from './authorize-rules';
import { rulesOfGroups, type SavedRule } from './lib/rules';
import { SG_STORE_ENV, markRolledBack } from './lib/store';
import { backAs } from './lib/undo';
import type { RestrictPlan } from './plan-restrict';
import type { RemovedReplacement } from './lib/undo';

const dynamodb = createDynamoDbClient();
const ec2 = createEc2Client();
const { [SG_STORE_ENV]: TABLE } = readEnv({ [SG_STORE_ENV]: requiredString });
const TRANSIENT: ReadonlySet<string> = new Set(TRANSIENT_ERRORS);

type ErrorInfo = { Error?: string; Cause?: string };

export interface FinishRollbackEvent {
  executionName: string;
  vpcId: string;
  plan: Pick<RestrictPlan, 'groups'>;
  /** The failure that started the rollback (the Catch's error). */
  error: ErrorInfo;
  reauthorized?: Restored[];
  removedReplacements?: RemovedReplacement[];
  /** Errors caught in the rollback's own steps, by step. */
  rollbackErrors?: Record<string, ErrorInfo>;
}

export interface RuleOutcome {
  groupId: string;
  savedRuleId: string;
  /** untouched: the run had not revoked it yet; reauthorized: put back by the rollback; missing/changed: a person must act. */
  state: 'untouched' | 'reauthorized' | 'missing' | 'changed';
  ruleId?: string;
  whatToDo?: string;
}

export interface RestrictRollbackReport {
  workflow: string;
  target: string;
  execution: string;
  outcome: 'ROLLED_BACK' | 'ROLLBACK_INCOMPLETE';
  error: { Error: string; Cause: string };
  rules: RuleOutcome[];
  /** Replacement rules of this run still in place (each a whatToDo). */
  replacementsLeft: { groupId: string; ruleId: string }[];
  rollbackErrors: Record<string, { Error: string; Cause: string }>;
  /** Groups whose saved record now says "rolled back" (a later restore of this run is NO_ACTION for them). */
  recordedRolledBack: string[];
  whatToDo: string[];
  actions: ReportAction[];
}

const ruleText = (r: SavedRule) => `${r.IsEgress ? 'outbound' : 'inbound'} ${r.IpProtocol} ${r.FromPort ?? -1}-${r.ToPort ?? -1} ${r.CidrIpv4 ?? r.CidrIpv6}` +
  `${r.Description ? ` "${r.Description}"` : ''}${(r.Tags ?? []).length ? ` tags ${JSON.stringify(r.Tags)}` : ''}`;

/**
 * Always the rollback's last step: a fresh read of every group the run meant to restrict, rule by rule. Each saved rule
 * back exactly and no replacement of this run left -> ROLLED_BACK (RemediationRolledBack); otherwise ROLLBACK_INCOMPLETE
 * (RollbackFailedError) with what a person must do. Groups fully back are recorded as rolled back in the case table.
 */
export const handler = async (event: FinishRollbackEvent): Promise<{ report: RestrictRollbackReport; cause: string; allRestored: boolean }> => {
  const groups = event.plan.groups.filter((g) => g.action === 'restrict');
  const now = await rulesOfGroups(ec2, groups.map((g) => g.groupId));
  const put = new Map((event.reauthorized ?? []).filter((r) => r.status !== 'failed').map((r) => [r.savedRuleId, r]));
  const failed = new Map((event.reauthorized ?? []).filter((r) => r.status === 'failed').map((r) => [r.savedRuleId, r.error]));
  const rules = groups.flatMap((g) => g.revoke.map((saved): RuleOutcome => {
    const back = backAs(saved, now.get(g.groupId) ?? []);
    const base = { groupId: g.groupId, savedRuleId: saved.SecurityGroupRuleId };
    if (back.status === 'back') return { ...base, state: put.has(saved.SecurityGroupRuleId) ? 'reauthorized' : 'untouched', ruleId: back.rule.SecurityGroupRuleId };
    const why = failed.get(saved.SecurityGroupRuleId);
    return back.status === 'missing'
      ? { ...base, state: 'missing', whatToDo: `authorize again in ${g.groupId}: ${ruleText(saved)}${why ? ` (the rollback's attempt failed: ${why})` : ''}` }
      : { ...base, state: 'changed', ruleId: back.rule.SecurityGroupRuleId, whatToDo: `${back.rule.SecurityGroupRuleId} in ${g.groupId} is back with another description or tags: set them to ${ruleText(saved)}` };
  }));
  const replacementsLeft = groups.flatMap((g) => (now.get(g.groupId) ?? [])
    .filter((r) => tagValue(r.Tags, TAG.execution) === event.executionName).map((r) => ({ groupId: g.groupId, ruleId: r.SecurityGroupRuleId })));
  const at = new Date().toISOString();
  const complete = (groupId: string) => rules.every((r) => r.groupId !== groupId || !r.whatToDo) && !replacementsLeft.some((r) => r.groupId === groupId);
  const recordedRolledBack: string[] = [];
  const whatToDo = [...rules.flatMap((r) => (r.whatToDo ? [r.whatToDo] : [])), ...replacementsLeft.map((r) => `revoke ${r.ruleId} in ${r.groupId} (a replacement this run added)`)];
  for (const g of groups.filter((x) => complete(x.groupId))) {
    try {
      await markRolledBack(dynamodb, TABLE, event.executionName, g.groupId, at);
      recordedRolledBack.push(g.groupId);
    } catch (error) {
      if (TRANSIENT.has(awsErrorName(error) ?? '')) throw error;
      // The rules are back whatever the record says; only a later restore would need to know.
      whatToDo.push(`${g.groupId} is back, but its saved record could not be marked rolled back (${awsErrorName(error)}): do not run restore-security-groups for ${event.executionName}`);
    }
  }
  const allRestored = rules.every((r) => !r.whatToDo) && replacementsLeft.length === 0;
  const report: RestrictRollbackReport = {
    workflow: WORKFLOW.restrictSecurityGroups, target: event.vpcId, execution: event.executionName,
    outcome: allRestored ? 'ROLLED_BACK' : 'ROLLBACK_INCOMPLETE',
    error: { Error: event.error.Error ?? 'Unknown', Cause: event.error.Cause ?? '' },
    rules, replacementsLeft, recordedRolledBack, whatToDo,
    rollbackErrors: Object.fromEntries(Object.entries(event.rollbackErrors ?? {}).filter(([, e]) => e?.Error).map(([k, e]) => [k, { Error: e.Error as string, Cause: e.Cause ?? '' }])),
    actions: [
      ...rules.filter((r) => r.state === 'reauthorized').map((r) => reportAction('reauthorize-rule', r.groupId, at, { ruleId: r.savedRuleId }, { ruleId: r.ruleId })),
      ...(event.removedReplacements ?? []).flatMap((r) => (r.status === 'failed' ? [] : [reportAction('remove-replacement-rule', r.groupId, at, { ruleId: r.ruleId }, { status: r.status })])),
    ],
  };
  logger.warn(allRestored ? 'rolled back' : 'rollback incomplete', { error: report.error.Error, whatToDo: whatToDo.length });
  return { report, cause: fitCause(report), allRestored };
};

/** Step Functions keeps at most 32,768 characters of a Fail state's cause: the untouched rules and the actions go first, what to do never. */
export const MAX_CAUSE = 32_768;
function fitCause(report: RestrictRollbackReport): string {
  const full = JSON.stringify(report);
  if (full.length <= MAX_CAUSE) return full;
  return JSON.stringify({ ...report, rules: report.rules.filter((r) => r.state !== 'untouched'), actions: [], shortened: true });
}
