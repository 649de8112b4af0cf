import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { States } from '../../workflows/triage-start-instances';
import type { LocalExecution } from '../../local/runner';
import type { AccountSeeder } from '../../local/seed';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { mutatingCalls, statesEntered, volumeAt, withLockCalls } from './harness';
import { startInstancesEvent } from './triage-harness';

let moto: MotoServer;
let seeder: AccountSeeder;
let triage: (event: unknown) => Promise<LocalExecution>;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  const { runWorkflow } = await import('../../local/runner');
  seeder = new Seeder();
  triage = (event) => runWorkflow('triage-start-instances', event as Record<string, unknown>, { executionName: `triage-${Math.random().toString(36).slice(2, 10)}` });
});
afterAll(() => moto.stop());

describe('triage-start-instances with the default policy (disruptive work waits for approval)', () => {
  it('assesses every started instance and starts encrypt-volumes asking for approval; unanswered, nothing changes', async () => {
    // GIVEN two started instances, one with unencrypted volumes, one unknown
    const seeded = await seeder.createInstance({ name: 'triaged', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const event = startInstancesEvent('assumed-role', [seeded.instanceId, 'i-0aaaaaaaaaaaaaaa0']);

    // WHEN nobody answers the approval request
    const execution = await triage(event);

    // THEN triage reports what it found and the child it started
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as TriageReport;
    expect(report).toMatchObject({ workflow: 'triage-start-instances', trigger: { source: 'eventbridge', principal: 'arn:aws:iam::123456789012:role/ops-admin' } });
    expect(report.findings).toEqual(expect.arrayContaining([
      { instanceId: seeded.instanceId, finding: '2 unencrypted EBS volume(s) -> encrypt-volumes', handling: 'started' },
      { instanceId: 'i-0aaaaaaaaaaaaaaa0', finding: 'instance not found', handling: 'reported' },
    ]));
    expect(statesEntered(execution).filter((s) => s === States.assessInstance)).toHaveLength(2);
    // AND the child asked for approval, was not answered, and changed nothing
    const child = execution.children?.[0];
    expect(child?.input).toMatchObject({ instanceId: seeded.instanceId, approval: true });
    expect(child?.input).not.toHaveProperty('allowStop');
    expect(child?.status).toBe('FAILED');
    expect(child?.error).toBe('ApprovalRejected');
    expect(child?.cause).toMatch(/no answer within 1 day/);
    expect(mutatingCalls(child as LocalExecution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect((await volumeAt(seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(false);
    expect((await seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });

  it('reports a failed (unauthorized) attempt and never calls it remediated', async () => {
    const event = startInstancesEvent('failed-attempt', ['i-0a1b2c3d4e5f60718']);

    const execution = await triage(event);

    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as TriageReport;
    expect(report.outcome).toBe('NO_ACTION');
    expect(report.findings).toEqual([{
      instanceId: 'i-0a1b2c3d4e5f60718',
      finding: 'failed StartInstances attempt by arn:aws:iam::123456789012:user/mallory from 203.0.113.10: Client.UnauthorizedOperation',
      handling: 'reported',
    }]);
    expect(statesEntered(execution)).not.toContain(States.assessInstances);
  });

  it('does not triage instances our own workflows started (no loops)', async () => {
    // GIVEN the StartInstances our encrypt-volumes workflow makes when it restarts an instance
    const ourRole = (process.env.OUR_ROLE_ARNS ?? '').split(',')[0] as string;
    expect(ourRole).toMatch(/^arn:aws:iam::123456789012:role\/EncryptVolumesstartinstanceRole/);
    const event = startInstancesEvent('assumed-role', ['i-0a1b2c3d4e5f60718'], { issuerRoleArn: ourRole });

    // WHEN
    const execution = await triage(event);

    // THEN nothing is assessed or started
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as TriageReport).findings[0]?.finding).toBe('started by a remediation workflow: not triaged again');
    expect(statesEntered(execution)).not.toContain(States.assessInstances);
    expect(execution.children).toEqual([]);
  });

  it('refuses an event that is not a StartInstances call', async () => {
    const execution = await triage(startInstancesEvent('unrelated-stop-instances', ['i-0a1b2c3d4e5f60718']));

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidInputError');
    expect(execution.cause).toMatch(/detail\.eventName/);
  });
});
