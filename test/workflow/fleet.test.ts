import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FleetReport } from '../../tasks/fleet/summarize-fleet';
import type { PlanManifest } from '../../tasks/fleet/lib/manifest';
import type { ResultWriterManifest } from '../../tasks/fleet/lib/results';
import type { LocalExecution } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AccountSeeder, SeededInstance } from '../../local/seed';
import { FleetStates } from '../../workflows/fleet';
import { describeVolume, volumeAt } from './harness';

// One small fleet, run as a story: plan 4 instances, apply exactly the plan's manifest with half the children
// failing (the Map Run fails past its tolerance), then redrive it: the rest complete, what succeeded is not rerun.
let moto: MotoServer;
let seeder: AccountSeeder;
let fleet: typeof import('../../local/fleet');
let s3: S3Client;
let fleetInstances: SeededInstance[];
let bystander: SeededInstance;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  seeder = new Seeder();
  fleet = await import('../../local/fleet');
  s3 = new S3Client({ forcePathStyle: true });
  fleetInstances = [];
  for (const n of [1, 2, 3, 4]) fleetInstances.push(await seeder.createInstance({ name: `fleet-${n}`, state: 'stopped', tags: [{ Key: 'team', Value: 'payments' }] }));
  bystander = await seeder.createInstance({ name: 'not-selected', state: 'stopped', tags: [{ Key: 'team', Value: 'search' }] });
});
afterAll(() => moto.stop());

const readJson = async <T>(uri: string): Promise<T> => {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await (out.Body as { transformToString: () => Promise<string> }).transformToString()) as T;
};
const ids = () => fleetInstances.map((i) => i.instanceId).sort();
const rootEncrypted = async (instance: SeededInstance) => (await volumeAt(seeder, instance.instanceId, instance.rootDevice)).volume.Encrypted;
const childNames = (execution: LocalExecution) => (execution.children ?? []).map((c) => c.name).sort();

