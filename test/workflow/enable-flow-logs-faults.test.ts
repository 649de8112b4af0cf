import { lockedFailure, statesEntered, mutatingCalls, tag, withLockCalls } from './harness';
import { existingFlowLog, startFlowLogsHarness, type FlowLogsHarness } from './enable-flow-logs-harness';

let h: FlowLogsHarness;
beforeAll(async () => {
  h = await startFlowLogsHarness();
});
afterAll(async () => h?.moto.stop());

describe('enable-flow-logs refusals and failures', () => {
  it('refuses an unknown VPC before any change, naming it', async () => {
    // Prepare
    const known = await h.createVpc('10.20.0.0/16');

    // Act
    const execution = await h.run({ vpcIds: [known, 'vpc-0123456789abcdef0'], destination: 's3' });

    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ResourceNotFoundError', cause: 'VPC not found in this account and region: vpc-0123456789abcdef0' });
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
    expect(statesEntered(execution)).toEqual(lockedFailure('PlanFlowLogs'));
    expect(await h.flowLogsOf(known)).toEqual([]);
  });

  it('refuses a malformed input naming the field', async () => {
    // Act
    const execution = await h.run({ vpcIds: ['vpc-1'], destination: 's3' });

    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidInputError', cause: 'invalid input: vpcIds.0: must look like vpc-0123456789abcdef0' });
    expect(execution.faults.callLog).toEqual([]);
  });

  it('fails with VerificationFailedError naming the VPC and the reason when delivery fails, deleting only what it created', async () => {
    // Prepare
    const vpcId = await h.createVpc('10.21.0.0/16');
    const earlier = await existingFlowLog(h.ec2, vpcId, 'cloud-watch-logs');

    // Act
    const execution = await h.run({ vpcIds: [vpcId], destination: 's3' }, { faults: { flowLogDeliveryError: 'Access error' } });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('VerificationFailedError');
    expect(execution.cause).toMatch(new RegExp(`^flow logs do not deliver: ${vpcId}: flow log fl-[0-9a-f]+ cannot deliver to arn:aws:s3:::\\S+: Access error \\(deleted the flow logs this execution created: fl-[0-9a-f]+\\)$`));
    expect((await h.flowLogsOf(vpcId)).map((f) => f.FlowLogId)).toEqual([earlier]);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account', 'ec2:CreateFlowLogs', 'ec2:DeleteFlowLogs'));
    expect(statesEntered(execution).slice(-7)).toEqual([
      'CheckFlowLogs', 'RouteFlowLogs', 'RecordVerificationError', 'RemoveCreatedFlowLogs', 'FlowLogsFailed', 'ReleaseLockAfterFailure', 'Failed',
    ]);
  });

  it('creates one flow log when CreateFlowLogs took effect but its answer was lost (the retry finds it by tags)', async () => {
    // Prepare
    const vpcId = await h.createVpc('10.22.0.0/16');

    // Act
    const execution = await h.run({ vpcIds: [vpcId], destination: 's3' }, { faults: { failAfterSuccessOnce: ['CreateFlowLogs'] } });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected).toEqual([{ fault: 'answer-lost', command: 'ec2:CreateFlowLogs' }]);
    const flowLogs = await h.flowLogsOf(vpcId);
    expect(flowLogs).toHaveLength(1);
    expect(tag(flowLogs[0]?.Tags, 'remediation:execution')).toBe(execution.name);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account', 'ec2:CreateFlowLogs'));
  });

  it('retries throttling on every call and still ends right', async () => {
    // Prepare
    const vpcId = await h.createVpc('10.23.0.0/16');

    // Act
    const execution = await h.run({ vpcIds: [vpcId], destination: 'cloud-watch-logs' }, { faults: { throttleEachCallOnce: true } });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected.map((f) => f.command).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'ec2:CreateFlowLogs', 'ec2:DescribeFlowLogs', 'ec2:DescribeVpcs']);
    expect((await h.flowLogsOf(vpcId)).map((f) => f.LogDestinationType)).toEqual(['cloud-watch-logs']);
  });

  it('a CreateFlowLogs refusal fails the execution and removes the flow logs already created for other VPCs', async () => {
    // Prepare
    const vpcs = [await h.createVpc('10.24.0.0/16'), await h.createVpc('10.25.0.0/16')];

    // Act
    const execution = await h.run({ vpcIds: vpcs, destination: 's3' }, {
      faults: { failCall: { command: 'CreateFlowLogs', nth: 2, errorName: 'UnauthorizedOperation', message: 'not allowed (injected)' } },
    });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('UnauthorizedOperation');
    expect(execution.cause).toMatch(/^not allowed \(injected\) \(deleted the flow logs this execution created: fl-[0-9a-f]+\)$/);
    for (const vpcId of vpcs) expect(await h.flowLogsOf(vpcId)).toEqual([]);
  });
});
