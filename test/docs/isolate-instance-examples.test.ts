import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { isolateInstanceInputSchema } from '../../tasks/isolation/lib/schema';

const dir = path.join(__dirname, '..', '..', 'docs', 'examples', 'isolate-instance');

describe('isolate-instance examples', () => {
  it.each(readdirSync(dir))('%s is accepted by the first state', (file) => {
    const parsed = isolateInstanceInputSchema.safeParse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    expect(parsed.error?.issues).toBeUndefined();
  });

  it.each([
    ['no instance and no release', {}, 'instanceId'],
    ['an untracked wait over an hour', { instanceId: 'i-0123456789abcdef0', untrackedWaitSeconds: 3601 }, 'untrackedWaitSeconds'],
    ['a source that is no address', { instanceId: 'i-0123456789abcdef0', blockSourceIp: 'example' }, 'blockSourceIp'],
    ['an Auto Scaling choice it does not know', { instanceId: 'i-0123456789abcdef0', autoScaling: 'terminate' }, 'autoScaling'],
  ])('refuses %s, naming the field', (_what, input, field) => {
    const parsed = isolateInstanceInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(field);
  });
});
