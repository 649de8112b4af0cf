import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { useEndpoint } from '../../local/moto';
import { saveExecution } from '../../local/store';
import { cli } from '../cli/cli';

// A run that cannot start still gets its name and a FAILED record with the reason, as a started execution does.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'failed-start-'));
  useEndpoint('http://127.0.0.1:1'); // nothing listens there: the emulator is gone
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a local run that fails before its first state', () => {
  it('ends FAILED with the reason, is stored, and history --local shows it', async () => {
    const { runWorkflow } = await import('../../local/runner');

    const execution = await runWorkflow('enable-config', { trigger: { source: 'cli' } }, { executionName: 'enable-config-account-20261127T120000Z', store: (e) => saveExecution(e, dir) });

    expect(execution).toMatchObject({ name: 'enable-config-account-20261127T120000Z', status: 'FAILED', error: 'LocalRunnerError' });
    expect(execution.cause).toMatch(/^the local runner could not run the execution: creating topic \S+ in the emulator: .*ECONNREFUSED/);
    const history = await cli(['history', '--local', '--json'], { localDir: dir });
    expect(JSON.parse(history.out)).toEqual([expect.objectContaining({
      name: execution.name, workflow: 'enable-config', status: 'FAILED', outcome: 'LocalRunnerError', error: 'LocalRunnerError', cause: execution.cause,
    })]);
  });
});
