import type { InvestigationReport } from '../../tasks/network/build-investigation-report';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { startInstancesEvent } from './triage-harness';
import { OPS_ROLE, instanceWithFlowLogs } from './triage-investigate-harness';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // A deployment that investigates unexpected starts by itself, and only reports the rest.
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'investigate-traffic': 'auto', 'contain-principal': 'report', 'isolate-instance': 'report' });
  process.env.ALLOWED_PRINCIPALS = OPS_ROLE;
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  delete process.env.ALLOWED_PRINCIPALS;
  await moto.stop();
});

describe('triage-start-instances with investigate-traffic on auto', () => {
  it('starts investigate-traffic for an instance started by a principal not on the allow-list, named per DESIGN, and it reads the flow logs', async () => {
    // GIVEN an instance whose VPC has flow logs, started by alice (not on the allow-list)
    const { AccountSeeder } = await import('../../local/seed');
    const { runWorkflow } = await import('../../local/runner');
    const seeder = new AccountSeeder();
    const { instanceId, vpcId } = await instanceWithFlowLogs(seeder, 'unexpected');
    const event = startInstancesEvent('iam-user', [instanceId]);

    // WHEN EventBridge delivers the event
    const parent = await runWorkflow('triage-start-instances', event, { executionName: 'triage-investigate-1' });

    // THEN investigate-traffic ran as its own linked execution, and nothing else was started
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.children?.map((c) => c.workflow)).toEqual(['investigate-traffic']);
    const child = parent.children?.[0];
    expect(child?.name).toMatch(new RegExp(`^investigate-traffic-${instanceId}-\\d{8}T\\d{6}Z$`));
    expect(child?.input).toMatchObject({ instanceId, trigger: { source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: event.detail.eventID } });
    expect(child?.status).toBe('SUCCEEDED');
    const investigation = child?.output as InvestigationReport;
    expect(investigation).toMatchObject({ outcome: 'NO_ACTION', actions: [], target: instanceId, flowLogs: [{ resourceId: vpcId, destinationType: 'cloud-watch-logs' }] });
    const report = parent.output as TriageReport;
    expect(report.findings).toContainEqual({ instanceId, finding: 'started by arn:aws:iam::123456789012:user/alice, who is not on the allow-list -> investigate-traffic', handling: 'started' });
    expect(report.actions).toEqual([expect.objectContaining({ action: 'start-execution', after: { workflow: 'investigate-traffic', name: child?.name } })]);
  });
});
