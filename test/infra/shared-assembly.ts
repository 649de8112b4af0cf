import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { enableFlowLogsSpec, type FlowLogsResources } from '../../infra/workflows/enable-flow-logs';
import type { EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { RemediationStack } from '../../infra/stack';
import { CDK_CONTEXT, ENV } from './context';

/**
 * One bundled cloud assembly per test run, shared by every jest worker: bundling every function of the
 * stack takes a while (one esbuild process per function), so it is done once per run instead of once per
 * test file.
 *
 * test/global-setup.ts creates an empty folder and names it in SHARED_ASSEMBLY_ENV. The first test file
 * that asks for the bundles builds them there (a lock folder says who); the others wait for its marker.
 * Without the variable (a file run outside jest's global setup) each caller builds its own, as before.
 */
export const SHARED_ASSEMBLY_ENV = 'REMEDIATION_TEST_SHARED_ASSEMBLY';
/** test/global-setup.ts names its folder so; removeAssembly never takes it for a test file's own. */
export const SHARED_ASSEMBLY_PREFIX = 'remediation-shared-assembly-';
/** The builder gives up being waited for after this long (a crashed worker leaves no marker). */
const WAIT_MS = 15 * 60_000;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The stacks under test, by stack name: each file builds them in its App with these two functions. */
export const REMEDIATION_STACK = 'Test';
export const FLOW_LOGS_STACK = 'FlowLogsTest';
export const addRemediationStack = (app: App): RemediationStack => new RemediationStack(app, REMEDIATION_STACK, { env: ENV });
/**
 * The enable-flow-logs construct alone in a stack, acknowledged as RemediationStack does: its tests see only
 * its resources. test/infra/nag.test.ts checks the whole RemediationStack.
 */
export function addFlowLogsStack(app: App): { stack: Stack; workflow: RemediationWorkflow<EnableFlowLogsTask, FlowLogsResources, Record<string, never>> } {
  const stack = new Stack(app, FLOW_LOGS_STACK, { env: ENV });
  const workflow = new RemediationWorkflow(stack, 'EnableFlowLogs', enableFlowLogsSpec, {});
  acknowledgeAcceptedFindings(stack);
  return { stack, workflow };
}

/** Both stacks synthesized with their bundles and asset metadata (tests read each function's bundle). */
function synthesizeBundled(outdir: string): cxapi.CloudAssembly {
  const app = new App({ outdir, context: { ...CDK_CONTEXT, [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true } });
  addRemediationStack(app);
  addFlowLogsStack(app);
  return withCloudFormationValidation(() => app.synth());
}

export const newOutdir = (): string => mkdtempSync(path.join(os.tmpdir(), 'remediation-infra-test-'));

/** The bundled assembly: shared by the whole run under jest; without the global setup, synthesized into `fallbackOutdir`. */
export function bundledAssembly(fallbackOutdir: () => string = newOutdir): cxapi.CloudAssembly {
  return sharedAssembly((outdir) => synthesizeBundled(outdir)) ?? synthesizeBundled(fallbackOutdir());
}

/** An App standing for the bundled assembly, with an outdir of its own that removeAssembly removes. */
export function bundledApp(): SharedAssemblyApp {
  const outdir = newOutdir();
  return new SharedAssemblyApp(bundledAssembly(() => outdir), { outdir, context: CDK_CONTEXT });
}

/**
 * The assembly `build` synthesizes into the shared folder, built once per run; CDK's own CloudFormation
 * validation runs there, as in `cdk synth`. Undefined when no shared folder was set up.
 */
function sharedAssembly(build: (outdir: string) => void): cxapi.CloudAssembly | undefined {
  const outdir = sharedOnce('assembly', build);
  return outdir === undefined ? undefined : new cxapi.CloudAssembly(outdir);
}

/**
 * The folder `build` fills, built once per run under `slot` of the shared folder by the first file that
 * asks (a lock folder says who); the others wait for its marker. Undefined when no shared folder was set up.
 */
export function sharedOnce(slot: string, build: (outdir: string) => void): string | undefined {
  const root = process.env[SHARED_ASSEMBLY_ENV];
  if (!root) return undefined;
  // The bundled assembly keeps the names it always had (assembly, lock, ready, failed).
  const named = (what: string) => path.join(root, slot === 'assembly' ? what : `${slot}-${what}`);
  const outdir = path.join(root, slot);
  const ready = named('ready');
  const failed = named('failed');
  let builder = false;
  try {
    mkdirSync(named('lock'));
    builder = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (builder) {
    try {
      build(outdir);
      writeFileSync(ready, '');
    } catch (error) {
      writeFileSync(failed, (error as Error).stack ?? String(error));
      throw error;
    }
  }
  const deadline = Date.now() + WAIT_MS;
  while (!existsSync(ready)) {
    if (existsSync(failed)) throw new Error(`building the shared ${slot} failed in another test file:\n${readFileSync(failed, 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the shared ${slot} in ${outdir} was not ready within ${WAIT_MS / 60_000} minutes`);
    sleep(100);
  }
  return outdir;
}

/**
 * test/setup-env.ts turns CDK's built-in CloudFormation validation off for the many small synths
 * (it costs seconds per App and only warns); the shared assembly is validated, as `cdk synth` does.
 */
function withCloudFormationValidation<T>(fn: () => T): T {
  const saved = process.env.CDK_VALIDATION;
  delete process.env.CDK_VALIDATION;
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.CDK_VALIDATION = saved;
  }
}

/**
 * An App standing for the shared assembly: `synth()` answers it instead of synthesizing (and bundling)
 * again. Stacks built in it get the construct tree (for cdk-nag); their templates are the shared ones.
 */
export class SharedAssemblyApp extends App {
  /** `outdir` is the App's own (what constructing its stacks stages goes there), never the shared folder. */
  constructor(private readonly shared: cxapi.CloudAssembly, props: { outdir: string; context: Record<string, unknown> }) {
    super({ outdir: props.outdir, context: { ...props.context, [cxapi.BUNDLING_STACKS]: [] } });
  }

  override synth(): cxapi.CloudAssembly {
    return this.shared;
  }
}
