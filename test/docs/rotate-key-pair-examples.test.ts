import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { rotateKeyPairInputSchema } from '../../tasks/key-pair/lib/schema';

const dir = path.join(__dirname, '..', '..', 'docs', 'examples', 'rotate-key-pair');

describe('rotate-key-pair examples', () => {
  it.each(readdirSync(dir))('%s is accepted by the first state', (file) => {
    const parsed = rotateKeyPairInputSchema.safeParse(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    expect(parsed.error?.issues).toBeUndefined();
  });

  it('without rotateKeyPair the run only reports (osUser then comes from the AMI)', () => {
    const parsed = rotateKeyPairInputSchema.parse(JSON.parse(readFileSync(path.join(dir, 'report-only.json'), 'utf8')));
    expect(parsed).toMatchObject({ rotateKeyPair: false, mode: 'apply' });
    expect(parsed.osUser).toBeUndefined();
  });
});
