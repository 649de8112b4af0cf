import { locked, statesEntered, mutatingCalls, tag, withLockCalls } from './harness';
import { BUCKET_ARN, LOG_GROUP, ROLE_ARN, existingFlowLog, startFlowLogsHarness, type FlowLogsHarness } from './enable-flow-logs-harness';

let h: FlowLogsHarness;
beforeAll(async () => {
  h = await startFlowLogsHarness();
});
afterAll(async () => h?.moto.stop());

const APPLY_PATH = ['PlanFlowLogs', 'InitWork', 'RouteByPlan', 'CreateFlowLogs'];

describe('enable-flow-logs against an emulated account', () => {
  it('creates an S3 flow log on each VPC lacking one, verifies it and reports before/after', async () => {
    // Prepare
    const vpcs = [await h.createVpc('10.10.0.0/16'), await h.createVpc('10.11.0.0/16')];

    // Act
    const execution = await h.run({ vpcIds: vpcs, destination: 's3', maxAggregationInterval: 60, trigger: { source: 'cli', principal: 'test' } });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    for (const vpcId of vpcs) {
      const flowLogs = await h.flowLogsOf(vpcId);
      expect(flowLogs).toHaveLength(1);
      expect(flowLogs[0]).toMatchObject({
        FlowLogStatus: 'ACTIVE', LogDestinationType: 's3', LogDestination: BUCKET_ARN, TrafficType: 'ALL', MaxAggregationInterval: 60,
      });
      expect(tag(flowLogs[0]?.Tags, 'remediation:workflow')).toBe('enable-flow-logs');
      expect(tag(flowLogs[0]?.Tags, 'remediation:execution')).toBe(execution.name);
    }
    const report = execution.output as { outcome: string; target: string; vpcs: { vpcId: string; action: string; before: unknown[]; after: { flowLogId: string }[] }[]; actions: { action: string; resourceId: string }[] };
    expect(report).toMatchObject({ workflow: 'enable-flow-logs', outcome: 'REMEDIATED', mode: 'apply', destination: 's3', target: vpcs.join(','), trigger: { source: 'cli', principal: 'test' } });
    for (const vpcId of vpcs) {
      const [flowLog] = await h.flowLogsOf(vpcId);
      expect(report.vpcs.find((v) => v.vpcId === vpcId)).toMatchObject({ action: 'create', before: [], after: [{ flowLogId: flowLog?.FlowLogId, status: 'ACTIVE' }] });
    }
    expect(report.actions.map((a) => [a.action, a.resourceId]).sort()).toEqual(vpcs.map((v) => ['create-flow-log', v]).sort());
    expect(statesEntered(execution)).toEqual(locked(
      ...APPLY_PATH, 'CreateFlowLog', 'CreateFlowLog', 'CheckFlowLogs', 'RouteFlowLogs', 'BuildReport',
    ));
  });

  it('delivers to the KMS-encrypted log group through the delivery role, leaving a VPC\'s S3 flow log as it was', async () => {
    // Prepare
    const vpcId = await h.createVpc('10.12.0.0/16');
    const s3FlowLog = await existingFlowLog(h.ec2, vpcId, 's3');

    // Act
    const execution = await h.run({ vpcIds: [vpcId], destination: 'cloud-watch-logs', trafficType: 'REJECT' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const flowLogs = await h.flowLogsOf(vpcId);
    expect(flowLogs.map((f) => f.FlowLogId)).toContain(s3FlowLog);
    const created = flowLogs.filter((f) => f.FlowLogId !== s3FlowLog);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      FlowLogStatus: 'ACTIVE', LogDestinationType: 'cloud-watch-logs', LogGroupName: LOG_GROUP, DeliverLogsPermissionArn: ROLE_ARN,
      TrafficType: 'REJECT', MaxAggregationInterval: 600, DeliverLogsStatus: 'SUCCESS',
    });
    const report = execution.output as { outcome: string; vpcs: { before: { flowLogId: string }[]; after: { flowLogId: string }[] }[] };
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.vpcs[0]?.before.map((f) => f.flowLogId)).toEqual([s3FlowLog]);
    expect(report.vpcs[0]?.after.map((f) => f.flowLogId).sort()).toEqual([s3FlowLog, created[0]?.FlowLogId].sort());
  });

  it('NO_ACTION for VPCs that already have an ACTIVE flow log to that kind of destination, with no mutating call', async () => {
    // Prepare
    const vpcId = await h.createVpc('10.13.0.0/16');
    const before = await existingFlowLog(h.ec2, vpcId, 'cloud-watch-logs');

    // Act
    const execution = await h.run({ vpcIds: [vpcId], destination: 'cloud-watch-logs' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ outcome: 'NO_ACTION', actions: [], vpcs: [{ vpcId, action: 'none', before: [{ flowLogId: before }], after: [{ flowLogId: before }] }] });
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
    expect((await h.flowLogsOf(vpcId)).map((f) => f.FlowLogId)).toEqual([before]);
    expect(statesEntered(execution)).toEqual(locked('PlanFlowLogs', 'InitWork', 'RouteByPlan', 'BuildReport'));
  });

  it('plan mode returns the per-VPC plan and changes nothing', async () => {
    // Prepare
    const bare = await h.createVpc('10.14.0.0/16');
    const covered = await h.createVpc('10.15.0.0/16');
    await existingFlowLog(h.ec2, covered, 's3');

    // Act
    const execution = await h.run({ vpcIds: [bare, covered], destination: 's3', mode: 'plan' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      outcome: 'PLANNED', mode: 'plan', actions: [],
      vpcs: [{ vpcId: bare, action: 'create', before: [] }, { vpcId: covered, action: 'none' }],
    });
    expect(mutatingCalls(execution)).toEqual([]);
    expect(await h.flowLogsOf(bare)).toEqual([]);
  });

  it('allVpcs covers every VPC of the region, the default VPC included', async () => {
    // Act
    const execution = await h.run({ allVpcs: true, destination: 's3' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as { target: string; vpcs: { vpcId: string }[] };
    expect(report.target).toBe('all-vpcs');
    for (const { vpcId } of report.vpcs) {
      expect({ vpcId, s3: (await h.flowLogsOf(vpcId)).filter((f) => f.LogDestinationType === 's3' && f.FlowLogStatus === 'ACTIVE').length })
        .toEqual({ vpcId, s3: 1 });
    }
    expect(report.vpcs.length).toBeGreaterThanOrEqual(7);
  });
});
