import { DemoProgress, itemLabel } from '../../local/demo/progress';
import type { LocalWorkflow } from '../../local/definition';
import type { LocalEvent } from '../../local/runner';

const workflow = (states: string[]): LocalWorkflow => ({ definition: { States: Object.fromEntries(states.map((s) => [s, {}])) }, handlers: {}, callbacks: [], stateMachineName: 'x' });
const WORKFLOWS = { 'encrypt-volumes': workflow(['Preflight', 'Snapshots', 'CheckSnapshots', 'Route']) };
const NAME = 'encrypt-volumes-i-0123456789abcdef0-20261127T120000Z';
const at = '2026-11-27T12:00:00.000Z';
const e = (type: string, more: Partial<LocalEvent> = {}): LocalEvent => ({ at, type, execution: NAME, ...more });
const volume = (volumeId: string) => ({ volume: { volumeId, device: '/dev/sdf' }, instanceId: 'i-0123456789abcdef0' });
const EVENTS: LocalEvent[] = [
  e('ExecutionStarted'),
  e('StateEntered', { state: 'Preflight', stateType: 'Task' }),
  e('StateEntered', { state: 'Snapshots', stateType: 'Map' }),
  e('StateEntered', { state: 'CreateSnapshot', stateType: 'Task', index: 0, input: volume('vol-1') }),
  e('StateEntered', { state: 'CreateSnapshot', stateType: 'Task', index: 1, input: volume('vol-2') }),
  e('StateRetried', { state: 'CreateSnapshot', stateType: 'Task', index: 1, input: volume('vol-2') }),
  ...[1, 2, 3].flatMap(() => [e('StateEntered', { state: 'CheckSnapshots', stateType: 'Task' }), e('StateEntered', { state: 'Route', stateType: 'Choice' })]),
  e('ExecutionSucceeded'),
];
const printed = (verbose: boolean) => {
  const lines: string[] = [];
  const progress = new DemoProgress(WORKFLOWS, verbose, (text) => lines.push(text));
  EVENTS.forEach(progress.onEvent);
  return lines.join('\n').replace(/^ *\d+\.\ds/gm, 'T').replace(/in \d+\.\ds/g, 'in T');
};

describe('the demo progress', () => {
  it('names what a Map iteration works on: volume before VPC before instance, else its index', () => {
    expect(itemLabel(volume('vol-1'), 0)).toBe('volume vol-1');
    expect(itemLabel({ vpcId: 'vpc-1', instanceId: 'i-1' }, 0)).toBe('VPC vpc-1');
    expect(itemLabel({ instance: { instanceId: 'i-1' } }, 3)).toBe('instance i-1');
    expect(itemLabel({ other: true }, 3)).toBe('item 3');
  });

  it('prints one summary per execution: outcome, states, items by kind, phases with counts', () => {
    expect(printed(false)).toBe([
      `T ${NAME}: SUCCEEDED, 10 states in T; 2 volumes: vol-1, vol-2`,
      '         Preflight → Snapshots (2 volumes) → CheckSnapshots (3 polls)',
    ].join('\n'));
  });

  it('--verbose prints every state as it runs, iterations labelled by their item', () => {
    const lines = printed(true).split('\n');

    expect(lines.slice(0, 7)).toEqual([
      `T ${NAME} started`, 'T Preflight', 'T Snapshots', 'T   [volume vol-1] CreateSnapshot', 'T   [volume vol-2] CreateSnapshot',
      'T   [volume vol-2] CreateSnapshot (retry)', 'T CheckSnapshots',
    ]);
    expect(lines.at(-2)).toBe(`T ${NAME}: SUCCEEDED, 10 states in T; 2 volumes: vol-1, vol-2`);
  });
});
