import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { SHARED_MOTO_ENV, recordSharedMoto, reuseSharedMoto } from './shared-moto';

export const MOTO_INSTALL_HINT = 'moto_server not found: install it with  pip install "moto[server]"';

export interface MotoServer {
  endpoint: string;
  port: number;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

/** Whether a moto server answers on this endpoint. */
export async function motoAnswers(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/moto-api/`)).ok;
  } catch {
    return false; // not listening (yet)
  }
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    if (await motoAnswers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
}

/** Spawns moto_server on a free loopback port and waits until it answers (killed if it does not). */
async function spawnMoto(options: SpawnOptions, timeoutMs: number): Promise<{ child: ChildProcess; port: number; endpoint: string }> {
  if (!motoAvailable()) throw new Error(MOTO_INSTALL_HINT);
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], options);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child, timeoutMs);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, port, endpoint };
}

/**
 * Starts a moto server that outlives this process (`remediate local up`): its own process group,
 * output to `logFile`. Returns its pid, port and endpoint once it answers.
 */
export async function startDetachedMoto(logFile: string, timeoutMs = 30_000): Promise<{ pid: number; port: number; endpoint: string }> {
  const log = openSync(logFile, 'a');
  try {
    const { child, port, endpoint } = await spawnMoto({ detached: true, stdio: ['ignore', log, log] }, timeoutMs);
    child.unref();
    return { pid: child.pid as number, port, endpoint };
  } finally {
    closeSync(log);
  }
}

/** Starts a moto server on a free loopback port; `stop` ends it. */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  const sharedDir = process.env[SHARED_MOTO_ENV];
  if (sharedDir) return sharedMoto(sharedDir, timeoutMs);
  const { child, port, endpoint } = await spawnMoto({ stdio: 'ignore' }, timeoutMs);
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The test run's server of this worker (local/shared-moto.ts): reset, not stopped, between files. */
async function sharedMoto(dir: string, timeoutMs: number): Promise<MotoServer> {
  const reused = await reuseSharedMoto(dir);
  if (reused) return { ...reused, stop: async () => undefined };
  const { child, port, endpoint } = await spawnMoto({ stdio: 'ignore' }, timeoutMs);
  child.unref();
  recordSharedMoto(dir, { pid: child.pid as number, port });
  return { endpoint, port, stop: async () => undefined };
}

/** Points every SDK client created from now on at the emulator, with dummy credentials. */
export function useEndpoint(endpoint: string, region = 'us-east-1'): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = region;
  process.env.AWS_DEFAULT_REGION = region;
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // Local runs on Node 20 work today; the SDK's notice that it will need Node 22 from 2027 is in the README.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
