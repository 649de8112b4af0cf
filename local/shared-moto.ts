import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One moto server per jest worker instead of one per test file: starting moto_server costs about a
 * second of CPU, and a test run starts dozens. The test run's global setup names a folder in this
 * variable; the first file a worker runs starts the server and records it there, later files of that
 * worker find it and reset it (moto's own `POST /moto-api/reset`), so each file still begins with an
 * empty emulated account. The global teardown stops them all. Without the variable (the demo, the
 * CLI, `remediate local`), every start is a server of its own.
 */
export const SHARED_MOTO_ENV = 'REMEDIATION_SHARED_MOTO_DIR';

interface Recorded {
  pid: number;
  port: number;
}

const thisWorker = (): string => process.env.JEST_WORKER_ID ?? String(process.pid);
const recordOf = (dir: string, worker = thisWorker()): string => path.join(dir, `worker-${worker}.json`);

/** This worker's server, reset to an empty account, if one is recorded and still answers. */
export async function reuseSharedMoto(dir: string): Promise<{ port: number; endpoint: string } | undefined> {
  const file = recordOf(dir);
  if (!existsSync(file)) return undefined;
  const { port } = JSON.parse(readFileSync(file, 'utf8')) as Recorded;
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    const reset = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    return reset.ok ? { port, endpoint } : undefined;
  } catch {
    return undefined; // gone: start another
  }
}

/** Records `server` as the shared one of `worker` (by default this process's jest worker). */
export function recordSharedMoto(dir: string, server: Recorded, worker = thisWorker()): void {
  writeFileSync(recordOf(dir, worker), JSON.stringify(server));
}

/** Every server the run's workers recorded (for the global teardown). */
export function recordedSharedMotos(dir: string): Recorded[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith('worker-')).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Recorded);
}
