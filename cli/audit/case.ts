import { toAuditRecord, type AuditRecord } from './model';
import type { ExecutionDetail, ExecutionSource } from './source';
import type { CaseRecord } from '../../tasks/principal/lib/case-store';
import type { InstanceCase } from '../../tasks/isolation/lib/case-store';
import { WORKFLOW } from '../../tasks/lib/workflow-names';

/** What `remediate case <id>` shows: the executions of the case, the event behind it, the record, how to release. */
export interface CaseView {
  caseId: string;
  /** Triage executions of the event, their children and the case's contain/release executions, oldest first. */
  timeline: AuditRecord[];
  evidence?: { eventId: string; eventTime?: string; principal?: string; principalType?: string; accessKeyId?: string; sourceIp?: string; instances: string[] };
  /** contain-principal's case record (undefined: not read, or none: `recordNote` says which). */
  record?: CaseRecord;
  recordNote?: string;
  release: { input: { release: { caseId: string } }; command: string; releasedAt?: string; releaseExecution?: string };
  /**
   * Whether the case is closed, from the close-case execution that marked its forensic snapshots (its report); not closed:
   * the command that closes it (expire-retained deletes the snapshots only once closed and their retention has passed).
   */
  closure: { closed: true; closedAt: string; execution: string; reason: string; snapshots: string[] } | { closed: false; input: { caseId: string; reason: string }; command: string };
  /** isolate-instance's records of the case, one per instance, each with its release. */
  instances?: { record: InstanceCase; release: { input: { release: { caseId: string }; instanceId: string }; command: string } }[];
}

const CASE_PREFIX = 'case-';
const DESCRIBE_CONCURRENCY = 5;

