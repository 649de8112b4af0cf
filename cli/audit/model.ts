import { trafficViewOf, type TrafficView } from './render-traffic';
import { workflowOf, type AuditEvent, type ExecutionDetail } from './source';

export interface AuditTrigger {
  source: string;
  principal?: string;
  eventId?: string;
  /** Set when another execution (triage) started this one. */
  parentExecution?: string;
  /** Not proven (docs/approval.md "Trigger provenance"): what the input said. */
  claimed?: true;
  /** Proven: who signed the start proof (triage's children: triage's role; the principal is the event's). */
  startedBy?: string;
}

export interface AuditAction {
  action: string;
  resourceId: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  at?: string;
}

/** One state's visit: entered -> exited, with its Lambda attempts and errors. */
export interface TimelineEntry {
  state: string;
  stateType: string;
  enteredAt: Date;
  exitedAt?: Date;
  durationMs?: number;
  /** Lambda invocations after the first (Step Functions' Retry). */
  retries: number;
  errors: string[];
  result: 'succeeded' | 'failed' | 'running';
}

export interface AuditRecord {
  executionArn: string;
  name: string;
  workflow: string;
  target: string;
  trigger?: AuditTrigger;
  status: string;
  /** REMEDIATED | NO_ACTION | PLANNED for a success; the error name otherwise. */
  outcome: string;
  error?: string;
  cause?: string;
  /** The original failure behind a rollback (complete or not). */
  rolledBackBecause?: { error: string; cause: string };
  /** What a person must do (RollbackFailedError, InstanceNotRestartedError), from the report in the cause. */
  whatToDo?: string[];
  startDate: Date;
  stopDate?: Date;
  durationMs?: number;
  actions: AuditAction[];
  /** investigate-traffic: its report's figures, printed as tables by `remediate show` (cli/audit/render-traffic.ts). */
  traffic?: TrafficView;
}

/** Failures whose cause is a report (JSON): the rollback report, or the report of a kept change. */
const REPORT_CAUSES = new Set(['RemediationRolledBack', 'RollbackFailedError', 'InstanceNotRestartedError']);

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * The report's trigger (verified or claimed by the workflow's ValidateInput), else the input's: with no
 * report to say it was proven, an input's trigger is only claimed.
 */
function triggerOf(report: Record<string, unknown> | undefined, input: Record<string, unknown> | undefined): AuditTrigger | undefined {
  for (const [source, fromInput] of [[report, false], [input, true]] as const) {
    const t = source?.trigger as Record<string, unknown> | undefined;
    if (!t || typeof t.source !== 'string') continue;
    const trigger: AuditTrigger = { source: t.source };
    for (const key of ['principal', 'eventId', 'parentExecution', 'startedBy'] as const) {
      const value = str(t[key]);
      if (value) trigger[key] = value;
    }
    if (fromInput || t.verified !== true) trigger.claimed = true;
    return trigger;
  }
  return undefined;
}

/** FinishRollback's list, or the single step of a change kept with the instance stopped. */
function whatToDoOf(report: Record<string, unknown> | undefined): string[] {
  const list = report?.whatToDo;
  if (Array.isArray(list)) return list.filter((item): item is string => typeof item === 'string');
  const notRestarted = str((report?.notRestarted as Record<string, unknown> | undefined)?.whatToDo);
  return notRestarted ? [notRestarted] : [];
}

/** The audit view of one execution (DescribeExecution shape, AWS or local). */
export function toAuditRecord(execution: ExecutionDetail): AuditRecord {
  const input = parseJson(execution.input);
  const report = execution.status === 'SUCCEEDED' ? parseJson(execution.output) : undefined;
  const rollback = execution.error && REPORT_CAUSES.has(execution.error) ? parseJson(execution.cause) : undefined;
  const record: AuditRecord = {
    executionArn: execution.executionArn,
    name: execution.name,
    workflow: workflowOf(execution.stateMachineArn) ?? execution.stateMachineArn,
    target: str(input?.instanceId) ?? str(report?.target) ?? str(rollback?.target) ?? str(input?.target) ?? '-',
    status: execution.status,
    outcome: str(report?.outcome) ?? execution.error ?? (execution.status === 'SUCCEEDED' ? '-' : execution.status),
    startDate: execution.startDate,
    actions: ((report ?? rollback)?.actions as AuditAction[] | undefined) ?? [],
  };
  const trigger = triggerOf(report, input);
  if (trigger) record.trigger = trigger;
  const traffic = trafficViewOf(report);
  if (traffic) record.traffic = traffic;
  if (execution.error) record.error = execution.error;
  if (execution.cause !== undefined && !rollback) record.cause = execution.cause;
  const original = rollback?.error as { Error?: string; Cause?: string } | undefined;
  if (original?.Error) record.rolledBackBecause = { error: original.Error, cause: original.Cause ?? '' };
  const whatToDo = whatToDoOf(rollback);
  if (whatToDo.length > 0) record.whatToDo = whatToDo;
  if (execution.stopDate) {
    record.stopDate = execution.stopDate;
    record.durationMs = execution.stopDate.getTime() - execution.startDate.getTime();
  }
  return record;
}

