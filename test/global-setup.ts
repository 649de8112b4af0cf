import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesizeWorkflows } from '../local/definition';
import { writeDirectEsbuildNpx } from './infra/direct-esbuild';
import { SHARED_ASSEMBLY_ENV, SHARED_ASSEMBLY_PREFIX } from './infra/shared-assembly';
import { SHARED_MOTO_ENV } from '../local/shared-moto';
import { prestartSharedMotos } from '../local/moto';
import { VALIDATED_CACHE_ENV } from '../local/validated';

/** Folders and files made here, for test/global-teardown.ts. */
export const MADE_ENV = 'REMEDIATION_TEST_MADE';

/**
 * Work every test file would otherwise repeat in its own worker, done or arranged once per run
 * (workers inherit this environment):
 * - the stack synthesized for the local runner, which reads the result from LOCAL_SYNTH_CACHE;
 * - an empty folder for the bundled cloud assembly that the first infra test file builds and the
 *   others read (test/infra/shared-assembly.ts);
 * - esbuild run directly, not through npx, wherever CDK bundles (test/infra/direct-esbuild.ts);
 * - a folder where the local runner notes the definitions it has validated (local/validated.ts);
 * - one moto server per worker, started while the stack synthesizes, with only the AMIs the tests
 *   launch (MOTO_AMIS_PATH, below).
 */
export default async function globalSetup(globalConfig?: { maxWorkers?: number }): Promise<void> {
  // As test/setup-env.ts does in every worker: the shared bundled assembly is the one validated.
  process.env.CDK_VALIDATION ??= 'false';
  const directEsbuild = writeDirectEsbuildNpx(process.env.PATH ?? '');
  process.env.PATH = `${directEsbuild}${path.delimiter}${process.env.PATH ?? ''}`;
  // moto's default images bring 1,177 public snapshots into every region: each DescribeSnapshots then
  // filters them all (about 0.1 s a call, most of an encrypt-volumes run) and every RunInstances looks
  // its image up among them. The tests launch the seed's image (local/seed.ts SEED_AMI) and the public
  // images refresh-ami's freshness test judges (an old AL2, AL2022, Ubuntu 16.04; moto's latest_amis, which
  // its SSM parameters name, still load), and read only their own snapshots (OwnerIds self), so every moto
  // of the run (the shared ones, and `remediate local up` in the CLI tests) loads just those images, as
  // moto's own definitions of them.
  process.env.MOTO_AMIS_PATH ??= path.join(__dirname, 'fixtures', 'moto-amis.json');
  // One moto server per worker, reset between its files (local/shared-moto.ts): started here, where
  // they boot while the stack synthesizes.
  const motos = mkdtempSync(path.join(tmpdir(), 'remediation-moto-'));
  process.env[SHARED_MOTO_ENV] = motos;
  const prestarted = await prestartSharedMotos(motos, globalConfig?.maxWorkers ?? 1);
  const file = path.join(tmpdir(), `remediation-synth-${process.pid}.json`);
  try {
    writeFileSync(file, JSON.stringify(synthesizeWorkflows()));
  } catch (error) {
    prestarted.kill();
    throw error;
  }
  process.env.LOCAL_SYNTH_CACHE = file;
  const shared = mkdtempSync(path.join(tmpdir(), SHARED_ASSEMBLY_PREFIX));
  process.env[SHARED_ASSEMBLY_ENV] = shared;
  // Definitions the local runner has validated, shared by the workers (local/validated.ts).
  const validated = mkdtempSync(path.join(tmpdir(), 'remediation-validated-'));
  process.env[VALIDATED_CACHE_ENV] = validated;
  process.env[MADE_ENV] = JSON.stringify([directEsbuild, file, shared, motos, validated]);
  await prestarted.ready();
}
