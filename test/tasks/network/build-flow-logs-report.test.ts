import { handler } from '../../../tasks/network/build-flow-logs-report';
import type { FlowLogSummary, FlowLogsPlan } from '../../../tasks/network/lib/flow-logs';
import { BUCKET_ARN, EXECUTION, VPC_A, VPC_B, request } from './fixtures';

const summary = (flowLogId: string, overrides: Partial<FlowLogSummary> = {}): FlowLogSummary => ({
  flowLogId, status: 'ACTIVE', destinationType: 's3', destination: BUCKET_ARN, trafficType: 'ALL', deliverLogsStatus: 'SUCCESS', ...overrides,
});
const plan = (outcome: FlowLogsPlan['outcome']): FlowLogsPlan => ({
  outcome, destination: 's3', toCreate: [{ vpcId: VPC_A }],
  vpcs: [
    { vpcId: VPC_A, action: 'create', reason: 'no ACTIVE flow log to s3', before: [summary('fl-0cwl', { destinationType: 'cloud-watch-logs', destination: '/x' })] },
    { vpcId: VPC_B, action: 'none', reason: 'flow log fl-0b already delivers to s3', before: [summary('fl-0b')] },
  ],
});
const AT = '2026-03-01T12:00:05.000Z';

describe('build-flow-logs-report', () => {
  it('REMEDIATED: per VPC before/after and one action per created flow log', async () => {
    // Act
    const report = await handler({
      request: request({ vpcIds: [VPC_A, VPC_B], trigger: { source: 'cli', principal: 'me' } }), execution: EXECUTION, plan: plan('PROCEED'),
      work: {
        created: [{ vpcId: VPC_A, flowLogId: 'fl-0new', created: true, at: AT }],
        verification: { status: 'completed', count: 1, startedAt: AT, waitSeconds: 5, maxPolls: 30, flowLogs: [{ vpcId: VPC_A, ...summary('fl-0new') }] },
      },
    });

    // Assess
    expect(report).toEqual({
      workflow: 'enable-flow-logs', target: `${VPC_A},${VPC_B}`, execution: EXECUTION.name, outcome: 'REMEDIATED', mode: 'apply',
      trigger: { source: 'cli', principal: 'me' }, startedAt: EXECUTION.startTime, finishedAt: expect.any(String), destination: 's3',
      vpcs: [
        { vpcId: VPC_A, action: 'create', reason: 'no ACTIVE flow log to s3', before: plan('PROCEED').vpcs[0]!.before, after: [...plan('PROCEED').vpcs[0]!.before, summary('fl-0new')] },
        { vpcId: VPC_B, action: 'none', reason: 'flow log fl-0b already delivers to s3', before: [summary('fl-0b')], after: [summary('fl-0b')] },
      ],
      actions: [{
        action: 'create-flow-log', resourceId: VPC_A, at: AT,
        before: { flowLogs: plan('PROCEED').vpcs[0]!.before },
        after: { flowLogId: 'fl-0new', flowLogs: [...plan('PROCEED').vpcs[0]!.before, summary('fl-0new')] },
      }],
    });
  });

  it('a flow log that was already there is reported as found, not created', async () => {
    // Act
    const report = await handler({
      request: request(), execution: EXECUTION, plan: plan('PROCEED'),
      work: { created: [{ vpcId: VPC_A, flowLogId: 'fl-0x', created: false, at: AT }], verification: { status: 'completed', count: 1, startedAt: AT, waitSeconds: 5, maxPolls: 30, flowLogs: [] } },
    });

    // Assess
    expect(report.actions.map((a) => a.action)).toEqual(['found-flow-log']);
  });

  it.each(['NO_ACTION', 'PLANNED'] as const)('%s: no actions, after equals before, all-vpcs target', async (outcome) => {
    // Act
    const report = await handler({ request: request({ vpcIds: undefined, allVpcs: true, mode: outcome === 'PLANNED' ? 'plan' : 'apply' }), execution: EXECUTION, plan: plan(outcome), work: { verification: undefined } });

    // Assess
    expect(report).toMatchObject({ outcome, target: 'all-vpcs', actions: [] });
    expect(report.vpcs.map((v) => v.after)).toEqual(report.vpcs.map((v) => v.before));
  });
});
