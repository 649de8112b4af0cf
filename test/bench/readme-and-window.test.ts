import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FaultLayer } from '../../local/faults';
import type { LocalEvent, LocalExecution } from '../../local/runner';
import { readmeCallRows, readmeDowntimeRows, readmeFleetRow } from '../../bench/readme-tables';
import { readSavedRun } from '../../bench/fleet-run';
import { measureRun } from '../../bench/window-calls';

describe('the README benchmark section', () => {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8').split('\n');

  it('shows the downtime and API-call tables the model computes, row for row', () => {
    for (const rows of [readmeDowntimeRows(), readmeCallRows()]) {
      expect(rows.length).toBeGreaterThan(0);
      const first = readme.indexOf(rows[0] as string);
      expect(first).toBeGreaterThan(0);
      expect(readme.slice(first, first + rows.length)).toEqual(rows);
    }
  });

  it('shows the fleet run `npm run bench` prints as measured (bench/fleet-figures.json), in the row after the header', () => {
    const row = readmeFleetRow(readSavedRun());
    const header = readme.findIndex((line) => line.startsWith('| fleet | children at a time |'));
    expect(header).toBeGreaterThan(0);
    expect(readme[header + 2]).toBe(row);
  });
});

describe('measureRun', () => {
  const entered = (state: string, stateType: string): LocalEvent => ({ at: '2026-12-01T00:00:00.000Z', type: 'StateEntered', state, stateType });
  const run = (calls: string[], events: LocalEvent[]): LocalExecution => {
    const faults = new FaultLayer();
    faults.callLog.push(...calls);
    return { name: 'n', workflow: 'encrypt-volumes', input: {}, status: 'SUCCEEDED', startDate: '', stopDate: '', events, invocations: {}, faults };
  };
  const events = [
    entered('Preflight', 'Task'), entered('StopInstance', 'Task'), entered('CheckInstanceStopped', 'Task'), entered('RouteInstanceStopped', 'Choice'),
    entered('SwapVolumes', 'Map'), entered('SwapVolume', 'Task'), entered('CheckInstanceStarted', 'Task'), entered('CleanupCreated', 'Task'),
  ];

  it('counts the calls from StopInstances to the running check after StartInstances, and the Task states between', () => {
    const calls = ['ec2:DescribeInstances', 'ec2:StopInstances', 'ec2:DescribeInstances', 'ec2:AttachVolume', 'ec2:StartInstances', 'ec2:DescribeInstances', 'ec2:DeleteSnapshot'];
    expect(measureRun('copy', 1, run(calls, events))).toEqual({
      sequence: 'copy', volumes: 1, windowCalls: 5, totalCalls: 7, windowTasks: 4, totalTasks: 6, transitions: 8,
    });
  });

  it('refuses a run that never stopped and started the instance', () => {
    expect(() => measureRun('direct', 1, run(['ec2:DescribeInstances'], events))).toThrow('direct: the run did not stop and start the instance');
    expect(() => measureRun('direct', 1, run(['ec2:StopInstances', 'ec2:StartInstances', 'ec2:DescribeInstances'], events.slice(0, 1))))
      .toThrow('direct: no StopInstance .. CheckInstanceStarted in the run');
  });
});
