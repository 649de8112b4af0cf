import { spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * `npm test`: the type check, the linter and jest, started together so that the two cores are both busy
 * (jest's workers have idle moments while moto answers; tsc and eslint fill them). Nothing one writes is
 * read by another: tsc emits nothing, and both keep their caches under node_modules/.cache (gitignored).
 * jest's output streams as it comes; tsc's and eslint's are printed once each has finished. Arguments are
 * passed to jest. Exits non-zero when any of the three fails.
 */
const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'remediation');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

interface Step {
  name: string;
  command: string;
  args: string[];
  /** Output shown as it comes (jest), or held until the step ends (so lines do not interleave). */
  stream: boolean;
}

const steps: Step[] = [
  { name: 'tsc', command: bin('tsc'), args: ['--noEmit', '--incremental', '--tsBuildInfoFile', path.join(CACHE, 'tsc.tsbuildinfo')], stream: false },
  { name: 'eslint', command: bin('eslint'), args: ['--cache', '--cache-location', path.join(CACHE, 'eslint') + path.sep, '.'], stream: false },
  { name: 'jest', command: bin('jest'), args: process.argv.slice(2), stream: true },
];

function run(step: Step): Promise<{ step: Step; code: number; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: ROOT, stdio: step.stream ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let held = '';
    child.stdout?.on('data', (chunk: Buffer) => (held += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (held += chunk.toString()));
    const done = (code: number) => {
      const seconds = (performance.now() - started) / 1000;
      if (held.trim()) process.stdout.write(`\n── ${step.name} ──\n${held}\n`);
      process.stdout.write(`${step.name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(1)} s\n`);
      resolve({ step, code, seconds });
    };
    child.on('error', (error) => {
      held += `${error.message}\n`;
      done(1);
    });
    child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const results = await Promise.all(steps.map(run));
  const failed = results.filter((r) => r.code !== 0).map((r) => r.step.name);
  if (failed.length > 0) {
    process.stdout.write(`\nnpm test failed: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

void main();
