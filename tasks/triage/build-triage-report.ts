import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import type { Assessment } from './assess-instance';
import type { StartEventFacts } from './parse-start-event';
import { TRIAGE_CHUNK_SIZE } from './lib/start-event';
import type { ChildExecution } from './start-child';

export const TRIAGE_WORKFLOW = 'triage-start-instances';

export interface BuildTriageReportEvent {
  /** With the contain-principal child StartContainment started, when it ran. */
  facts: StartEventFacts & { containmentChild?: ChildExecution; isolationChildren?: ChildExecution[] };
  execution: ExecutionFacts;
  /** Per instance: its assessment and the children started for it (absent when triage stopped early). */
  instances?: { assessment: Assessment; children: ChildExecution[] }[];
}

export interface TriageReport extends WorkflowReport {
  /** `case-<eventId>`: `remediate case <caseId>` shows this execution, its children and the case record. */
  caseId: string;
  event: Pick<StartEventFacts, 'eventId' | 'eventTime' | 'principal' | 'sourceIp' | 'region' | 'account'>;
  findings: { instanceId: string; finding: string; handling: 'started' | 'reported' }[];
  /** Why the event was reported and not acted on: another account or region, or no instance list. */
  refused?: string;
  /** What of the event's instances this execution covered, and which child triage executions have the rest. */
  coverage: { instances: number; assessed: number; chunk: { index: number; of: number }; childTriages: string[]; summary: string };
}

function coverageOf(facts: StartEventFacts, assessed: number): TriageReport['coverage'] {
  const childTriages = facts.childTriages.map((c) => c.name);
  const here = facts.chunk.index > 0
    ? `chunk ${facts.chunk.index + 1} of ${facts.chunk.of} of the event's instances (${facts.instanceCount} in it)`
    : `${facts.instanceCount} instance(s) in the event`;
  const rest = childTriages.length > 0
    ? `; the other ${facts.instanceCount - facts.instanceIds.length} in ${childTriages.length} child triage execution(s) of at most ${TRIAGE_CHUNK_SIZE} each`
    : '';
  return { instances: facts.instanceCount, assessed, chunk: facts.chunk, childTriages, summary: `${here}: ${assessed} assessed here${rest}` };
}

/** What the event was, what was found on each instance, and which remediations were started (never claims more). */
export const handler = async ({ facts, execution, instances = [] }: BuildTriageReportEvent): Promise<TriageReport> => {
  const findings: TriageReport['findings'] = [];
  const actions: ReportAction[] = [];
  if (facts.attemptFailed) {
    for (const id of facts.instanceIds) {
      findings.push({ instanceId: id, finding: `failed StartInstances attempt by ${facts.principal.arn} from ${facts.sourceIp}: ${facts.error?.code}`, handling: 'reported' });
    }
  }
  if (facts.startedByUs) {
    for (const id of facts.instanceIds) findings.push({ instanceId: id, finding: 'started by a remediation workflow: not triaged again', handling: 'reported' });
  }
  for (const { assessment, children } of instances) {
    if (!assessment.found) findings.push({ instanceId: assessment.instanceId, finding: 'instance not found', handling: 'reported' });
    if (!assessment.principalAllowed) {
      findings.push({ instanceId: assessment.instanceId, finding: `started by ${facts.principal.arn}, who is not on the allow-list`, handling: 'reported' });
    }
    // Open groups of an instance not handed to restrict-security-groups (an excluded one): reported per group.
    const restricting = assessment.remediations.some((r) => r.workflow === 'restrict-security-groups');
    for (const group of restricting ? [] : assessment.openSecurityGroups) {
      findings.push({ instanceId: assessment.instanceId, finding: `security group ${group.groupId} open to the world on ${group.ports.join(', ')} -> restrict-security-groups`, handling: 'reported' });
    }
    for (const remediation of assessment.remediations) {
      const child = children.find((c) => c.workflow === remediation.workflow);
      findings.push({ instanceId: assessment.instanceId, finding: `${remediation.reason} -> ${remediation.workflow}`, handling: child ? 'started' : 'reported' });
      if (child) actions.push({ action: 'start-execution', resourceId: child.executionArn, after: { workflow: child.workflow, name: child.name }, at: child.at });
    }
  }
  // The principal: one finding for the event (instanceId '*'), not one per instance.
  const { containment, containmentChild } = facts;
  if (containment) {
    findings.push({ instanceId: '*', finding: `${containment.reason} -> ${containment.workflow} (case ${containment.caseId})`, handling: containmentChild ? 'started' : 'reported' });
  }
  if (containmentChild) {
    actions.push({ action: 'start-execution', resourceId: containmentChild.executionArn, after: { workflow: containmentChild.workflow, name: containmentChild.name }, at: containmentChild.at });
  }
  // The instances the principal started: isolate-instance per instance, after the containment and under the same case.
  const { isolation, isolationChildren = [] } = facts;
  for (const instanceId of isolation ? facts.instanceIds : []) {
    const child = isolationChildren.find((c) => c.target === instanceId);
    findings.push({ instanceId, finding: `${isolation?.reason} -> ${isolation?.workflow} (case ${isolation?.caseId})`, handling: child ? 'started' : 'reported' });
    if (child) actions.push({ action: 'start-execution', resourceId: child.executionArn, after: { workflow: child.workflow, name: child.name }, at: child.at });
  }
  // Only the listed ones are named (never the whole event); the count says how many there were.
  if ((facts.attemptFailed || facts.startedByUs) && facts.instanceCount > facts.instanceIds.length) {
    findings.push({ instanceId: '*', finding: `${facts.instanceCount - facts.instanceIds.length} more instance(s) in the event, not listed here`, handling: 'reported' });
  }
  return {
    workflow: TRIAGE_WORKFLOW,
    target: facts.eventId,
    caseId: facts.caseId,
    execution: execution.name,
    outcome: actions.length > 0 ? 'REMEDIATED' : 'NO_ACTION',
    mode: 'apply',
    trigger: { source: 'eventbridge', principal: facts.principal.arn, eventId: facts.eventId },
    startedAt: execution.startTime,
    finishedAt: new Date().toISOString(),
    actions,
    event: { eventId: facts.eventId, eventTime: facts.eventTime, principal: facts.principal, sourceIp: facts.sourceIp, region: facts.region, account: facts.account },
    findings,
    ...(facts.refused ? { refused: facts.refused } : {}),
    coverage: coverageOf(facts, instances.length),
  };
};
