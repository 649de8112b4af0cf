import { DeleteFlowLogsCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/network/remove-created-flow-logs';
import { awsError } from '../fixtures';
import { EXECUTION, VPC_A, VPC_B, flowLog } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const error = { Error: 'VerificationFailedError', Cause: 'flow logs do not deliver: x' };

describe('remove-created-flow-logs', () => {
  it('deletes the flow logs this execution created (every page) and reports the original error with what was removed', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolvesOnce({ FlowLogs: [flowLog('fl-0a', VPC_A)], NextToken: 'n' }).resolvesOnce({ FlowLogs: [flowLog('fl-0b', VPC_B)] });
    ec2.on(DeleteFlowLogsCommand).resolves({ Unsuccessful: [] });

    // Act
    const out = await handler({ executionName: EXECUTION.name, error });

    // Assess
    expect(out).toEqual({
      removed: ['fl-0a', 'fl-0b'], error: 'VerificationFailedError',
      cause: 'flow logs do not deliver: x (deleted the flow logs this execution created: fl-0a, fl-0b)',
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, {
      Filter: [{ Name: 'tag:remediation:workflow', Values: ['enable-flow-logs'] }, { Name: 'tag:remediation:execution', Values: [EXECUTION.name] }],
    });
    expect(ec2).toHaveReceivedCommandWith(DeleteFlowLogsCommand, { FlowLogIds: ['fl-0a', 'fl-0b'] });
  });

  it('is idempotent: nothing left to delete is no error, and deletes nothing', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });

    // Act
    const out = await handler({ executionName: EXECUTION.name, error });

    // Assess
    expect(out).toEqual({ removed: [], error: 'VerificationFailedError', cause: 'flow logs do not deliver: x (this execution had created no flow log)' });
    expect(ec2).not.toHaveReceivedCommand(DeleteFlowLogsCommand);
  });

  it('a flow log already gone counts as removed; any other refusal fails the cleanup', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A)] });
    ec2.on(DeleteFlowLogsCommand).resolvesOnce({ Unsuccessful: [{ ResourceId: 'fl-0a', Error: { Code: 'InvalidFlowLogId.NotFound', Message: 'gone' } }] })
      .resolvesOnce({ Unsuccessful: [{ ResourceId: 'fl-0a', Error: { Code: 'UnauthorizedOperation', Message: 'no' } }] });

    // Act / Assess
    await expect(handler({ executionName: EXECUTION.name, error })).resolves.toMatchObject({ removed: ['fl-0a'] });
    await expect(handler({ executionName: EXECUTION.name, error })).rejects.toThrow('could not delete flow logs: fl-0a: UnauthorizedOperation no');
  });

  it('re-throws throttling under its SDK name', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ executionName: EXECUTION.name, error })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
