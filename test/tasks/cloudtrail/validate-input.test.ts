import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { handler } from '../../../tasks/cloudtrail/validate-input';
import { InvalidInputError } from '../../../tasks/lib/errors';
import { EXECUTION } from './fixtures';

describe('validate-input', () => {
  it('fills the defaults', async () => {
    expect((await handler({ input: {}, execution: EXECUTION })).request).toEqual({ trailName: 'remediation-trail', mode: 'apply', trigger: { source: 'console', claimed: true } });
  });

  it('accepts bucket lists and "all"', async () => {
    expect((await handler({ input: { dataEventBuckets: ['a.b-c'] }, execution: EXECUTION })).request.dataEventBuckets).toEqual(['a.b-c']);
    expect((await handler({ input: { dataEventBuckets: 'all' }, execution: EXECUTION })).request.dataEventBuckets).toBe('all');
  });

  it.each([
    [{ dataEventBuckets: ['Not_A_Bucket'] }, 'dataEventBuckets'],
    [{ dataEventBuckets: ['a1b', 'a1b'] }, 'must not repeat a bucket'],
    [{ dataEventBuckets: [] }, 'dataEventBuckets'],
    [{ trailName: '-bad' }, 'trailName'],
    [{ kmsKeyId: 'my-key' }, 'kmsKeyId'],
    [{ bucket: 'x' }, 'unknown field(s) "bucket"'],
  ])('refuses %j naming the field', async (input, message) => {
    const failure = handler({ input, execution: EXECUTION });

    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(message);
  });
});

describe('docs/examples/enable-cloudtrail', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'docs', 'examples', 'enable-cloudtrail');

  it.each(readdirSync(dir))('%s is accepted by the first state', async (file) => {
    const input: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));

    await expect(handler({ input, execution: EXECUTION })).resolves.toMatchObject({ execution: EXECUTION });
  });
});