const parse = (text: string | undefined): Record<string, unknown> => {
  try {
    const value = text ? (JSON.parse(text) as unknown) : undefined;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** DescribeExecution of every execution of one workflow (a few at a time, well inside the throttle). */
async function describeAll(source: ExecutionSource, workflow: string, since?: Date): Promise<ExecutionDetail[]> {
  const listed = await source.listExecutions({ workflow, ...(since ? { since } : {}) });
  const details: ExecutionDetail[] = [];
  for (let i = 0; i < listed.length; i += DESCRIBE_CONCURRENCY) {
    details.push(...(await Promise.all(listed.slice(i, i + DESCRIBE_CONCURRENCY).map((s) => source.describe(s.executionArn)))));
  }
  return details;
}

/** The event as triage received it: who, from where, which instances (the evidence of the case). */
function evidenceOf(input: Record<string, unknown>): CaseView['evidence'] {
  const detail = (input.detail ?? {}) as Record<string, unknown>;
  const identity = (detail.userIdentity ?? {}) as { type?: string; arn?: string; accessKeyId?: string; sessionContext?: { sessionIssuer?: { arn?: string } } };
  const items = (field: unknown) => (((field as { instancesSet?: { items?: { instanceId?: string }[] } } | null)?.instancesSet?.items) ?? []).map((i) => i.instanceId);
  const instances = [...new Set([...items(detail.requestParameters), ...items(detail.responseElements)])].filter((id): id is string => typeof id === 'string');
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const principal = identity.sessionContext?.sessionIssuer?.arn ?? identity.arn;
  return {
    eventId: String(detail.eventID), instances,
    ...(str(detail.eventTime) ? { eventTime: str(detail.eventTime) } : {}), ...(principal ? { principal } : {}), ...(identity.type ? { principalType: identity.type } : {}),
    ...(identity.accessKeyId ? { accessKeyId: identity.accessKeyId } : {}), ...(str(detail.sourceIPAddress) ? { sourceIp: str(detail.sourceIPAddress) } : {}),
  };
}

/**
 * The case: triage executions whose event is the case's (`case-<eventId>`), the children their reports (and the instance
 * case records) list as started, and every contain-principal execution that opened (`caseId`) or released (`release.caseId`) it.
 */
export async function collectCase(
  source: ExecutionSource, caseId: string, readRecord: (caseId: string) => Promise<CaseRecord | undefined | string>,
  options: { since?: Date; local?: boolean; readInstances?: (caseId: string) => Promise<InstanceCase[]> } = {},
): Promise<CaseView> {
  const instanceRecords = options.readInstances ? await options.readInstances(caseId) : [];
  const eventId = caseId.startsWith(CASE_PREFIX) ? caseId.slice(CASE_PREFIX.length) : undefined;
  const triage = eventId
    ? (await describeAll(source, WORKFLOW.triageStartInstances, options.since)).filter((e) => (parse(e.input).detail as { eventID?: unknown } | undefined)?.eventID === eventId)
    : [];
  const contain = (await describeAll(source, WORKFLOW.containPrincipal, options.since)).filter((e) => {
    const input = parse(e.input);
    return input.caseId === caseId || (input.release as { caseId?: unknown } | undefined)?.caseId === caseId;
  });
  const closes = (await describeAll(source, WORKFLOW.closeCase, options.since)).filter((e) => parse(e.input).caseId === caseId);
  // contain-principal's opening execution (before isolate-instance's, whose inputs name the case too, join the list).
  const opened = contain.find((e) => parse(e.input).caseId === caseId);
  const isolate = await isolationsOf(source, caseId, { records: instanceRecords.length > 0, triaged: triage.length > 0 }, options.since);
  contain.push(...isolate);
  const known = new Set([...triage, ...contain, ...closes].map((e) => e.executionArn));
  const childArns = triage.flatMap((e) => ((parse(e.output).actions ?? []) as { action?: string; resourceId?: string }[]))
    .filter((a) => a.action === 'start-execution' && typeof a.resourceId === 'string' && !known.has(a.resourceId)).map((a) => a.resourceId as string);
  // isolate-instance's children (block-source-ip, rotate-key-pair), as its case record names them.
  childArns.push(...instanceRecords.flatMap((r) => Object.values(r.steps)).map((s) => s.after?.executionArn)
    .filter((arn): arn is string => typeof arn === 'string' && !known.has(arn)));
  const children = await Promise.all([...new Set(childArns)].map((arn) => source.describe(arn)));
  const timeline = [...triage, ...contain, ...closes, ...children].map(toAuditRecord).sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
  const firstTriage = triage.sort((a, b) => a.startDate.getTime() - b.startDate.getTime())[0];
  const evidence = firstTriage ? evidenceOf(parse(firstTriage.input)) : undefined;
  const found = await readRecord(caseId);
  const input = { release: { caseId } };
  const release: CaseView['release'] = { input, command: `remediate start contain-principal${options.local ? ' --local' : ''} --input '${JSON.stringify(input)}' --wait` };
  if (typeof found === 'object') {
    if (found.releasedAt) release.releasedAt = found.releasedAt;
    if (found.releaseExecution) release.releaseExecution = found.releaseExecution;
  }
  const instances = instanceRecords.map((record) => {
    const input = { release: { caseId }, instanceId: record.instanceId };
    return { record, release: { input, command: `remediate start isolate-instance${options.local ? ' --local' : ''} --input '${JSON.stringify(input)}' --wait` } };
  });
  return {
    caseId, timeline, release, closure: closureOf(closes, caseId, options.local), ...(instances.length > 0 ? { instances } : {}),
    ...(evidence ? { evidence } : opened ? { evidence: { eventId: eventId ?? '-', instances: isolatedInstances(isolate, caseId), ...principalOfInput(parse(opened.input)) } } : {}),
    ...(typeof found === 'object' ? { record: found } : { recordNote: found ?? `no case ${caseId} in the case table: nothing was contained (yet)` }),
  };
}

/**
 * isolate-instance's executions of the case (its opening ones and any release): every one whose input names the case
 * when it isolated something (its records); otherwise, for a case no triage execution lists (the threshold of refused
 * calls opened it, tasks/alerts/failed-attempt.ts: the isolations may still wait for approval, with no record yet),
 * those named `<caseId>-<instanceId>`, found by name without describing the rest. A triage case lists its own children.
 */
async function isolationsOf(source: ExecutionSource, caseId: string, found: { records: boolean; triaged: boolean }, since?: Date): Promise<ExecutionDetail[]> {
  if (found.records) {
    return (await describeAll(source, WORKFLOW.isolateInstance, since)).filter((e) => {
      const input = parse(e.input);
      return input.caseId === caseId || (input.release as { caseId?: unknown } | undefined)?.caseId === caseId;
    });
  }
  if (found.triaged) return [];
  const named = (await source.listExecutions({ workflow: WORKFLOW.isolateInstance, ...(since ? { since } : {}) })).filter((e) => e.name.startsWith(`${caseId}-i-`));
  return Promise.all(named.map((e) => source.describe(e.executionArn)));
}

/** The instances the case's isolate-instance executions were started for (its evidence when no triage execution names them). */
const isolatedInstances = (isolate: ExecutionDetail[], caseId: string): string[] => [...new Set(isolate.map((e) => parse(e.input))
  .filter((input) => input.caseId === caseId).map((input) => input.instanceId).filter((id): id is string => typeof id === 'string'))];

const principalOfInput = (input: Record<string, unknown>) => ({
  ...(typeof input.principalArn === 'string' ? { principal: input.principalArn } : {}),
  ...(typeof input.principalType === 'string' ? { principalType: input.principalType } : {}),
  ...(typeof input.accessKeyId === 'string' ? { accessKeyId: input.accessKeyId } : {}),
});

/** The first close-case execution that closed the case (a later one finds it closed: NO_ACTION), or how to close it. */
function closureOf(closes: ExecutionDetail[], caseId: string, local?: boolean): CaseView['closure'] {
  const closed = closes.filter((e) => e.status === 'SUCCEEDED' && parse(e.output).outcome === 'REMEDIATED')
    .sort((a, b) => a.startDate.getTime() - b.startDate.getTime())[0];
  if (closed) {
    const report = parse(closed.output);
    const snapshots = ((report.actions ?? []) as { resourceId?: string }[]).map((a) => a.resourceId).filter((id): id is string => typeof id === 'string');
    return { closed: true, closedAt: String(report.closedAt), execution: closed.name, reason: String(report.reason), snapshots };
  }
  const input = { caseId, reason: '<why the case is closed>' };
  return { closed: false, input, command: `remediate start close-case${local ? ' --local' : ''} --input '${JSON.stringify(input)}' --wait` };
}
