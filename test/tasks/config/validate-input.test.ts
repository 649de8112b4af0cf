import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { handler } from '../../../tasks/config/validate-input';
import { InvalidInputError } from '../../../tasks/lib/errors';

const execution = { name: 'enable-config-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };

describe('validate-input (enable-config)', () => {
  it('fills the defaults: home region = this region, no overwrite, daily delivery, apply, console', async () => {
    const out = await handler({ input: {}, execution });

    expect(out).toEqual({
      request: { homeRegion: 'us-east-1', overwrite: false, deliveryFrequency: 'TwentyFour_Hours', mode: 'apply', trigger: { source: 'console', claimed: true } },
      execution,
      region: 'us-east-1',
    });
  });

  it('keeps what was given', async () => {
    const input = { homeRegion: 'eu-west-1', snsTopicArn: 'arn:aws:sns:us-east-1:111122223333:t', overwrite: true, deliveryFrequency: 'One_Hour', mode: 'plan', trigger: { source: 'cli' } };

    const out = await handler({ input, execution });

    // Without an identity proof the trigger is kept as given, marked claimed (tasks/lib/identity/trigger.ts).
    expect(out.request).toEqual({ ...input, trigger: { ...input.trigger, claimed: true } });
  });

  it.each([
    [{ homeRegion: 'Virginia' }, 'homeRegion: must be a region name such as us-east-1'],
    [{ deliveryFrequency: 'Daily' }, 'deliveryFrequency:'],
    [{ snsTopicArn: 'arn:aws:s3:::bucket' }, 'snsTopicArn: must be an SNS topic ARN'],
    [{ overwrite: 'yes' }, 'overwrite:'],
    [{ bucket: 'mine' }, '(input): unknown field(s) "bucket"'],
  ])('refuses %j naming the field', async (input, message) => {
    const refusal = handler({ input, execution });

    await expect(refusal).rejects.toThrow(InvalidInputError);
    await expect(refusal).rejects.toThrow(message);
  });
});

describe('docs/examples/enable-config', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'docs', 'examples', 'enable-config');

  it.each(readdirSync(dir))('%s is accepted by the first state', async (file) => {
    const input = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));

    await expect(handler({ input, execution })).resolves.toMatchObject({ request: input });
  });
});
