import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { startInstancesEvent } from './triage-harness';
import { rulesOf, seedOpenVpc, startSecurityGroupsHarness, withoutIds, type SecurityGroupsHarness } from './security-groups-harness';

let h: SecurityGroupsHarness;
beforeAll(async () => {
  // The default for restrict-security-groups (report): the policy does not name it.
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report' });
  h = await startSecurityGroupsHarness();
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  await h.moto.stop();
});

describe('triage-start-instances with restrict-security-groups on report (the default)', () => {
  it('starts nothing, leaves the group as it was and reports the restriction it would start', async () => {
    // GIVEN an instance whose group is open to the world
    const { runWorkflow } = await import('../../local/runner');
    const vpc = await seedOpenVpc(h.ec2, '10.62.0.0/16');
    const before = withoutIds(await rulesOf(h.ec2, vpc.openGroupId));
    const event = startInstancesEvent('iam-user', [vpc.instanceId]);

    // WHEN EventBridge delivers its StartInstances event
    const parent = await runWorkflow('triage-start-instances', event, { executionName: 'triage-restrict-2' });

    // THEN nothing was started and the group is unchanged; the report names restrict-security-groups as reported
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.children ?? []).toEqual([]);
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(before);
    const report = parent.output as TriageReport;
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(report.findings.filter((f) => f.finding.endsWith('-> restrict-security-groups'))).toEqual([{
      instanceId: vpc.instanceId, finding: expect.stringMatching(new RegExp(`^security group\\(s\\) open to the world: ${vpc.openGroupId} \\(`)), handling: 'reported',
    }]);
  });
});
