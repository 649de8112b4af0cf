import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import Table from 'cli-table3';
import { HANDLER_METADATA, PROJECT_ROOT } from '../infra/constructs/task-function';
import { flattenStack } from '../infra/flatten';
import { RemediationStack } from '../infra/stack';
import { startMoto, useEndpoint } from '../local/moto';
import { LOCAL_APPROVAL_SUBSCRIBER, synthesizeWorkflows } from '../local/definition';
import { DATA_PROFILE, MAX_VOLUMES_PER_EXECUTION, STATE_PROFILE } from '../tasks/lib/polling';
import { States } from '../workflows/encrypt-volumes';
import { COPY_RUN_OF_RUNNING_INSTANCE, HISTORY_LIMIT, VOLUME_COPY_RUN_OF_RUNNING_INSTANCE, checksFor, countRun, worstCaseChecks } from './history-model';
import { INITIALIZATION_PROFILE } from '../tasks/ebs/lib/volume-copy';
import { printDowntimeTables } from './downtime-tables';
import { measureRun, type MeasuredRun } from './window-calls';
import { testSuiteFigures } from './test-suite';

const PLAIN = { head: [], border: [] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface ExecutionFigures {
  happyPath: { volumes: number; transitions: number }[];
  measured: MeasuredRun[];
}

async function executionFigures(): Promise<ExecutionFigures> {
  const moto = await startMoto();
  try {
    useEndpoint(moto.endpoint);
    const { AccountSeeder } = await import('../local/seed');
    const { runWorkflow, localWorkflows } = await import('../local/runner');
    const synthStarted = performance.now();
    localWorkflows();
    console.log(`Synthesizing the stack for the local runner: ${(performance.now() - synthStarted).toFixed(0)} ms (once per process)`);
    const seeder = new AccountSeeder();
    const table = new Table({ head: ['volumes swapped', 'state transitions', 'per volume', 'Lambda invocations', 'per volume', 'local run (ms)'], style: PLAIN });
    const perVolume: Record<number, { transitions: number; invocations: number }> = {};
    for (const dataVolumes of [1, 9]) {
      // A gp2 root plus data volumes: 2 and 10 volumes to swap.
      const seeded = await seeder.createInstance({
        name: `bench-${dataVolumes + 1}`,
        dataVolumes: Array.from({ length: dataVolumes }, (_, i) => ({ device: `/dev/sd${String.fromCharCode(102 + i)}`, sizeGiB: 10, volumeType: 'gp3' as const })),
      });
      const started = performance.now();
      const execution = await runWorkflow('encrypt-volumes', { instanceId: seeded.instanceId, allowStop: true });
      const ms = performance.now() - started;
      if (execution.status !== 'SUCCEEDED') throw new Error(`bench run failed: ${execution.error} ${execution.cause}`);
      const volumes = dataVolumes + 1;
      const transitions = execution.events.filter((e) => e.type === 'StateEntered').length;
      const invocations = Object.values(execution.invocations).reduce((a, b) => a + b, 0);
      perVolume[volumes] = { transitions, invocations };
      table.push([volumes, transitions, (transitions / volumes).toFixed(1), invocations, (invocations / volumes).toFixed(1), ms.toFixed(0)]);
    }
    const [small, large] = [perVolume[2], perVolume[10]];
    console.log('\nHappy path, every poll succeeding first time (targets: <= 40 transitions, <= 15 invocations per volume)');
    console.log(table.toString());
    if (small && large) {
      console.log(`Marginal cost of one more volume: ${((large.transitions - small.transitions) / 8).toFixed(1)} transitions, ` +
        `${((large.invocations - small.invocations) / 8).toFixed(1)} Lambda invocations`);
    }
    // One volume per strategy: its calls in the downtime window and in total, for the downtime tables.
    const measured: MeasuredRun[] = [];
    for (const strategy of ['copy', 'direct', 'volume-copy'] as const) {
      const seeded = await seeder.createInstance({ name: `bench-window-${strategy}` });
      const execution = await runWorkflow('encrypt-volumes', { instanceId: seeded.instanceId, allowStop: true, strategy });
      if (execution.status !== 'SUCCEEDED') throw new Error(`bench ${strategy} run failed: ${execution.error} ${execution.cause}`);
      measured.push(measureRun(strategy, 1, execution));
    }
    return { happyPath: Object.entries(perVolume).map(([volumes, r]) => ({ volumes: Number(volumes), transitions: r.transitions })), measured };
  } finally {
    await moto.stop();
  }
}

/** Median of 5 cold loads, each in a fresh process: what a cold start pays to load these modules. */
function initMs(...modules: string[]): number {
  const inits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const code = `const t=process.hrtime.bigint();for(const m of ${JSON.stringify(modules)})require(m);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const run = spawnSync(process.execPath, ['-e', code], {
      env: { ...process.env, NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'), AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      encoding: 'utf8',
    });
    inits.push(Number(run.stdout));
  }
  return median(inits);
}

/** The external packages a bundle requires (the SDK clients and Powertools the runtime and layer provide). */
function sdkModulesOf(bundle: string): string[] {
  const source = readFileSync(bundle, 'utf8');
  return [...new Set([...source.matchAll(/require\("(@aws-sdk\/[a-z0-9-]+|@aws-lambda-powertools\/[a-z0-9-]+)"\)/g)].map((m) => m[1] as string))];
}

function bundleFigures(): void {
  const outdir = mkdtempSync(path.join(tmpdir(), 'remediation-bench-'));
  try {
    // The stack refuses an approval policy nobody receives; the bench only reads its bundles.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, approval: { subscribers: [LOCAL_APPROVAL_SUBSCRIBER] } } });
    const stack = new RemediationStack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
    const assembly = app.synth();
    const template = flattenStack(stack, assembly.directory) as unknown as { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
    const table = new Table({ head: ['task', 'bundle (bytes, minified)', 'module init (ms)', 'of which SDK/Powertools load', 'our code'], style: PLAIN });
    for (const resource of Object.values(template.Resources)) {
      const handler = resource.Metadata?.[HANDLER_METADATA];
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || !handler || !assetPath) continue;
      const bundle = path.join(assembly.directory, assetPath, 'index.js');
      const total = initMs(bundle);
      const sdk = initMs(...sdkModulesOf(bundle));
      table.push([handler, statSync(bundle).size, total.toFixed(1), sdk.toFixed(1), Math.max(0, total - sdk).toFixed(1)]);
    }
    console.log('\nTask bundles (targets: <= 10 KB with the SDK external; module init <= 50 ms)');
    console.log(table.toString());
    console.log('(the SDK and Powertools are external, provided by the runtime and layer; loading @aws-sdk/client-ec2 dominates a cold start)');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function historyFigures(): void {
  const TIB16 = 16 * 1024;
  const H = 3600;
  // Counted through the synthesized definition (bench/history-model.ts); the timings are those of test/workflow/history-budget.test.ts.
  const workflow = synthesizeWorkflows().workflows['encrypt-volumes'];
  if (!workflow) throw new Error('encrypt-volumes was not synthesized');
  const dataSeconds: Record<string, number> = {
    [States.waitPreCopySnapshots]: 48 * H, [States.waitPreCopyEncrypt]: 48 * H, [States.waitFinalSnapshots]: H, [States.waitFinalEncrypt]: 4 * H, [States.waitVolumes]: 300,
  };
  const stateSeconds: Record<string, number> = { [States.waitInstanceStopped]: 120, [States.waitInstanceStarted]: 60 };
  const realistic = countRun(workflow, {
    volumes: 1,
    facts: COPY_RUN_OF_RUNNING_INSTANCE,
    checks: (loop) => (loop.wait in dataSeconds ? checksFor(DATA_PROFILE, TIB16, dataSeconds[loop.wait] as number)
      : loop.wait in stateSeconds ? checksFor(STATE_PROFILE, 0, stateSeconds[loop.wait] as number, false) : 3),
  });
  const worst = countRun(workflow, { volumes: MAX_VOLUMES_PER_EXECUTION, facts: COPY_RUN_OF_RUNNING_INSTANCE, checks: worstCaseChecks(MAX_VOLUMES_PER_EXECUTION * TIB16) });
  const phases = realistic.loops.filter((l) => l.loop.wait in dataSeconds).map((l) => l.checks);
  const table = new Table({ head: ['scenario', 'history events', `share of ${HISTORY_LIMIT}`], style: PLAIN });
  table.push([`16 TiB volume, 48 h snapshot + 48 h copy, polls ${phases.join('/')}`, realistic.events, `${((100 * realistic.events) / HISTORY_LIMIT).toFixed(1)}%`]);
  table.push([`${MAX_VOLUMES_PER_EXECUTION} x 16 TiB, every poll budget exhausted`, worst.events, `${((100 * worst.events) / HISTORY_LIMIT).toFixed(1)}%`]);
  // volume-copy: no snapshot loops; the initialization (47 h for 16 TiB at 100 MiB/s) followed after the lock is released.
  const initializationReads = checksFor(INITIALIZATION_PROFILE, TIB16, 47 * H);
  const volumeCopy = countRun(workflow, {
    volumes: 1,
    facts: VOLUME_COPY_RUN_OF_RUNNING_INSTANCE,
    checks: (loop) => (loop.wait === States.waitVolumeInitialization ? initializationReads : loop.wait === States.waitVolumes ? checksFor(DATA_PROFILE, 0, 300)
      : loop.wait in stateSeconds ? checksFor(STATE_PROFILE, 0, stateSeconds[loop.wait] as number, false) : 3),
  });
  const volumeCopyWorst = countRun(workflow, {
    volumes: MAX_VOLUMES_PER_EXECUTION, facts: VOLUME_COPY_RUN_OF_RUNNING_INSTANCE, checks: worstCaseChecks(MAX_VOLUMES_PER_EXECUTION * TIB16),
  });
  table.push([`volume-copy, 16 TiB, 47 h initialization followed in ${initializationReads} reads`, volumeCopy.events, `${((100 * volumeCopy.events) / HISTORY_LIMIT).toFixed(1)}%`]);
  table.push([`volume-copy, ${MAX_VOLUMES_PER_EXECUTION} x 16 TiB, every budget exhausted`, volumeCopyWorst.events, `${((100 * volumeCopyWorst.events) / HISTORY_LIMIT).toFixed(1)}%`]);
  console.log('\nExecution history budget');
  console.log(table.toString());
}

async function main(): Promise<void> {
  const { happyPath, measured } = await executionFigures();
  bundleFigures();
  historyFigures();
  printDowntimeTables(happyPath, measured);
  testSuiteFigures();
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
