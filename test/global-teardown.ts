import { rmSync } from 'node:fs';
import { MADE_ENV } from './global-setup';
import { SHARED_MOTO_ENV, recordedSharedMotos } from '../local/shared-moto';

/** Removes what test/global-setup.ts made for the run. */
export default function globalTeardown(): void {
  const motos = process.env[SHARED_MOTO_ENV];
  for (const { pid } of motos ? recordedSharedMotos(motos) : []) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (const made of JSON.parse(process.env[MADE_ENV] ?? '[]') as string[]) rmSync(made, { recursive: true, force: true });
}
