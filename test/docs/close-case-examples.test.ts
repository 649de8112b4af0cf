import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { closeCaseInputSchema } from '../../tasks/case/lib/schema';

const dir = path.join(__dirname, '..', '..', 'docs', 'examples', 'close-case');

describe('close-case examples', () => {
  it.each(readdirSync(dir))('%s is accepted by the first state, with a reason', (file) => {
    const parsed = closeCaseInputSchema.safeParse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data?.reason.length).toBeGreaterThan(0);
  });
});
