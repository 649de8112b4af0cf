import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { synthesizeWorkflows } from '../local/definition';

/**
 * Synthesizes the stack once for every workflow test file (each would otherwise pay for it
 * again in its own worker); the local runner reads the result from LOCAL_SYNTH_CACHE.
 */
export default function globalSetup(): void {
  const file = path.join(tmpdir(), `remediation-synth-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(synthesizeWorkflows()));
  process.env.LOCAL_SYNTH_CACHE = file;
}