describe('fleet of encrypt-volumes: plan, apply the manifest, redrive', () => {
  let plan: LocalExecution;
  let failed: LocalExecution;

  it('plans every selected instance in its own child execution and writes the plan manifest, changing nothing', async () => {
    // WHEN a plan selects the instances by tag
    plan = await fleet.runFleetLocally({ workflow: 'encrypt-volumes', selector: { tags: [{ key: 'team', values: ['payments'] }] }, mode: 'plan', childInput: { allowStop: true } });

    // THEN one child per instance ran in plan mode (its own execution and history), and the manifest lists each plan
    expect(plan.status).toBe('SUCCEEDED');
    const report = plan.output as FleetReport;
    expect(report).toMatchObject({ workflow: 'fleet', childWorkflow: 'encrypt-volumes', outcome: 'PLANNED', counts: { total: 4, PLANNED: 4, REMEDIATED: 0, NO_ACTION: 0, FAILED: {}, PENDING: 0 }, failures: [] });
    expect(childNames(plan)).toEqual(ids().map((id) => `${plan.name}-${id}-r0`).sort());
    expect((plan.children ?? []).map((c) => (c.input as { mode: string }).mode)).toEqual(['plan', 'plan', 'plan', 'plan']);
    const manifest = await readJson<PlanManifest>(report.planManifest as string);
    expect(manifest.items.map((i) => i.target).sort()).toEqual(ids());
    expect(manifest.items.map((i) => (i.plan as { outcome: string }).outcome)).toEqual(['PLANNED', 'PLANNED', 'PLANNED', 'PLANNED']);
    // nothing changed
    for (const instance of [...fleetInstances, bystander]) expect(await rootEncrypted(instance)).toBe(false);
  });

  it('applies exactly the manifest; past the tolerance the Map Run fails, results written as ResultWriter writes them', async () => {
    // GIVEN the first two children's CreateVolume meets no capacity (they roll back), MaxConcurrency 1, 25% tolerated
    const faults = { failCalls: [{ command: 'CreateVolume', from: 1, to: 2, errorName: 'InsufficientVolumeCapacity', message: 'no capacity (injected)' }] };

    // WHEN the fleet applies the plan's manifest
    failed = await fleet.runFleetLocally({
      workflow: 'encrypt-volumes', selector: { manifest: (plan.output as FleetReport).planManifest as string }, childInput: { allowStop: true },
      maxConcurrency: 1, toleratedFailurePercentage: 25,
    }, { faults });

    // THEN the run failed at the Map (so it can be redriven); two children rolled back, the other two never started
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(failed.events.filter((e) => e.type === 'StateEntered' && !e.parent).map((e) => e.state)).toEqual([
      FleetStates.validateInput, FleetStates.selectTargets, FleetStates.routeBySelection, FleetStates.fleetMap,
    ]);
    expect(failed.children?.map((c) => c.error)).toEqual(['RemediationRolledBack', 'RemediationRolledBack']);
    const { manifest } = await fleetResults(failed.name);
    expect(manifest.ResultFiles.FAILED?.[0]?.Key).toMatch(new RegExp(`^runs/${failed.name}/results/[0-9a-f-]{36}/FAILED_0\\.json$`));
    expect(manifest.ResultFiles.PENDING?.[0]?.Key).toMatch(/PENDING_0\.json$/);
    expect(manifest.ResultFiles.SUCCEEDED).toBeUndefined();
    const failures = await readJson<{ Status: string; Error: string; Cause: string }[]>(`s3://${manifest.DestinationBucket}/${manifest.ResultFiles.FAILED?.[0]?.Key as string}`);
    // the .sync task's failure: States.TaskFailed, the child's own error inside its description
    expect(failures.map((f) => [f.Status, f.Error, (JSON.parse(f.Cause) as { Error: string }).Error])).toEqual([
      ['FAILED', 'States.TaskFailed', 'RemediationRolledBack'], ['FAILED', 'States.TaskFailed', 'RemediationRolledBack'],
    ]);
    expect(await Promise.all(fleetInstances.map(rootEncrypted))).toEqual([false, false, false, false]);
    expect(await rootEncrypted(bystander)).toBe(false);
  });

  it('redrives: the failed and not-started items run (failed ones under new names), then the summary; all four encrypted', async () => {
    // WHEN the failed run is redriven (no faults now)
    const redriven = await fleet.redriveFleetLocally(failed);

    // THEN it succeeded with the same name, and only the Map Run's failed (r1) and never-started (r0) items ran
    expect(redriven.status).toBe('SUCCEEDED');
    expect(redriven.name).toBe(failed.name);
    expect(redriven.events.map((e) => e.type)).toContain('ExecutionRedriven');
    const failedTargets = (failed.children ?? []).map((c) => (c.input as { instanceId: string }).instanceId).sort();
    expect(childNames(redriven)).toEqual(ids().map((id) => `${failed.name}-${id}-${failedTargets.includes(id) ? 'r1' : 'r0'}`).sort());
    const report = redriven.output as FleetReport;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', counts: { total: 4, REMEDIATED: 4, FAILED: {}, PENDING: 0 }, failures: [] });
    // the emulated account: every selected instance's root is an encrypted volume; the bystander untouched
    expect(await Promise.all(fleetInstances.map(rootEncrypted))).toEqual([true, true, true, true]);
    expect(await rootEncrypted(bystander)).toBe(false);
    expect((await describeVolume(seeder, bystander.rootVolumeId)).Encrypted).toBe(false);
  });
});

async function fleetResults(name: string): Promise<{ manifest: ResultWriterManifest }> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: process.env.FLEET_BUCKET, Prefix: `runs/${name}/results/` }));
  const key = listed.Contents?.map((c) => c.Key).find((k) => k?.endsWith('/manifest.json'));
  return { manifest: await readJson<ResultWriterManifest>(`s3://${process.env.FLEET_BUCKET}/${key as string}`) };
}
