import { CreateFlowLogsCommand, DescribeFlowLogsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { handler as Handler } from '../../../tasks/network/create-flow-log';
import { awsError } from '../fixtures';
import { BUCKET_ARN, EXECUTION, ROLE_ARN, VPC_A, flowLog, request, setDestinationEnv } from './fixtures';

const ec2 = mockClient(EC2Client);
let handler: typeof Handler;
beforeAll(async () => {
  // The handler reads the destinations once at load, as in Lambda.
  setDestinationEnv();
  ({ handler } = await import('../../../tasks/network/create-flow-log'));
});
beforeEach(() => ec2.reset());

const TAGS = [{ Key: 'remediation:workflow', Value: 'enable-flow-logs' }, { Key: 'remediation:execution', Value: EXECUTION.name }];
const event = (overrides: Parameters<typeof request>[0] = {}) => ({ vpcId: VPC_A, request: request(overrides), executionName: EXECUTION.name });

describe('create-flow-log', () => {
  it('creates an S3 flow log to the stack\'s bucket, tagged, with a client token per execution and VPC', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    ec2.on(CreateFlowLogsCommand).resolves({ FlowLogIds: ['fl-0new'], Unsuccessful: [] });

    // Act
    const out = await handler(event({ maxAggregationInterval: 60, logFormat: '${version} ${srcaddr}' }));

    // Assess
    expect(out).toEqual({ vpcId: VPC_A, flowLogId: 'fl-0new', created: true, at: expect.any(String) });
    expect(ec2).toHaveReceivedCommandWith(DescribeFlowLogsCommand, {
      Filter: [
        { Name: 'tag:remediation:workflow', Values: ['enable-flow-logs'] },
        { Name: 'tag:remediation:execution', Values: [EXECUTION.name] },
        { Name: 'resource-id', Values: [VPC_A] },
      ],
    });
    const input = ec2.commandCalls(CreateFlowLogsCommand)[0]?.args[0].input;
    expect(input).toEqual({
      ResourceIds: [VPC_A], ResourceType: 'VPC', TrafficType: 'ALL', MaxAggregationInterval: 60, LogFormat: '${version} ${srcaddr}',
      LogDestinationType: 's3', LogDestination: BUCKET_ARN, ClientToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      TagSpecifications: [{ ResourceType: 'vpc-flow-log', Tags: TAGS }],
    });
    await handler(event());
    expect(ec2.commandCalls(CreateFlowLogsCommand)[1]?.args[0].input.ClientToken).toBe(input?.ClientToken);
  });

  it('creates a CloudWatch Logs flow log to the stack\'s log group through the delivery role', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    ec2.on(CreateFlowLogsCommand).resolves({ FlowLogIds: ['fl-0new'] });

    // Act
    await handler(event({ destination: 'cloud-watch-logs', trafficType: 'REJECT' }));

    // Assess
    expect(ec2).toHaveReceivedCommandWith(CreateFlowLogsCommand, {
      LogDestinationType: 'cloud-watch-logs', LogGroupName: '/remediation/vpc-flow-logs', DeliverLogsPermissionArn: ROLE_ARN, TrafficType: 'REJECT',
    });
    expect(ec2.commandCalls(CreateFlowLogsCommand)[0]?.args[0].input.LogDestination).toBeUndefined();
  });

  it('is idempotent: a re-run finds the flow log this execution created and creates nothing', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [flowLog('fl-0ours', VPC_A, { Tags: TAGS })] });

    // Act
    const out = await handler(event());

    // Assess
    expect(out).toMatchObject({ vpcId: VPC_A, flowLogId: 'fl-0ours', created: true });
    expect(ec2).not.toHaveReceivedCommand(CreateFlowLogsCommand);
  });

  it.each([
    ['listed in Unsuccessful', () => ec2.on(CreateFlowLogsCommand).resolves({ FlowLogIds: [], Unsuccessful: [{ ResourceId: VPC_A, Error: { Code: 'FlowLogAlreadyExists', Message: 'exists' } }] })],
    ['thrown', () => ec2.on(CreateFlowLogsCommand).rejects(awsError('FlowLogAlreadyExists'))],
  ])('FlowLogAlreadyExists %s is success with the existing flow log, marked as not created by us', async (_how, answer) => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand)
      .resolvesOnce({ FlowLogs: [] })
      .resolves({ FlowLogs: [flowLog('fl-0cwl', VPC_A, { LogDestinationType: 'cloud-watch-logs', LogDestination: undefined, LogGroupName: '/x' }), flowLog('fl-0theirs', VPC_A)] });
    answer();

    // Act
    const out = await handler(event());

    // Assess
    expect(out).toMatchObject({ vpcId: VPC_A, flowLogId: 'fl-0theirs', created: false });
    expect(ec2).toHaveReceivedNthCommandWith(3, DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: [VPC_A] }] });
  });

  it('any other Unsuccessful entry is a PreconditionFailedError naming the VPC and the reason', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    ec2.on(CreateFlowLogsCommand).resolves({ Unsuccessful: [{ ResourceId: VPC_A, Error: { Code: '400', Message: 'LogDestination: bucket does not exist.' } }] });

    // Act / Assess
    await expect(handler(event())).rejects.toMatchObject({
      name: 'PreconditionFailedError', message: `CreateFlowLogs refused for ${VPC_A}: 400: LogDestination: bucket does not exist.`,
    });
  });

  it('a throttle listed in Unsuccessful is thrown under its name for the state machine to retry', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    ec2.on(CreateFlowLogsCommand).resolves({ Unsuccessful: [{ ResourceId: VPC_A, Error: { Code: 'RequestLimitExceeded', Message: 'slow down' } }] });

    // Act / Assess
    await expect(handler(event())).rejects.toMatchObject({ name: 'RequestLimitExceeded', message: 'slow down' });
  });

  it('re-throws SDK errors under their name', async () => {
    // Prepare
    ec2.on(DescribeFlowLogsCommand).resolves({ FlowLogs: [] });
    ec2.on(CreateFlowLogsCommand).rejects(awsError('UnauthorizedOperation'));

    // Act / Assess
    await expect(handler(event())).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
