import { DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/network/check-flow-logs';
import { awsError } from '../fixtures';
import { BUCKET_ARN, VPC_A, VPC_B, flowLog } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const AT = '2026-03-01T12:00:00.000Z';
const created = [{ vpcId: VPC_A, flowLogId: 'fl-0a', created: true, at: AT }, { vpcId: VPC_B, flowLogId: 'fl-0b', created: false, at: AT }];

describe('check-flow-logs', () => {
  it('completed when every flow log is ACTIVE and delivering, with what each looks like now', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A), flowLog('fl-0b', VPC_B)] });

    // Act
    const out = await handler({ flowLogs: created });

    // Assess
    expect(out).toMatchObject({ status: 'completed', count: 1 });
    expect(out.flowLogs).toEqual([
      { vpcId: VPC_A, flowLogId: 'fl-0a', status: 'ACTIVE', destinationType: 's3', destination: BUCKET_ARN, trafficType: 'ALL', deliverLogsStatus: 'SUCCESS' },
      { vpcId: VPC_B, flowLogId: 'fl-0b', status: 'ACTIVE', destinationType: 's3', destination: BUCKET_ARN, trafficType: 'ALL', deliverLogsStatus: 'SUCCESS' },
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, { FlowLogIds: ['fl-0a', 'fl-0b'] });
  });

  it('error with a VerificationFailedError naming the VPC and the delivery error', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({
      FlowLogs: [flowLog('fl-0a', VPC_A), flowLog('fl-0b', VPC_B, { DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: 'Access error' })],
    });

    // Act
    const out = await handler({ flowLogs: created });

    // Assess
    expect(out).toMatchObject({
      status: 'error',
      error: { Error: 'VerificationFailedError', Cause: `flow logs do not deliver: ${VPC_B}: flow log fl-0b cannot deliver to ${BUCKET_ARN}: Access error` },
    });
  });

  it('pending while a flow log is not ACTIVE yet or not yet visible, then error once it should be', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A, { FlowLogStatus: 'PENDING' })] });

    // Act
    const first = await handler({ flowLogs: created });
    const late = await handler({ flowLogs: created, poll: { ...first, count: 3 } });

    // Assess
    expect(first).toMatchObject({ status: 'pending', count: 1, waitSeconds: 5 });
    expect(late).toMatchObject({ status: 'error', error: { Error: 'VerificationFailedError', Cause: `flow logs do not deliver: ${VPC_B}: flow log fl-0b no longer exists` } });
  });

  it('reads every page', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolvesOnce({ FlowLogs: [flowLog('fl-0a', VPC_A)], NextToken: 'n' }).resolvesOnce({ FlowLogs: [flowLog('fl-0b', VPC_B)] });

    // Act
    const out = await handler({ flowLogs: created });

    // Assess
    expect(out.status).toBe('completed');
    expect(ec2).toHaveReceivedCommandTimes(DescribeFlowLogsCommand, 2);
  });

  it('fails with PollBudgetExceededError when still pending after the budget', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });

    // Act / Assess
    await expect(handler({ flowLogs: created.slice(0, 1), poll: { status: 'pending', count: 29, startedAt: AT, waitSeconds: 60, maxPolls: 30 } }))
      .resolves.toMatchObject({ status: 'error' });
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A, { FlowLogStatus: 'PENDING' })] });
    await expect(handler({ flowLogs: created.slice(0, 1), poll: { status: 'pending', count: 29, startedAt: AT, waitSeconds: 60, maxPolls: 30 } }))
      .rejects.toMatchObject({ name: 'PollBudgetExceededError' });
  });

  it('re-throws throttling under its SDK name', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ flowLogs: created })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
