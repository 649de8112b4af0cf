import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { ACCOUNT, startInvestigateHarness, v2, type Eni, type InvestigateHarness } from './investigate-traffic-harness';
import { statesEntered } from './harness';
import type { ApprovalRequest, LocalExecution } from '../../local/runner';
import type { InvestigationReport } from '../../tasks/network/build-investigation-report';

let h: InvestigateHarness;
beforeAll(async () => {
  h = await startInvestigateHarness();
});
afterAll(async () => h?.moto.stop());

/** The only calls an investigation may make: reads. */
const READS = new Set(['ec2:DescribeNetworkInterfaces', 'ec2:DescribeFlowLogs', 'ec2:DescribeSecurityGroupRules', 'logs:FilterLogEvents', 's3:ListObjectsV2', 's3:GetObject']);
const notReads = (calls: string[]) => calls.filter((c) => !READS.has(c));

const NOW = Math.floor(Date.now() / 1000);
const WINDOW = { from: new Date((NOW - 3600) * 1000).toISOString(), to: new Date(NOW * 1000).toISOString() };
const ATTACKER = '203.0.113.5';
const SCANNER = '198.51.100.9';
const WEB = '93.184.216.34';

describe('investigate-traffic against an emulated account', () => {
  let cw: Eni;
  beforeAll(async () => {
    cw = await h.createEni('10.30.1.0/24');
    await h.flowLogToCloudWatch(cw.eniId);
    const t = NOW - 1800;
    await h.putEvents(cw.eniId, [
      ...[0, 1, 2].map((i) => ({ at: (t + i) * 1000, line: v2(cw.eniId, ATTACKER, cw.address, 50000 + i, 22, 6, 10, 5000, t + i, 'ACCEPT') })),
      ...[0, 1].map((i) => ({ at: (t + 10 + i) * 1000, line: v2(cw.eniId, SCANNER, cw.address, 40000, 3389, 6, 1, 40, t + 10 + i, 'REJECT') })),
      { at: (t + 20) * 1000, line: v2(cw.eniId, cw.address, WEB, 33000, 443, 6, 20, 20000, t + 20, 'ACCEPT') },
      { at: (t + 30) * 1000, line: `2 ${ACCOUNT} ${cw.eniId} - - - - - - - ${t + 30} ${t + 90} - NODATA` },
    ]);
  });

  it('reads CloudWatch Logs filtered events, aggregates top talkers, accepts/rejects and world-open hits; changes nothing', async () => {
    // Act
    const execution = await h.run({ eniIds: [cw.eniId], ...WINDOW });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(statesEntered(execution)).toEqual(['ValidateInput', 'PlanInvestigation', 'InitWork', 'RouteByPlan', 'AnalyseTraffic', 'RouteByBlock', 'BuildReport', 'Done']);
    const report = execution.output as InvestigationReport;
    expect(report).toMatchObject({ workflow: 'investigate-traffic', outcome: 'NO_ACTION', actions: [], target: cw.eniId, window: WINDOW });
    // Named for its target, the first network interface (not "-account-").
    expect(execution.name).toMatch(new RegExp(`^investigate-traffic-${cw.eniId}-\\d{8}T\\d{6}Z$`));
    expect(report.traffic).toMatchObject({
      recordsRead: 7, recordsMatched: 6, noData: 1, capHit: false,
      accepted: { flows: 4, packets: 50, bytes: 35000 }, rejected: { flows: 2, packets: 2, bytes: 80 },
    });
    expect(report.traffic?.talkers.slice(0, 3)).toEqual([
      { remoteAddress: WEB, direction: 'outbound', port: 443, protocol: 'tcp', action: 'ACCEPT', flows: 1, packets: 20, bytes: 20000 },
      { remoteAddress: ATTACKER, direction: 'inbound', port: 22, protocol: 'tcp', action: 'ACCEPT', flows: 3, packets: 30, bytes: 15000 },
      { remoteAddress: SCANNER, direction: 'inbound', port: 3389, protocol: 'tcp', action: 'REJECT', flows: 2, packets: 2, bytes: 80 },
    ]);
    expect(report.traffic?.worldOpenHits).toEqual([
      { groupId: cw.groupId, ruleId: cw.sshRuleId, ports: 'tcp/22', cidr: '0.0.0.0/0', flows: 3, packets: 30, bytes: 15000, remotes: 1, topRemotes: [ATTACKER] },
    ]);
    // the review lists the group's world-open rules (ssh; the 443 rule is 10.0.0.0/8 only); moto's default egress rule is open too
    expect(report.securityGroups.worldOpen.filter((r) => !r.egress).map((r) => [r.ruleId, r.ports])).toEqual([[cw.sshRuleId, 'tcp/22']]);
    expect(report.block).toBeUndefined();
    expect(notReads(execution.faults.callLog)).toEqual([]);
    expect(execution.faults.callLog).toContain('logs:FilterLogEvents');
  });

  it('with block: true starts block-source-ip for the chosen CIDR on the ENI\'s subnet, through its approval gate, named from the investigation', async () => {
    // Act
    const execution = await h.run({ eniIds: [cw.eniId], ...WINDOW, block: true, blockCidrs: [`${ATTACKER}/32`] }, { children: 'record' });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    expect(statesEntered(execution)).toEqual(['ValidateInput', 'PlanInvestigation', 'InitWork', 'RouteByPlan', 'AnalyseTraffic', 'RouteByBlock', 'StartBlock', 'BuildReport', 'Done']);
    const name = execution.name.replace(/^investigate-traffic-/, 'block-source-ip-');
    expect(execution.startedNotRun).toEqual([{
      workflow: 'block-source-ip', name,
      input: {
        cidrs: [`${ATTACKER}/32`], subnetIds: [cw.subnetId], approval: true,
        trigger: { source: 'console', parentExecution: expect.stringMatching(new RegExp(`:execution:remediation-investigate-traffic:${execution.name}$`)), proof: { url: expect.any(String) } },
      },
    }]);
    const report = execution.output as InvestigationReport;
    expect(report.block).toMatchObject({
      workflow: 'block-source-ip', status: 'started', input: { cidrs: [`${ATTACKER}/32`], subnetIds: [cw.subnetId], approval: true },
      execution: { name, executionArn: expect.stringMatching(new RegExp(`:execution:remediation-block-source-ip:${name}$`)), alreadyStarted: false },
    });
    expect(report.findings).toContain(`block requested for ${ATTACKER}/32: block-source-ip ${name} started, waiting for approval`);
    // The investigation's only change: the start of the block.
    expect(notReads(execution.faults.callLog)).toEqual(['sfn:StartExecution']);
  });

  it('the block it starts asks a person first, changing no NACL before the answer, and denies the CIDR once approved', async () => {
    // Prepare
    const naclOf = async () => (await h.ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [cw.subnetId] }] }))).NetworkAcls?.[0];
    const denies = async () => ((await naclOf())?.Entries ?? []).filter((e) => e.RuleAction === 'deny' && e.RuleNumber !== 32767).map((e) => [e.Egress, e.CidrBlock]);
    const requests: ApprovalRequest[] = [];
    let deniesWhileAsked: unknown[] | undefined;

    // Act
    const execution = await h.run({ eniIds: [cw.eniId], ...WINDOW, block: true, blockCidrs: [`${ATTACKER}/32`] }, {
      approver: async (request) => {
        requests.push(request);
        deniesWhileAsked = await denies();
        return { approved: true };
      },
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const block = execution.children?.find((c) => c.workflow === 'block-source-ip') as LocalExecution;
    expect({ status: block.status, error: block.error, name: block.name }).toEqual({ status: 'SUCCEEDED', error: undefined, name: execution.name.replace(/^investigate-traffic-/, 'block-source-ip-') });
    expect(requests.map((r) => r.execution)).toEqual([block.name]);
    expect(deniesWhileAsked).toEqual([]);
    expect(await denies()).toEqual([[false, `${ATTACKER}/32`]]);
    expect((execution.output as InvestigationReport).block).toMatchObject({ status: 'started', execution: { name: block.name } });
  });

  it('stops at maxRecords and says so', async () => {
    // Act
    const execution = await h.run({ eniIds: [cw.eniId], ...WINDOW, maxRecords: 3 });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as InvestigationReport;
    expect(report.traffic).toMatchObject({ recordsRead: 3, capHit: true, maxRecords: 3 });
    expect(report.findings).toContainEqual(expect.stringContaining('record cap of 3 reached'));
  });

  it('plan mode lists the flow logs and the review, reading no record', async () => {
    // Act
    const execution = await h.run({ eniIds: [cw.eniId], ...WINDOW, mode: 'plan', block: true, blockCidrs: [`${ATTACKER}/32`] }, { children: 'record' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.startedNotRun).toEqual([]);
    expect((execution.output as InvestigationReport).block).toMatchObject({ status: 'not-started', reason: expect.stringContaining('plan mode: nothing is started') });
    expect(statesEntered(execution)).toEqual(['ValidateInput', 'PlanInvestigation', 'InitWork', 'RouteByPlan', 'BuildReport', 'Done']);
    const report = execution.output as InvestigationReport;
    expect(report).toMatchObject({ outcome: 'PLANNED', mode: 'plan', actions: [], flowLogs: [{ destinationType: 'cloud-watch-logs', eniIds: [cw.eniId] }] });
    expect(report.traffic).toBeUndefined();
    expect(execution.faults.callLog.filter((c) => c.startsWith('logs:') || c.startsWith('s3:'))).toEqual([]);
    expect(notReads(execution.faults.callLog)).toEqual([]);
  });

  it('reads gzipped S3 files of a subnet flow log with a custom format, only this ENI\'s records', async () => {
    // Prepare
    const eni = await h.createEni('10.31.1.0/24');
    const format = '${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${tcp-flags}';
    const flowLogId = await h.flowLogToS3(eni.subnetId, format);
    const t = NOW - 1200;
    const line = (iface: string, src: string, dst: string, dstPort: number, bytes: number, action: string) =>
      `5 ${iface} ${src} ${dst} 51000 ${dstPort} 6 4 ${bytes} ${t} ${t + 60} ${action} OK 2`;
    await h.putS3File(flowLogId, new Date((t + 300) * 1000), [
      format.replace(/\$\{|\}/g, ''),
      line(eni.eniId, ATTACKER, eni.address, 22, 800, 'ACCEPT'),
      line(eni.eniId, ATTACKER, eni.address, 22, 200, 'ACCEPT'),
      line(eni.eniId, SCANNER, eni.address, 23, 60, 'REJECT'),
      line('eni-0ffffffffffffffff', SCANNER, '10.31.1.99', 22, 60, 'ACCEPT'),
    ]);

    // Act
    const execution = await h.run({ eniIds: [eni.eniId], ...WINDOW });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as InvestigationReport;
    expect(report.flowLogs).toEqual([expect.objectContaining({ flowLogId, destinationType: 's3', bucket: 'investigate-flow-logs-test', resourceId: eni.subnetId, read: 1 })]);
    expect(report.traffic).toMatchObject({ recordsRead: 4, recordsMatched: 3, otherInterfaces: 1, accepted: { flows: 2, bytes: 1000 }, rejected: { flows: 1, bytes: 60 } });
    expect(report.traffic?.worldOpenHits).toEqual([expect.objectContaining({ ruleId: eni.sshRuleId, flows: 2, bytes: 1000, remotes: 1, topRemotes: [ATTACKER] })]);
    expect(notReads(execution.faults.callLog)).toEqual([]);
  });

  it('fails with PreconditionFailedError, naming enable-flow-logs, when no flow log records the ENI', async () => {
    // Prepare
    const bare = await h.createEni('10.32.1.0/24');

    // Act
    const execution = await h.run({ eniIds: [bare.eniId] });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toContain('enable-flow-logs first');
    expect(execution.cause).toContain(bare.vpcId);
    expect(statesEntered(execution)).toEqual(['ValidateInput', 'PlanInvestigation']);
  });
});
