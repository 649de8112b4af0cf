import { buildInput } from '../../cli/commands/start';
import type { CliDeps } from '../../cli/commands/context';

// GIVEN a start's input, WHEN the CLI builds it, THEN the target it names the execution for is the workflow's target
// field: the instance, or for investigate-traffic started with eniIds the first network interface (never "undefined").
const TRIGGER = { source: 'cli' as const };
const deps = {} as CliDeps;

describe('remediate start: the target an execution is named for', () => {
  it.each([
    ['investigate-traffic by network interfaces', 'investigate-traffic', { eniIds: ['eni-0123456789abcdef0', 'eni-0fedcba9876543210'] }, 'eni-0123456789abcdef0'],
    ['investigate-traffic by instance', 'investigate-traffic', { instanceId: 'i-0123456789abcdef0' }, 'i-0123456789abcdef0'],
    ['an account-level workflow', 'enable-config', {}, 'account'],
  ])('%s', async (_what, workflow, input, target) => {
    const built = await buildInput(workflow, { input: JSON.stringify({ ...input, trigger: TRIGGER }) }, deps);

    expect(built.target).toBe(target);
  });
});
