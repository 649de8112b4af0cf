import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toHistory } from '../../local/history';
import type { LocalEvent, LocalExecution } from '../../local/runner';
import { loadExecutions, saveExecution } from '../../local/store';
import { FaultLayer } from '../../local/faults';

const at = '2026-11-27T12:00:00.000Z';
const events: LocalEvent[] = [
  { at, type: 'ExecutionStarted', input: { instanceId: 'i-0123456789abcdef0' } },
  { at, type: 'StateEntered', state: 'Preflight', stateType: 'Task', input: { a: 1 } },
  { at, type: 'StateFailed', state: 'Preflight', stateType: 'Task', error: 'RequestLimitExceeded', cause: 'Rate exceeded' },
  { at, type: 'StateRetried', state: 'Preflight', stateType: 'Task', input: { a: 1 } },
  { at, type: 'StateExited', state: 'Preflight', stateType: 'Task', output: { ok: true } },
  { at, type: 'StateEntered', state: 'Route', stateType: 'Choice', input: {} },
  { at, type: 'StateExited', state: 'Route', stateType: 'Choice', output: {} },
  { at, type: 'ExecutionFailed', error: 'RemediationRolledBack', cause: '{"outcome":"ROLLED_BACK"}' },
];

describe('local history in Step Functions shape', () => {
  it('turns a retried task and a failure into the events GetExecutionHistory would list', () => {
    const history = toHistory({ events, input: { instanceId: 'i-0123456789abcdef0' } });

    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited',
      'ChoiceStateEntered', 'ChoiceStateExited', 'ExecutionFailed',
    ]);
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    expect(history[4]).toMatchObject({ lambdaFunctionFailedEventDetails: { error: 'RequestLimitExceeded', cause: 'Rate exceeded' } });
    expect(history[8]).toMatchObject({ stateExitedEventDetails: { name: 'Preflight', output: '{"ok":true}' } });
    expect(history[11]).toMatchObject({ executionFailedEventDetails: { error: 'RemediationRolledBack', cause: '{"outcome":"ROLLED_BACK"}' } });
  });

  it('stores and reloads an execution with its ARNs, status and history', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    try {
      const execution: LocalExecution = {
        name: 'encrypt-volumes-i-0123456789abcdef0-20261127T120000Z', workflow: 'encrypt-volumes', input: { instanceId: 'i-0123456789abcdef0' },
        status: 'FAILED', error: 'RemediationRolledBack', cause: '{}', startDate: at, stopDate: at, events, invocations: {}, faults: new FaultLayer(),
      };

      saveExecution(execution, dir);
      const [loaded] = loadExecutions(dir);

      expect(loaded).toMatchObject({
        name: execution.name,
        status: 'FAILED',
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-encrypt-volumes',
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${execution.name}`,
        input: '{"instanceId":"i-0123456789abcdef0"}',
        error: 'RemediationRolledBack',
      });
      expect(loaded?.history).toHaveLength(12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
