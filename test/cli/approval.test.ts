import { pendingApproval } from '../../cli/audit/approval';
import type { AuditEvent } from '../../cli/audit/source';

const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s));
const scheduled = (id: number, previousEventId: number, parameters: unknown, resource = 'invoke.waitForTaskToken'): AuditEvent => ({
  id, previousEventId, timestamp: t(id), type: 'TaskScheduled', taskScheduledEventDetails: { resource, resourceType: 'lambda', parameters: JSON.stringify(parameters) },
});
const entered = (id: number, previousEventId: number, name: string): AuditEvent => ({ id, previousEventId, timestamp: t(id), type: 'TaskStateEntered', stateEnteredEventDetails: { name } });

describe('pendingApproval', () => {
  it('finds the token of the waiting step, also inside a JSON message (an SNS publish gate)', () => {
    const history = [
      entered(1, 0, 'AskOps'),
      scheduled(2, 1, { TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: JSON.stringify({ TaskToken: 'tok-sns' }) }, 'publish.waitForTaskToken'),
    ];

    expect(pendingApproval(history)).toEqual({ state: 'AskOps', taskToken: 'tok-sns', scheduledAt: t(2) });
  });

  it('ignores a step that was answered or timed out, and tasks that do not wait for a token', () => {
    const history: AuditEvent[] = [
      entered(1, 0, 'RequestApproval'),
      scheduled(2, 1, { Payload: { taskToken: 'tok-1' } }),
      { id: 3, previousEventId: 2, timestamp: t(3), type: 'TaskTimedOut' },
      entered(4, 3, 'Preflight'),
      scheduled(5, 4, { Payload: { taskToken: 'not-a-gate' } }, 'invoke'),
    ];

    expect(pendingApproval(history)).toBeUndefined();
  });

  it('takes the latest waiting step when an earlier one was answered', () => {
    const history: AuditEvent[] = [
      entered(1, 0, 'ApproveStop'),
      scheduled(2, 1, { Payload: { taskToken: 'tok-1' } }),
      { id: 3, previousEventId: 2, timestamp: t(3), type: 'TaskSucceeded' },
      entered(4, 3, 'ApproveSwap'),
      scheduled(5, 4, { Payload: { taskToken: 'tok-2' } }),
    ];

    expect(pendingApproval(history)).toMatchObject({ state: 'ApproveSwap', taskToken: 'tok-2' });
  });
});
