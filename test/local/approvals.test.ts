import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { answerTaskToken, pendingTask, storeApprover } from '../../local/approvals';
import type { ApprovalRequest } from '../../local/runner';

let dir: string;
const request = (execution: string, timeoutSeconds = 60): ApprovalRequest => ({
  execution, state: 'RequestApproval', payload: {}, taskToken: `local-task-token:${execution}`, timeoutSeconds,
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${execution}`,
});
/** Runs the approver until it records its request, then hands control back. */
async function waitingFor(execution: string) {
  let recorded!: () => void;
  const isWaiting = new Promise<void>((resolve) => (recorded = resolve));
  const answer = storeApprover(dir, { pollMs: 10, onWaiting: () => recorded() })(request(execution));
  await isWaiting;
  return { answer }; // wrapped: an async function returning the promise would wait for it
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'approvals-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('local task-token answers through the store', () => {
  it('an approval is handed on as written, as SendTaskSuccess would: who approved is for the workflow to verify from its proof', async () => {
    const { answer } = await waitingFor('run-1');
    // A hand-written answer that claims someone: a claim the workflow ignores (RequestApprovalVerifyApprover).
    writeFileSync(path.join(dir, 'task-tokens', 'run-1.answer'), JSON.stringify({ approved: true, principal: 'mallory' }));

    expect(await answer).toEqual({ taskSuccess: { approved: true, principal: 'mallory' } });
    expect(pendingTask(dir, 'run-1')).toBeUndefined();
  });

  it('a rejection carries its reason; the token then takes no second answer', async () => {
    const { answer } = await waitingFor('run-2');

    const pending = answerTaskToken(dir, 'local-task-token:run-2', { approved: false, reason: 'not now' });

    expect(pending).toMatchObject({ execution: 'run-2', state: 'RequestApproval', pid: process.pid });
    expect(() => answerTaskToken(dir, 'local-task-token:run-2', { approved: true })).toThrow('task token local-task-token:run-2 was already answered');
    expect(await answer).toEqual({ approved: false, reason: 'not now', principal: userInfo().username });
  });

  it('refuses a token no local run waits for, with Step Functions\' error name', () => {
    expect(() => answerTaskToken(dir, 'local-task-token:nobody', { approved: true })).toThrow(expect.objectContaining({
      name: 'TaskDoesNotExist', message: 'no local run waits for task token local-task-token:nobody',
    }));
  });

  it('no answer within the state\'s timeout is a timeout, and the request is withdrawn', async () => {
    const answer = await storeApprover(dir, { pollMs: 10 })(request('run-3', 0));

    expect(answer).toEqual({ timeout: true });
    expect(pendingTask(dir, 'run-3')).toBeUndefined();
  });
});
