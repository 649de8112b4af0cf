import { handler } from '../../../tasks/network/build-investigation-report';
import type { TrafficAnalysis } from '../../../tasks/network/analyse-traffic';
import type { InvestigationPlan } from '../../../tasks/network/lib/investigation';
import { ADDRESS, ENI, EXECUTION, GROUP, SUBNET, VPC, WINDOW, request } from './investigate-fixtures';

const plan = (overrides: Partial<InvestigationPlan> = {}): InvestigationPlan => ({
  outcome: 'PROCEED', target: ENI, window: WINDOW, unreadable: [],
  sources: [{ flowLogId: 'fl-cw', resourceId: ENI, destinationType: 'cloud-watch-logs', logGroupName: '/flow', eniIds: [ENI] }],
  enis: [{ eniId: ENI, subnetId: SUBNET, vpcId: VPC, ownerId: '123456789012', addresses: [ADDRESS], groupIds: [GROUP] }],
  worldOpen: [
    { groupId: GROUP, ruleId: 'sgr-ssh', egress: false, protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' },
    { groupId: GROUP, ruleId: 'sgr-rdp', egress: false, protocol: 'tcp', fromPort: 3389, toPort: 3389, cidr: '::/0' },
  ],
  ...overrides,
});
const counts = (flows: number) => ({ flows, packets: flows, bytes: flows * 100 });
const traffic = (overrides: Partial<TrafficAnalysis> = {}): TrafficAnalysis => ({
  window: WINDOW, recordsRead: 10, recordsMatched: 10, malformed: 0, noData: 0, outsideWindow: 0, otherInterfaces: 0, maxRecords: 10, capHit: true,
  accepted: counts(8), rejected: counts(2), distinctTalkers: 2, talkers: [], remotes: [],
  worldOpenHits: [{ groupId: GROUP, ruleId: 'sgr-ssh', ports: 'tcp/22', cidr: '0.0.0.0/0', remotes: 1, topRemotes: ['203.0.113.5'], ...counts(3) }],
  sources: [{ flowLogId: 'fl-cw', destinationType: 'cloud-watch-logs', read: 10 }],
  ...overrides,
});

describe('build-investigation-report', () => {
  it('reports NO_ACTION with no action (nothing changed), the figures, and a finding per open rule, the cap and the rejects', async () => {
    // Act
    const report = await handler({ request: request(), execution: EXECUTION, plan: plan(), work: { traffic: traffic() } });

    // Assess
    expect(report).toMatchObject({ workflow: 'investigate-traffic', target: ENI, outcome: 'NO_ACTION', mode: 'apply', actions: [], window: WINDOW });
    expect(report.flowLogs).toEqual([expect.objectContaining({ flowLogId: 'fl-cw', read: 10 })]);
    expect(report.traffic).toMatchObject({ capHit: true, accepted: counts(8) });
    expect(report.traffic).not.toHaveProperty('sources');
    expect(report.findings).toEqual([
      `${GROUP} ingress tcp/22 open to 0.0.0.0/0 (sgr-ssh): 3 accepted flow(s) from 1 address(es) in the window`,
      `${GROUP} ingress tcp/3389 open to ::/0 (sgr-rdp): no accepted flow in the window`,
      'record cap of 10 reached: the figures cover the first 10 record(s) only (raise maxRecords or narrow the window)',
      '2 rejected flow(s) in the window',
    ]);
  });

  it('in plan mode reports PLANNED with the review and no figures; a block request is reported as not started', async () => {
    // Prepare
    const block = { workflow: 'block-source-ip' as const, status: 'not-started' as const, reason: 'not deployed', input: { cidrs: ['203.0.113.5/32'], subnetIds: [SUBNET], approval: true as const } };

    // Act
    const report = await handler({ request: request({ mode: 'plan' }), execution: EXECUTION, plan: plan({ outcome: 'PLANNED', block }), work: {} });

    // Assess
    expect(report).toMatchObject({ outcome: 'PLANNED', mode: 'plan', actions: [], block });
    expect(report.traffic).toBeUndefined();
    expect(report.securityGroups.worldOpen.map((r) => r.ports)).toEqual(['tcp/22', 'tcp/3389']);
    expect(report.findings).toContain('block requested for 203.0.113.5/32: not started (not deployed)');
  });

  it('in apply mode reports the block-source-ip execution StartBlock started in place of the plan\'s request', async () => {
    // Prepare
    const input = { cidrs: ['203.0.113.5/32'], subnetIds: [SUBNET], approval: true as const };
    const requested = { workflow: 'block-source-ip' as const, status: 'not-started' as const, reason: 'started after the analysis', input };
    const execution = { name: 'block-source-ip-i-0aaaaaaaaaaaaaaa1-20260301T120000Z', executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-block-source-ip:block-source-ip-i-0aaaaaaaaaaaaaaa1-20260301T120000Z', alreadyStarted: false, at: '2026-03-01T12:05:00.000Z' };
    const started = { ...requested, status: 'started' as const, reason: 'started', execution };

    // Act
    const report = await handler({ request: request(), execution: EXECUTION, plan: plan({ block: requested }), work: { block: started } });

    // Assess
    expect(report.block).toEqual(started);
    expect(report.findings).toContain(`block requested for 203.0.113.5/32: block-source-ip ${execution.name} started, waiting for approval`);
    expect(report.findings.filter((f) => f.includes('not started'))).toEqual([]);
  });
});
