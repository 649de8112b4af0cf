import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AccountSeeder, SeededInstance } from '../../local/seed';
import { volumeAt } from '../workflow/harness';
import { cli, tableRows } from './cli';

// `remediate fleet plan|apply|status --local` on a tiny fleet: the real fleet definition, its Distributed Map emulated,
// each child a real local execution against moto; the plan changes nothing, the apply of its manifest encrypts both.
let moto: MotoServer;
let seeder: AccountSeeder;
let instances: SeededInstance[];
let dir: string;
const previousDir = process.env.REMEDIATION_LOCAL_DIR;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-fleet-'));
  process.env.REMEDIATION_LOCAL_DIR = dir;
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  seeder = new Seeder();
  instances = [];
  for (const n of [1, 2]) instances.push(await seeder.createInstance({ name: `cli-fleet-${n}`, state: 'stopped', tags: [{ Key: 'team', Value: 'ledger' }] }));
});

afterAll(async () => {
  await moto?.stop();
  if (previousDir === undefined) delete process.env.REMEDIATION_LOCAL_DIR;
  else process.env.REMEDIATION_LOCAL_DIR = previousDir;
  rmSync(dir, { recursive: true, force: true });
});

const rootEncrypted = async (instance: SeededInstance) => (await volumeAt(seeder, instance.instanceId, instance.rootDevice)).volume.Encrypted;

describe('remediate fleet --local', () => {
  it('plans by tag (nothing changes), applies the plan manifest (both encrypted), and status shows the summary', async () => {
    // WHEN a plan selects the two instances by tag
    const plan = await cli(['fleet', 'plan', '--local', '--workflow', 'encrypt-volumes', '--tag', 'team=ledger', '--input', '{"allowStop":true}'], { isTTY: false });

    // THEN it PLANNED both and printed the manifest to apply; nothing changed
    expect(plan.err).toBe('');
    expect(plan.code).toBe(0);
    expect(tableRows(plan.out).filter(([outcome]) => outcome === 'PLANNED' || outcome === 'total')).toEqual([['PLANNED', '2'], ['total', '2']]);
    const manifest = /^plan manifest: (s3:\/\/\S+)$/m.exec(plan.out)?.[1] as string;
    expect(manifest).toMatch(/\/runs\/fleet-plan-encrypt-volumes-20261127T120000Z\/plan-manifest\.json$/);
    expect(await Promise.all(instances.map(rootEncrypted))).toEqual([false, false]);

    // WHEN the reviewed manifest is applied
    const apply = await cli(['fleet', 'apply', '--local', '--workflow', 'encrypt-volumes', '--manifest', manifest, '--input', '{"allowStop":true}'], { isTTY: false });

    // THEN both children remediated: both roots are encrypted volumes now
    expect(apply.err).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.out).toContain('fleet-apply-encrypt-volumes-20261127T120000Z: SUCCEEDED');
    expect(await Promise.all(instances.map(rootEncrypted))).toEqual([true, true]);

    // AND status reads the stored run back with the same table
    const status = await cli(['fleet', 'status', '--local', 'fleet-apply-encrypt-volumes-20261127T120000Z'], { isTTY: false });
    expect(status.code).toBe(0);
    expect(tableRows(status.out).filter(([outcome]) => outcome === 'REMEDIATED' || outcome === 'total')).toEqual([['REMEDIATED', '2'], ['total', '2']]);
  });
});
