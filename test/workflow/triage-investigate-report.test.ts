import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { startInstancesEvent } from './triage-harness';
import { OPS_ROLE, instanceWithFlowLogs } from './triage-investigate-harness';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // The default for investigate-traffic (report): the policy does not name it.
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'contain-principal': 'report', 'isolate-instance': 'report' });
  process.env.ALLOWED_PRINCIPALS = OPS_ROLE;
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  delete process.env.ALLOWED_PRINCIPALS;
  await moto.stop();
});

describe('triage-start-instances with investigate-traffic on report (the default)', () => {
  it('starts nothing and reports the investigation it would start', async () => {
    // GIVEN an instance whose VPC has flow logs, started by alice
    const { AccountSeeder } = await import('../../local/seed');
    const { runWorkflow } = await import('../../local/runner');
    const seeder = new AccountSeeder();
    const { instanceId } = await instanceWithFlowLogs(seeder, 'reported');
    const event = startInstancesEvent('iam-user', [instanceId]);

    // WHEN EventBridge delivers the event
    const parent = await runWorkflow('triage-start-instances', event, { executionName: 'triage-investigate-2' });

    // THEN nothing was started; the report names investigate-traffic as reported
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.children ?? []).toEqual([]);
    const report = parent.output as TriageReport;
    expect(report.outcome).toBe('NO_ACTION');
    expect(report.actions).toEqual([]);
    expect(report.findings).toContainEqual({ instanceId, finding: 'started by arn:aws:iam::123456789012:user/alice, who is not on the allow-list -> investigate-traffic', handling: 'reported' });
  });
});
