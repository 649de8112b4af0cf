import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Table from 'cli-table3';

const ROOT = path.resolve(__dirname, '..');

interface JestJson {
  success: boolean;
  numTotalTests: number;
  numFailedTests: number;
  numTotalTestSuites: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}

/**
 * The test suite's figures: jest's wall time (its own workers, as `npm test` runs it) and its slowest files,
 * from `jest --json`. Figures only: nothing here is asserted, and the machine's load moves them.
 */
export function testSuiteFigures(slowest = 5): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'remediation-bench-jest-'));
  try {
    const outputFile = path.join(dir, 'results.json');
    const started = performance.now();
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'jest'), ['--json', `--outputFile=${outputFile}`], { cwd: ROOT, stdio: 'ignore' });
    const wallSeconds = (performance.now() - started) / 1000;
    const results = JSON.parse(readFileSync(outputFile, 'utf8')) as JestJson;
    const files = results.testResults
      .map((r) => ({ file: path.relative(ROOT, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    const sum = files.reduce((total, f) => total + f.seconds, 0);
    console.log(`\nTest suite: jest wall time ${wallSeconds.toFixed(1)} s for ${results.numTotalTestSuites} files, ${results.numTotalTests} tests ` +
      `(${results.success && run.status === 0 ? 'all passed' : `${results.numFailedTests} failed`}); the files' own times add up to ${sum.toFixed(1)} s`);
    const table = new Table({ head: [`${slowest} slowest test files`, 'seconds'], style: { head: [], border: [] } });
    for (const f of files.slice(0, slowest)) table.push([f.file, f.seconds.toFixed(1)]);
    console.log(table.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
