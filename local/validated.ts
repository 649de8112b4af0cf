import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A folder (test/global-setup.ts makes one per test run) where processes note each state machine
 * definition that passed aws-local-stepfunctions' validation, by the hash of its text: asl-validator
 * compiles its JSON schemas on every validation (about 0.1 s of CPU), and every test file would otherwise
 * validate the same definitions again. A definition that failed is never noted, so it fails again
 * wherever it runs. Without the variable (the CLI, the demo) every process validates as before.
 */
export const VALIDATED_CACHE_ENV = 'LOCAL_VALIDATED_CACHE';

/** Whether `definition`, exactly as it is now, passed validation earlier in this test run; `note` records that it did. */
export function validatedBefore(definition: unknown): { known: boolean; note: () => void } {
  const dir = process.env[VALIDATED_CACHE_ENV];
  if (!dir || !existsSync(dir)) return { known: false, note: () => undefined };
  const file = path.join(dir, createHash('sha256').update(JSON.stringify(definition)).digest('hex'));
  return { known: existsSync(file), note: () => writeFileSync(file, '') };
}
