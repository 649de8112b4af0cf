import { rmSync } from 'node:fs';
import { MADE_ENV } from './global-setup';

/** Removes what test/global-setup.ts made for the run. */
export default function globalTeardown(): void {
  for (const made of JSON.parse(process.env[MADE_ENV] ?? '[]') as string[]) rmSync(made, { recursive: true, force: true });
}
