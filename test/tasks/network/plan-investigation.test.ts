import { DescribeFlowLogsCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupRulesCommand, EC2Client, type FlowLog } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, windowOf } from '../../../tasks/network/plan-investigation';
import { awsError } from '../fixtures';
import { ADDRESS, ENI, EXECUTION, GROUP, INSTANCE, SUBNET, VPC, request } from './investigate-fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{
    NetworkInterfaceId: ENI, SubnetId: SUBNET, VpcId: VPC, OwnerId: '123456789012', PrivateIpAddresses: [{ PrivateIpAddress: ADDRESS }],
    Groups: [{ GroupId: GROUP }], Attachment: { InstanceId: INSTANCE },
  }] });
  ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [
    { GroupId: GROUP, SecurityGroupRuleId: 'sgr-ssh', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
  ] });
});
const flowLog = (id: string, resourceId: string, overrides: Partial<FlowLog> = {}): FlowLog => ({
  FlowLogId: id, ResourceId: resourceId, FlowLogStatus: 'ACTIVE', LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::flow-logs/team-a', ...overrides,
});

describe('plan-investigation', () => {
  it('finds the instance\'s ENIs, reads each from its most specific flow log, and reviews its groups', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [
      flowLog('fl-vpc', VPC, { LogDestinationType: 'cloud-watch-logs', LogGroupName: '/vpc' }),
      flowLog('fl-subnet', SUBNET, { LogFormat: '${srcaddr} ${dstaddr}', DestinationOptions: { HiveCompatiblePartitions: true, PerHourPartition: true, FileFormat: 'plain-text' } }),
    ] });

    // Act
    const plan = await handler({ request: request({ eniIds: undefined, instanceId: INSTANCE }), execution: EXECUTION });

    // Assess
    expect(plan).toMatchObject({ outcome: 'PROCEED', target: INSTANCE, window: { from: '2026-03-01T11:00:00.000Z', to: EXECUTION.startTime } });
    expect(plan.sources).toEqual([{
      flowLogId: 'fl-subnet', resourceId: SUBNET, destinationType: 's3', bucket: 'flow-logs', prefix: 'team-a', hive: true, perHour: true,
      logFormat: '${srcaddr} ${dstaddr}', eniIds: [ENI],
    }]);
    expect(plan.worldOpen.map((r) => r.ruleId)).toEqual(['sgr-ssh']);
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'attachment.instance-id', Values: [INSTANCE] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: [ENI, SUBNET, VPC] }] });
  });

  it('refuses with PreconditionFailedError naming enable-flow-logs when no readable flow log covers an ENI', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [
      flowLog('fl-firehose', VPC, { LogDestinationType: 'kinesis-data-firehose' }),
      flowLog('fl-parquet', SUBNET, { DestinationOptions: { FileFormat: 'parquet' } }),
    ] });

    // Act / Assess
    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({
      name: 'PreconditionFailedError',
      message: expect.stringMatching(/no readable flow log covers eni-0aaaaaaaaaaaaaaa1 .*kinesis-data-firehose.*Parquet.*run enable-flow-logs first/),
    });
  });

  it('in plan mode says PLANNED and carries a block request as not started', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-eni', ENI, { LogDestinationType: 'cloud-watch-logs', LogGroupName: '/eni' })] });

    // Act
    const plan = await handler({ request: request({ mode: 'plan', block: true, blockCidrs: ['203.0.113.5/32'] }), execution: EXECUTION });

    // Assess
    expect(plan.outcome).toBe('PLANNED');
    expect(plan.sources).toEqual([{ flowLogId: 'fl-eni', resourceId: ENI, destinationType: 'cloud-watch-logs', logGroupName: '/eni', eniIds: [ENI] }]);
    expect(plan.block).toEqual({ workflow: 'block-source-ip', status: 'not-started', reason: expect.stringContaining('plan mode: nothing is started'), input: { cidrs: ['203.0.113.5/32'], subnetIds: [SUBNET], approval: true } });
  });

  it('an unknown ENI is ResourceNotFoundError', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('InvalidNetworkInterfaceID.NotFound'));
    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });

  it('passes throttling on for Retry', async () => {
    ec2.on(DescribeFlowLogsCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('windowOf', () => {
  it('defaults to the hour before the execution started, or an hour from `from`', () => {
    expect(windowOf(request(), EXECUTION.startTime)).toEqual({ from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z' });
    expect(windowOf(request({ from: '2026-02-01T00:00:00Z' }), EXECUTION.startTime)).toEqual({ from: '2026-02-01T00:00:00.000Z', to: '2026-02-01T01:00:00.000Z' });
  });
});
