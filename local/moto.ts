import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
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

export interface MotoOptions {
  /**
   * moto_server with EC2 tags read by resource id (local/moto_indexed_tags.py): moto reads each resource's tags by a
   * scan of every tag in the region, which makes a large account's calls slow (the fleet simulation). Needs the
   * python3 on PATH to import moto; without it, plain moto_server.
   */
  indexedTags?: boolean;
}

const INDEXED_TAGS_SERVER = path.join(__dirname, 'moto_indexed_tags.py');
const pythonHasMoto = (): boolean => spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;

/** Spawns moto_server on a free loopback port and waits until it answers (killed if it does not). */
async function spawnMoto(options: SpawnOptions, timeoutMs: number, moto: MotoOptions = {}): Promise<{ child: ChildProcess; port: number; endpoint: string }> {
  if (!motoAvailable()) throw new Error(MOTO_INSTALL_HINT);
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const child = moto.indexedTags && pythonHasMoto() ? spawn('python3', [INDEXED_TAGS_SERVER, ...args], options) : spawn('moto_server', args, options);
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

/** Starts a moto server on a free loopback port; `stop` ends it. A test run's shared server (below) ignores `moto`. */
export async function startMoto(timeoutMs = 30_000, moto: MotoOptions = {}): Promise<MotoServer> {
  const sharedDir = process.env[SHARED_MOTO_ENV];
  if (sharedDir) return sharedMoto(sharedDir, timeoutMs);
  const { child, port, endpoint } = await spawnMoto({ stdio: 'ignore' }, timeoutMs, moto);
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

export interface PrestartedMotos {
  /** Resolves once every server answers and has loaded EC2, each then recorded for its worker. */
  ready: () => Promise<void>;
  /** Stops them all (the caller failed before the run began). */
  kill: () => void;
}

/**
 * The test run's shared servers for jest workers 1..count (local/shared-moto.ts), spawned before this
 * resolves but not waited for: they boot while the caller goes on (test/global-setup.ts synthesizes the
 * stack meanwhile), so no worker waits for its server to start, nor pays for moto's first EC2 request
 * (it loads the service's model: a second or more of moto's CPU). A worker's start finds its server as
 * it finds one a previous file of that worker started.
 */
export async function prestartSharedMotos(dir: string, count: number, timeoutMs = 30_000): Promise<PrestartedMotos> {
  if (!motoAvailable()) throw new Error(MOTO_INSTALL_HINT);
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const servers = ports.map((port) => {
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    child.unref();
    return { child, port, endpoint: `http://127.0.0.1:${port}` };
  });
  const kill = () => servers.forEach(({ child }) => child.kill('SIGKILL'));
  const ready = async () => {
    try {
      await Promise.all(servers.map(async ({ child, endpoint }) => {
        await waitUntilReady(endpoint, child, timeoutMs);
        await fetch(endpoint, { method: 'POST', body: 'Action=DescribeInstances&Version=2016-11-15', headers: EC2_WARM_UP_HEADERS });
      }));
    } catch (error) {
      kill();
      throw error;
    }
    servers.forEach(({ child, port }, i) => recordSharedMoto(dir, { pid: child.pid as number, port }, String(i + 1)));
  };
  return { ready, kill };
}

/** moto routes a request by the service its signature names; it checks no signature. */
const EC2_WARM_UP_HEADERS = {
  'Content-Type': 'application/x-www-form-urlencoded',
  Authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
};

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
