import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../../fixtures';
import { EXECUTION, IN_24H, NACL, plan, request } from './fixtures';

const UNBLOCK_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-unblock-source-ip';
process.env.UNBLOCK_STATE_MACHINE_ARN = UNBLOCK_ARN;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler: startExpiry, expiryExecutionName } = require('../../../../tasks/network/start-block-expiry') as typeof import('../../../../tasks/network/start-block-expiry');
import { handler as buildBlockReport } from '../../../../tasks/network/build-block-report';
import { handler as buildUnblockReport } from '../../../../tasks/network/build-unblock-report';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
const ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-block-source-ip:${EXECUTION.name}`;

describe('start-block-expiry', () => {
  it("starts unblock-source-ip for this execution's entries, onlyExpired, under a name derived from the block's", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'x', startDate: new Date() });

    const out = await startExpiry({ executionName: EXECUTION.name, executionArn: ARN });

    expect(out).toMatchObject({ execution: `unblock-source-ip-expiry-${EXECUTION.name}`, alreadyStarted: false });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: UNBLOCK_ARN, name: `unblock-source-ip-expiry-${EXECUTION.name}`,
      input: JSON.stringify({ blockExecution: EXECUTION.name, onlyExpired: true, trigger: { source: 'eventbridge', parentExecution: ARN } }),
    });
  });

  it('a retry after a lost answer finds the removal it started (ExecutionAlreadyExists); other errors pass on', async () => {
    sfn.on(StartExecutionCommand).rejectsOnce(awsError('ExecutionAlreadyExists', 'exists')).rejectsOnce(awsError('ThrottlingException', 'slow'));

    await expect(startExpiry({ executionName: EXECUTION.name, executionArn: ARN })).resolves.toMatchObject({ alreadyStarted: true });
    await expect(startExpiry({ executionName: EXECUTION.name, executionArn: ARN })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('names stay within 80 characters', () => {
    expect(expiryExecutionName(`block-source-ip-${'x'.repeat(64)}`)).toHaveLength(80);
  });
});

describe('build-block-report', () => {
  it('lists creations, evictions and extensions, and what the expiry will remove', async () => {
    const out = await buildBlockReport({
      request: request(), execution: EXECUTION, plan: plan(),
      work: { applied: { created: [{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1 }], extended: [], evicted: [], at: '2026-03-01T12:00:01.000Z' } },
    });

    expect(out).toMatchObject({
      workflow: 'block-source-ip', target: NACL, outcome: 'REMEDIATED', expiresAt: IN_24H,
      actions: [{ action: 'create-deny-entry', resourceId: NACL, after: { cidr: '203.0.113.7/32', ruleNumber: 1, direction: 'ingress', expiresAt: IN_24H } }],
      expiry: { wakeAt: IN_24H, entries: [{ naclId: NACL, direction: 'ingress', cidr: '203.0.113.7/32' }] },
    });
  });

  it('only extensions: NO_ACTION, still with an expiry; a plan or nothing applied has no expiry', async () => {
    const extended = await buildBlockReport({
      request: request(), execution: EXECUTION, plan: plan(),
      work: { applied: { created: [], evicted: [], extended: [{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1, from: '2026-03-01T13:00:00.000Z', to: IN_24H }] } },
    });
    const planned = await buildBlockReport({ request: request({ mode: 'plan' }), execution: EXECUTION, plan: plan({ outcome: 'PLANNED' }), work: { applied: { created: [], extended: [], evicted: [] } } });

    expect(extended).toMatchObject({ outcome: 'NO_ACTION', actions: [{ action: 'extend-expiry', before: { expiresAt: '2026-03-01T13:00:00.000Z' }, after: { expiresAt: IN_24H } }], expiry: { wakeAt: IN_24H } });
    expect(planned.outcome).toBe('PLANNED');
    expect(planned.expiry).toBeUndefined();
  });
});

describe('build-unblock-report', () => {
  it('lists each removal and what was left alone', async () => {
    const out = await buildUnblockReport({
      request: { blockExecution: 'b', onlyExpired: false, mode: 'apply', trigger: { source: 'console' } }, execution: EXECUTION,
      plan: { outcome: 'PROCEED', naclIds: [NACL], remove: [], skipped: [{ naclId: NACL, cidr: '192.0.2.1/32', reason: 'not blocked' }] },
      work: { removed: { removed: [{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1, entry: 'already-missing' }], at: '2026-03-01T12:00:01.000Z' } },
    });

    expect(out).toMatchObject({
      workflow: 'unblock-source-ip', target: 'b', outcome: 'REMEDIATED', skipped: [{ cidr: '192.0.2.1/32' }],
      actions: [{ action: 'remove-deny-entry', resourceId: NACL, before: { cidr: '203.0.113.7/32', ruleNumber: 1 }, after: { entry: 'already-missing' } }],
    });
  });

  it('names each block execution an early unblock stopped (an action) or left waiting (not an action)', async () => {
    const blockExecutions = [
      { blockExecution: 'block-a', status: 'stopped' as const },
      { blockExecution: 'block-b', status: 'still-waiting' as const, remaining: [{ naclId: NACL, cidr: '192.0.2.9/32' }] },
    ];
    const out = await buildUnblockReport({
      request: { cidrs: ['203.0.113.7/32'], naclIds: [NACL], onlyExpired: false, mode: 'apply', trigger: { source: 'console' } }, execution: EXECUTION,
      plan: { outcome: 'PROCEED', naclIds: [NACL], remove: [], skipped: [] },
      work: { removed: { removed: [], at: '2026-03-01T12:00:01.000Z' }, blockExecutions },
    });

    expect(out.blockExecutions).toEqual(blockExecutions);
    expect(out.actions).toEqual([{ action: 'stop-block-execution', resourceId: 'block-a', before: { status: 'RUNNING' }, after: { status: 'ABORTED' }, at: '2026-03-01T12:00:01.000Z' }]);
  });
});
