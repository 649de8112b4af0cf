import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { startInstancesEvent } from './triage-harness';
import { rulesOf, seedOpenVpc, startSecurityGroupsHarness, worldOpen, type SecurityGroupsHarness } from './security-groups-harness';

let h: SecurityGroupsHarness;
beforeAll(async () => {
  // A deployment that restricts world-open groups by itself, and only reports the rest.
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'restrict-security-groups': 'auto' });
  h = await startSecurityGroupsHarness();
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  await h.moto.stop();
});

describe('triage-start-instances with restrict-security-groups on auto', () => {
  it('starts restrict-security-groups for the started instance, named per DESIGN, and its group ends restricted', async () => {
    // GIVEN an instance whose group is open to the world (SSH, RDP, HTTPS) beside a group-referenced and a prefix-list rule
    const { runWorkflow } = await import('../../local/runner');
    const vpc = await seedOpenVpc(h.ec2, '10.61.0.0/16');
    const event = startInstancesEvent('iam-user', [vpc.instanceId]);

    // WHEN EventBridge delivers its StartInstances event
    const parent = await runWorkflow('triage-start-instances', event, { executionName: 'triage-restrict-1' });

    // THEN restrict-security-groups ran as its own linked execution on the instance, and nothing else was started
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.children?.map((c) => c.workflow)).toEqual(['restrict-security-groups']);
    const child = parent.children?.[0];
    expect(child?.name).toMatch(new RegExp(`^restrict-security-groups-${vpc.instanceId}-\\d{8}T\\d{6}Z$`));
    expect(child?.input).toMatchObject({ instanceId: vpc.instanceId, trigger: { source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: event.detail.eventID } });
    expect(child?.status).toBe('SUCCEEDED');
    expect(child?.output).toMatchObject({ outcome: 'REMEDIATED', target: vpc.instanceId });
    // AND the group keeps no world-open inbound rule, only the group-referenced and prefix-list ones
    const rules = await rulesOf(h.ec2, vpc.openGroupId);
    expect(worldOpen(rules.filter((r) => !r.IsEgress))).toEqual([]);
    expect(rules.filter((r) => !r.IsEgress).map((r) => r.ReferencedGroupInfo?.GroupId ?? r.PrefixListId).sort()).toEqual([vpc.peerGroupId, vpc.prefixListId].sort());
    // AND the triage report says it was started
    const report = parent.output as TriageReport;
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.findings.filter((f) => f.finding.endsWith('-> restrict-security-groups'))).toEqual([{
      instanceId: vpc.instanceId, finding: expect.stringMatching(new RegExp(`^security group\\(s\\) open to the world: ${vpc.openGroupId} \\(`)), handling: 'started',
    }]);
    expect(report.actions).toEqual([expect.objectContaining({ action: 'start-execution', after: { workflow: 'restrict-security-groups', name: child?.name } })]);
  });
});
