import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { findInstances } from '../../lib/ec2';
import { startNamedExecution } from '../../lib/start-execution';
import { TAG, isExcluded } from '../../lib/tags';
import { WORKFLOW } from '../../lib/workflow-names';
import { isolationNameOf } from '../../triage/lib/containment';
import type { TriageDecision } from '../../triage/lib/policy';
import { claim, type AlertTable } from './alert-table';
import { shellQuote } from './failed-attempts';

/**
 * What became of one instance the principal's refused calls in the window targeted:
 * `started` (now, or by an earlier attempt of this event); `already-started` (started or reported for this principal in
 * this alert window); `report` (the decision is report: what would be started); `not-found`, `terminated`, `excluded`: not started.
 */
export interface InstanceIsolationOutcome {
  instanceId: string;
  status: 'started' | 'already-started' | 'report' | 'not-found' | 'terminated' | 'excluded';
  executionArn?: string;
  /** The execution's name (started, or what report would start): `case-<eventId>-<instanceId>`. */
  name?: string;
  reason?: string;
}

export interface IsolationOutcome {
  decision: TriageDecision;
  /** Why isolate-instance is never started for this principal's instances (as triage refuses). */
  refused?: string;
  instances: InstanceIsolationOutcome[];
}

export interface IsolationRequest {
  table: AlertTable;
  ec2: EC2Client;
  sfn: SFNClient;
  stateMachineArn: string;
  principalArn: string;
  /** Every instance the principal's refused calls in the window named (this call's included). */
  instanceIds: readonly string[];
  decision: TriageDecision;
  refused?: string;
  /** The containment's case: one case id for contain-principal and every isolation of the window. */
  caseId: string;
  eventId: string;
  at: Date;
  alertWindowMinutes: number;
}

/** Enough filter values per DescribeInstances call, well inside EC2's limit. */
const DESCRIBE_CHUNK = 100;

/** The instances that exist, by id (DescribeInstances filtered by id: an unknown id is absent, not an error). */
async function describeByIds(ec2: EC2Client, ids: readonly string[]): Promise<Map<string, Instance>> {
  const found = new Map<string, Instance>();
  for (let i = 0; i < ids.length; i += DESCRIBE_CHUNK) {
    for (const instance of await findInstances(ec2, [{ Name: 'instance-id', Values: ids.slice(i, i + DESCRIBE_CHUNK) }])) {
      if (instance.InstanceId) found.set(instance.InstanceId, instance);
    }
  }
  return found;
}

/** Why an instance is not isolated, or undefined when it may be. */
function ineligible(instance: Instance | undefined): Pick<InstanceIsolationOutcome, 'status' | 'reason'> | undefined {
  if (!instance) return { status: 'not-found', reason: 'no such instance in this account and region' };
  const state = instance.State?.Name;
  if (state === 'terminated' || state === 'shutting-down') return { status: 'terminated', reason: `it is ${state}` };
  if (isExcluded(instance.Tags)) return { status: 'excluded', reason: `it is tagged ${TAG.exclude}=true` };
  return undefined;
}

/** isolate-instance's input for one instance of the case. */
export const isolationInputOf = (instanceId: string, caseId: string, approval: boolean, trigger?: Record<string, unknown>): Record<string, unknown> => ({
  instanceId, caseId, approval, ...(trigger ? { trigger } : {}),
});

/**
 * isolate-instance for each instance of the window, once per instance per alert window (a conditional write of
 * `principal#<arn>` / `isolation#<instanceId>`), under the decision: only instances that exist, are not terminated and
 * not excluded are started. Claimed first, described after: a later event of the window costs no EC2 read for them.
 */
export async function isolateInstances(request: IsolationRequest): Promise<IsolationOutcome> {
  const { table, ec2, sfn, stateMachineArn, principalArn, instanceIds, decision, refused, caseId, eventId, at, alertWindowMinutes } = request;
  const claims = await Promise.all(instanceIds.map((id) => claim(table, {
    pk: `principal#${principalArn}`, sk: `isolation#${id}`, eventId, now: at, minutes: alertWindowMinutes, takeOverExpired: true,
  })));
  const claimed = instanceIds.filter((_, i) => claims[i]?.claimed);
  const instances = claimed.length > 0 ? await describeByIds(ec2, claimed) : new Map<string, Instance>();
  const outcomes = await Promise.all(instanceIds.map(async (instanceId, i): Promise<InstanceIsolationOutcome> => {
    if (!claims[i]?.claimed) return { instanceId, status: 'already-started' };
    const not = ineligible(instances.get(instanceId));
    if (not) return { instanceId, ...not };
    const name = isolationNameOf(caseId, instanceId);
    if (decision === 'report') return { instanceId, status: 'report', name };
    const input = isolationInputOf(instanceId, caseId, decision === 'approval', { source: 'eventbridge', eventId, principal: principalArn });
    const started = await startNamedExecution(sfn, { stateMachineArn, name, input: JSON.stringify(input) });
    return { instanceId, status: 'started', name, executionArn: started.executionArn };
  }));
  return { decision, ...(refused ? { refused } : {}), instances: outcomes };
}

/** The alert's lines about the isolations: one per instance, with the started execution or why not. */
export function isolationLines(isolation: IsolationOutcome, caseId: string): string[] {
  if (isolation.instances.length === 0) {
    return ['No instance is named by the principal\'s refused calls in the window (RunInstances, key-pair and ingress calls name none): isolate-instance is not started.'];
  }
  const how = isolation.decision === 'approval' ? 'it asks a person before any change' : isolation.decision === 'auto' ? 'without approval' : 'policy report';
  const head = isolation.refused ? `isolate-instance is not started (${isolation.refused}); the instances the refused calls named:`
    : `isolate-instance for the instances the refused calls named (${how}, case ${caseId}):`;
  const lines = isolation.instances.map(({ instanceId, status, executionArn, reason }) => {
    switch (status) {
      case 'started': return `  ${instanceId}: started ${executionArn}`;
      case 'already-started': return `  ${instanceId}: already started (or reported) in this window`;
      case 'report': return isolation.refused ? `  ${instanceId}: not started`
        : `  ${instanceId}: would be started by: remediate start ${WORKFLOW.isolateInstance} --input ${shellQuote(JSON.stringify(isolationInputOf(instanceId, caseId, true)))}`;
      default: return `  ${instanceId}: not started: ${reason}`;
    }
  });
  return [head, ...lines];
}
