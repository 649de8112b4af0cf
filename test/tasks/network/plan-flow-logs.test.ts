import { DescribeFlowLogsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/network/plan-flow-logs';
import { awsError } from '../fixtures';
import { EXECUTION, VPC_A, VPC_B, flowLog, request } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

describe('plan-flow-logs', () => {
  it('plans a flow log for a VPC without one and none for a VPC with an ACTIVE one to the same kind of destination', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC_A }, { VpcId: VPC_B }] });
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0b', VPC_B)] });

    // Act
    const plan = await handler({ request: request({ vpcIds: [VPC_A, VPC_B] }), execution: EXECUTION });

    // Assess
    expect(plan).toEqual({
      outcome: 'PROCEED', destination: 's3', toCreate: [{ vpcId: VPC_A }],
      vpcs: [
        { vpcId: VPC_A, action: 'create', reason: 'no ACTIVE flow log to s3', before: [] },
        {
          vpcId: VPC_B, action: 'none', reason: 'flow log fl-0b already delivers to s3',
          before: [{ flowLogId: 'fl-0b', status: 'ACTIVE', destinationType: 's3', destination: 'arn:aws:s3:::remediation-flow-logs', trafficType: 'ALL', deliverLogsStatus: 'SUCCESS' }],
        },
      ],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeVpcsCommand, { Filters: [{ Name: 'vpc-id', Values: [VPC_A, VPC_B] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: [VPC_A, VPC_B] }] });
  });

  it('a flow log to another kind of destination does not count', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC_A }] });
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A, { LogDestinationType: 'cloud-watch-logs', LogDestination: undefined, LogGroupName: '/x' })] });

    // Act
    const plan = await handler({ request: request(), execution: EXECUTION });

    // Assess
    expect(plan.outcome).toBe('PROCEED');
    expect(plan.vpcs[0]).toMatchObject({ action: 'create', before: [{ flowLogId: 'fl-0a', destinationType: 'cloud-watch-logs', destination: '/x' }] });
  });

  it('NO_ACTION when every VPC is covered; PLANNED in plan mode', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC_A }] });
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });

    // Act
    const planned = await handler({ request: request({ mode: 'plan' }), execution: EXECUTION });
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0a', VPC_A)] });
    const covered = await handler({ request: request(), execution: EXECUTION });

    // Assess
    expect(planned).toMatchObject({ outcome: 'PLANNED', toCreate: [{ vpcId: VPC_A }] });
    expect(covered).toMatchObject({ outcome: 'NO_ACTION', toCreate: [] });
  });

  it('refuses unknown VPCs with ResourceNotFoundError naming them', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC_A }] });

    // Act / Assess
    await expect(handler({ request: request({ vpcIds: [VPC_A, VPC_B] }), execution: EXECUTION }))
      .rejects.toMatchObject({ name: 'ResourceNotFoundError', message: `VPC not found in this account and region: ${VPC_B}` });
    expect(ec2).not.toHaveReceivedCommand(DescribeFlowLogsCommand);
  });

  it('allVpcs reads every page of VPCs and of flow logs', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolvesOnce({ Vpcs: [{ VpcId: VPC_B }], NextToken: 'p2' }).resolvesOnce({ Vpcs: [{ VpcId: VPC_A }] });
    ec2.on(DescribeFlowLogsCommand)
      .resolvesOnce({ FlowLogs: [flowLog('fl-0a', VPC_A)], NextToken: 'f2' })
      .resolvesOnce({ FlowLogs: [flowLog('fl-0b', VPC_B)] });

    // Act
    const plan = await handler({ request: request({ vpcIds: undefined, allVpcs: true }), execution: EXECUTION });

    // Assess
    expect(plan.outcome).toBe('NO_ACTION');
    expect(plan.vpcs.map((v) => [v.vpcId, v.action])).toEqual([[VPC_A, 'none'], [VPC_B, 'none']]);
    expect(ec2).toHaveReceivedNthCommandWith(2, DescribeVpcsCommand, { NextToken: 'p2' });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: [VPC_A, VPC_B] }], NextToken: 'f2' });
  });

  it('refuses more VPCs than one execution handles', async () => {
    // Prepare
    const many = Array.from({ length: 101 }, (_, i) => ({ VpcId: `vpc-${i.toString(16).padStart(17, '0')}` }));
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: many });

    // Act / Assess
    await expect(handler({ request: request({ vpcIds: undefined, allVpcs: true }), execution: EXECUTION }))
      .rejects.toMatchObject({ name: 'PreconditionFailedError', message: '101 VPCs; one execution handles at most 100: split them with vpcIds' });
  });

  it('re-throws throttling under its SDK name for the state machine to retry', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
