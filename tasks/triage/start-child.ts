import * as z from 'zod/mini';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { createSfnClient } from '../lib/clients/sfn';
import { InvalidInputError } from '../lib/errors';
import { jsonValue, readEnv } from '../lib/env';
import { logger } from '../lib/logger';
import { executionName } from '../lib/names';
import { startProvenExecution } from '../lib/start-execution';
import { containInputOf, type CallerFacts } from '../principal/lib/triage-input';
import { isolationNameOf } from './lib/containment';
import type { Trigger } from '../lib/schemas';
import { allowedPortsSchema } from '../security-groups/lib/schema';

const sfn = createSfnClient();
/** Child workflows triage may start: workflow name -> state machine ARN. */
const { CHILD_STATE_MACHINES: CHILDREN, FLOW_LOGS_DESTINATION, RESTRICT_ALLOWED_PORTS } = readEnv({
  CHILD_STATE_MACHINES: jsonValue<Record<string, string>>({}),
  /** CDK context triage.restrictSecurityGroups.allowedPorts (infra/workflows/triage-start-instances.ts): none by default. */
  RESTRICT_ALLOWED_PORTS: z.pipe(jsonValue<unknown>([]), allowedPortsSchema),
  /** Where triage sends the flow logs it enables: `s3` (default) or `cloud-watch-logs`. */
  FLOW_LOGS_DESTINATION: z._default(z.string(), 's3'),
});

export interface StartChildEvent {
  workflow: string;
  target: string;
  /** `approval`: the child asks a person before any change; `auto`: it may stop the instance without asking. */
  decision: 'auto' | 'approval';
  /** The child's input (its trigger), less what the workflow, target and decision add. */
  input: Record<string, unknown>;
  /** The parent's start time: names the child, so a retried start finds the same execution. */
  parentStartTime: string;
  /**
   * The case (`case-<eventId>`): given, it names the child `<workflow>-<caseId>` instead, so that a second delivery of the
   * event, or a chunk of it, finds the one child of the case (contain-principal: once per event principal).
   */
  caseId?: string;
  /** contain-principal: the event's caller (tasks/triage/parse-start-event.ts principal and accessKeyId). */
  caller?: CallerFacts;
}

export interface ChildExecution {
  workflow: string;
  target: string;
  executionArn: string;
  name: string;
  alreadyStarted: boolean;
  at: string;
}

/** What each child needs besides its trigger. */
function childInput(workflow: string, target: string, decision: StartChildEvent['decision'], event: StartChildEvent): Record<string, unknown> {
  switch (workflow) {
    case 'contain-principal': {
      // It has an approval gate: `approval` asks a person before any key or policy changes. Root: the child only notifies.
      if (!event.caller || !event.caseId) throw new InvalidInputError('contain-principal needs the caller and the case id');
      return containInputOf(event.caller, event.caseId, event.input.trigger as Trigger, decision === 'approval');
    }
    case 'isolate-instance':
      // It has an approval gate: `approval` publishes the plan and waits for a person before the snapshots and the moves.
      if (!event.caseId) throw new InvalidInputError('isolate-instance needs the case id');
      return { instanceId: target, caseId: event.caseId, approval: decision === 'approval' };
    case 'encrypt-volumes':
      return { instanceId: target, ...(decision === 'auto' ? { allowStop: true } : { approval: true }) };
    case 'enable-flow-logs':
      // Nothing the instance runs is touched: no approval gate needed.
      return { vpcIds: [target], destination: FLOW_LOGS_DESTINATION };
    case 'investigate-traffic':
      // Read-only (the last hour of the instance's flow logs): no approval gate needed, under `approval` too.
      return { instanceId: target };
    case 'restrict-security-groups':
      // It has no approval gate: started without asking only when triage's policy said `auto`.
      if (decision !== 'auto') throw new InvalidInputError('restrict-security-groups has no approval gate: triage starts it under policy auto only');
      // The groups of the instance's network interfaces; the ports the deployment keeps open (none by default: every world-open rule goes).
      return { instanceId: target, ...(RESTRICT_ALLOWED_PORTS.length > 0 ? { allowedPorts: RESTRICT_ALLOWED_PORTS } : {}) };
    case 'enforce-imdsv2':
      // It has an approval gate: `approval` asks a person first. Software using IMDSv1 is left out by the child itself.
      return { instanceIds: [target], ...(decision === 'approval' ? { approval: true } : {}) };
    case 'enable-ebs-encryption-by-default':
      // No approval gate: started under `auto` only; it keeps the region's current default key.
      if (decision !== 'auto') throw new InvalidInputError('enable-ebs-encryption-by-default has no approval gate: triage starts it under policy auto only');
      return {};
    case 'high-cpu':
      // The alarm only, never a resize (that stops the instance: a person's call, started by hand). Its input takes
      // `approval` for the alarm alone: `approval` asks a person before the alarm is put.
      return { instanceId: target, resize: false, ...(decision === 'approval' ? { approval: true } : {}) };
    default:
      throw new InvalidInputError(`triage does not know how to start ${workflow}`);
  }
}

/** Named by the parent's start time (not now): a retried start finds the child the first attempt started. */
export const childName = (workflow: string, target: string, parentStartTime: string, caseId?: string): string => {
  // One isolation per instance of the case (triage takes event ids of at most 44 characters).
  if (caseId && workflow === 'isolate-instance') return isolationNameOf(caseId, target);
  return caseId ? `${workflow}-${caseId}` : executionName(workflow, target, parentStartTime);
};

/** The function's own credentials (Lambda's environment): what the child's identity proof is signed with. */
const credentials = fromEnv();

/**
 * Starts one child remediation as its own execution, linked to the parent through its trigger. The
 * trigger carries an identity proof signed with this function's role for `start:<child execution>`:
 * the child verifies it and reports triage's role as `startedBy`, the CloudTrail principal beside it.
 */
export const handler = async (event: StartChildEvent): Promise<ChildExecution> => {
  const { workflow, target, decision, input: base, parentStartTime, caseId } = event;
  const stateMachineArn = CHILDREN[workflow];
  if (!stateMachineArn) throw new InvalidInputError(`triage cannot start unknown workflow ${workflow}`);
  const name = childName(workflow, target, parentStartTime, caseId);
  const input = { ...base, ...childInput(workflow, target, decision, event) };
  const started = await startProvenExecution(sfn, { stateMachineArn, name, input, credentials });
  if (!started.alreadyStarted) logger.info('child started', { workflow, target, executionArn: started.executionArn });
  return { workflow, target, ...started };
};
