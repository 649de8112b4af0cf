import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { investigateTrafficInputSchema } from '../../tasks/network/lib/investigate-schema';

const dir = path.join(__dirname, '..', '..', 'docs', 'examples', 'investigate-traffic');

describe('investigate-traffic examples', () => {
  it.each(readdirSync(dir))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    expect(investigateTrafficInputSchema.safeParse(example).success).toBe(true);
  });
});
