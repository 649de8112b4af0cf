import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { principalOf } from '../../tasks/principal/lib/principal';
import { containPrincipalInputSchema } from '../../tasks/principal/lib/schema';

const dir = path.join(__dirname, '..', '..', 'docs', 'examples', 'contain-principal');

describe('contain-principal examples', () => {
  it.each(readdirSync(dir))('%s is accepted by the first state, and names a principal it can contain (or a release)', (file) => {
    const example = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const parsed = containPrincipalInputSchema.safeParse(example);
    expect(parsed.error?.issues).toBeUndefined();
    if (parsed.data?.principalArn) expect(() => principalOf(parsed.data.principalArn as string, parsed.data.principalType as string)).not.toThrow();
  });
});