const detailsOf = (event: AuditEvent, key: string) => (event[key] ?? {}) as Record<string, unknown>;
const isEntered = (type: string) => type.endsWith('StateEntered');
const isExited = (type: string) => type.endsWith('StateExited');
/** Scheduling events of a task attempt: Lambda (function ARN resource) or a service integration. */
const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);
const FAILED_DETAILS: Record<string, string> = {
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  LambdaFunctionScheduleFailed: 'lambdaFunctionScheduleFailedEventDetails',
  LambdaFunctionStartFailed: 'lambdaFunctionStartFailedEventDetails',
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  ActivityFailed: 'activityFailedEventDetails',
  ActivityTimedOut: 'activityTimedOutEventDetails',
  MapStateFailed: 'mapStateFailedEventDetails',
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
};

export const errorOf = (event: AuditEvent): string | undefined => {
  const key = FAILED_DETAILS[event.type];
  if (!key) return undefined;
  const details = detailsOf(event, key);
  return str(details.error) ?? event.type;
};

/**
 * The states an execution went through, from GetExecutionHistory. Events are tied to
 * their state by following previousEventId back to the state's Entered event (how Step
 * Functions links them, also inside Map iterations); Lambda attempts after the first are retries.
 */
export function timelineOf(history: AuditEvent[]): TimelineEntry[] {
  const byId = new Map(history.map((e) => [e.id, e]));
  type Building = TimelineEntry & { attempts: number; lastFailed: boolean };
  const open = new Map<number, Building>();
  const entries: Building[] = [];
  const ownerOf = (event: AuditEvent, name?: string) => {
    let current: AuditEvent | undefined = event;
    for (let hops = 0; current && hops < 10_000; hops++) {
      const entry = open.get(current.id);
      if (entry && (!name || entry.state === name)) return entry;
      current = current.previousEventId ? byId.get(current.previousEventId) : undefined;
    }
    const candidates = [...open.values()].filter((e) => !name || e.state === name);
    return name ? candidates[0] : candidates[candidates.length - 1];
  };
  for (const event of history) {
    if (isEntered(event.type)) {
      const name = String(detailsOf(event, 'stateEnteredEventDetails').name);
      const entry = { state: name, stateType: event.type.replace(/StateEntered$/, ''), enteredAt: event.timestamp, retries: 0, errors: [], result: 'running' as const, attempts: 0, lastFailed: false };
      entries.push(entry);
      open.set(event.id, entry);
    } else if (isExited(event.type)) {
      const entry = ownerOf(event, String(detailsOf(event, 'stateExitedEventDetails').name));
      if (!entry) continue;
      entry.exitedAt = event.timestamp;
      entry.durationMs = event.timestamp.getTime() - entry.enteredAt.getTime();
      entry.result = 'succeeded';
      for (const [id, e] of open) if (e === entry) open.delete(id);
    } else if (SCHEDULED.has(event.type)) {
      const entry = ownerOf(event);
      if (!entry) continue;
      entry.attempts += 1;
      entry.lastFailed = false;
    } else if (FAILED_DETAILS[event.type] && !event.type.startsWith('Execution')) {
      const entry = ownerOf(event);
      if (!entry) continue;
      entry.errors.push(errorOf(event) as string);
      entry.lastFailed = true;
    }
  }
  return entries.map(({ attempts, lastFailed, ...entry }) => ({
    ...entry,
    retries: Math.max(0, attempts - 1),
    // Its last attempt failed (the error was caught or ended the execution), or a Fail state.
    result: lastFailed || entry.stateType === 'Fail' ? 'failed' : entry.result,
  }));
}
