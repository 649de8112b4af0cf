import type { AuditEvent } from './source';

export interface PendingApproval {
  state: string;
  taskToken: string;
  scheduledAt: Date;
}

const TOKEN_KEY = /^task_?token$/i;
const ENDED = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut', 'TaskSubmitFailed', 'TaskStartFailed']);

function findToken(value: unknown): string | undefined {
  if (typeof value === 'string') {
    // A parameter may itself hold JSON (an SNS message with the token inside).
    const text = value.trim();
    if (!text.startsWith('{')) return undefined;
    try {
      return findToken(JSON.parse(text));
    } catch {
      return undefined;
    }
  }
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (TOKEN_KEY.test(key) && typeof inner === 'string' && inner.length > 0) return inner;
    const found = findToken(inner);
    if (found) return found;
  }
  return undefined;
}

/**
 * The approval an execution waits for: the last `.waitForTaskToken` task scheduled and not yet
 * ended, whose parameters carry the task token (Step Functions resolves `$$.Task.Token` into them).
 */
export function pendingApproval(history: AuditEvent[]): PendingApproval | undefined {
  const byId = new Map(history.map((e) => [e.id, e]));
  const ended = new Set<number>();
  for (const event of history) {
    if (!ENDED.has(event.type)) continue;
    // Walk back to the TaskScheduled event this one answers.
    for (let e: AuditEvent | undefined = event; e; e = e.previousEventId ? byId.get(e.previousEventId) : undefined) {
      if (e.type === 'TaskScheduled') {
        ended.add(e.id);
        break;
      }
    }
  }
  const entered = new Map<number, string>();
  let pending: PendingApproval | undefined;
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) entered.set(event.id, String((event.stateEnteredEventDetails as { name?: string })?.name));
    if (event.type !== 'TaskScheduled' || ended.has(event.id)) continue;
    const details = event.taskScheduledEventDetails as { resource?: string; parameters?: string } | undefined;
    if (!details?.resource?.endsWith('.waitForTaskToken')) continue;
    const taskToken = findToken(details.parameters);
    if (!taskToken) continue;
    let state = '?';
    for (let e: AuditEvent | undefined = event; e; e = e.previousEventId ? byId.get(e.previousEventId) : undefined) {
      const name = entered.get(e.id);
      if (name) {
        state = name;
        break;
      }
    }
    pending = { state, taskToken, scheduledAt: event.timestamp };
  }
  return pending;
}
