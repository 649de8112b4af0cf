import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { motoAnswers, startDetachedMoto } from './moto';

/**
 * The long-lived emulator of `remediate local up`: one moto server per project, recorded in a
 * state file (pid, port, region) so that later commands, in other shells, find it.
 */
const EmulatorState = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().positive(),
  endpoint: z.string().url(),
  region: z.string().min(1),
  startedAt: z.string(),
  logFile: z.string(),
});
export type EmulatorState = z.infer<typeof EmulatorState>;

/** Where the state lives: REMEDIATION_EMULATOR_STATE, or .local/emulator.json in the project (gitignored, beside the local store). */
export function emulatorStateFile(): string {
  return process.env.REMEDIATION_EMULATOR_STATE ?? path.join(__dirname, '..', '.local', 'emulator.json');
}

export class EmulatorStateError extends Error {
  constructor(file: string, reason: string) {
    super(`${file} is not an emulator state file (${reason}): remove it, then run remediate local up`);
    this.name = 'EmulatorStateError';
  }
}

function readState(file: string): EmulatorState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EmulatorStateError(file, (error as Error).message);
  }
  const parsed = EmulatorState.safeParse(value);
  if (!parsed.success) throw new EmulatorStateError(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The recorded emulator if it still runs and answers; a stale record (the process gone) is removed. */
export async function runningEmulator(file = emulatorStateFile()): Promise<EmulatorState | undefined> {
  const state = readState(file);
  if (!state) return undefined;
  if (alive(state.pid) && (await motoAnswers(state.endpoint))) return state;
  rmSync(file, { force: true });
  return undefined;
}

/** Starts the emulator unless one is recorded and answering; `started` says which. */
export async function ensureEmulator(region: string, file = emulatorStateFile(), now = new Date()): Promise<{ state: EmulatorState; started: boolean }> {
  const existing = await runningEmulator(file);
  if (existing) return { state: existing, started: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const logFile = path.join(path.dirname(file), 'emulator.log');
  const { pid, port, endpoint } = await startDetachedMoto(logFile);
  const state: EmulatorState = { pid, port, endpoint, region, startedAt: now.toISOString(), logFile };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
  return { state, started: true };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops the recorded emulator (SIGTERM, then SIGKILL after `graceMs`) and removes the record; undefined when none ran. */
export async function stopEmulator(file = emulatorStateFile(), graceMs = 10_000): Promise<EmulatorState | undefined> {
  const state = readState(file);
  if (!state) return undefined;
  rmSync(file, { force: true });
  if (!alive(state.pid)) return undefined;
  // Its own process group (started detached): the signal reaches moto and anything it started.
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-state.pid, name);
    } catch {
      process.kill(state.pid, name);
    }
  };
  signal('SIGTERM');
  for (const deadline = Date.now() + graceMs; alive(state.pid) && Date.now() < deadline;) await sleep(100);
  if (alive(state.pid)) signal('SIGKILL');
  return state;
}
