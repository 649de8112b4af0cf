import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemas } from '../../docs/generate';
import { SCHEDULED_INPUT, expireRetainedInputSchema } from '../../tasks/expire/lib/schema';

const examples = path.join(__dirname, '..', '..', 'docs', 'examples', 'expire-retained');

describe('expire-retained examples', () => {
  it.each(readdirSync(examples))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(examples, file), 'utf8'));
    expect(expireRetainedInputSchema.safeParse(example).error?.issues).toBeUndefined();
  });

  it('scheduled.json is what the daily schedule sends', () => {
    expect(JSON.parse(readFileSync(path.join(examples, 'scheduled.json'), 'utf8'))).toEqual(SCHEDULED_INPUT);
  });

  it('nothing is required: {} applies', () => {
    expect((jsonSchemas()['expire-retained'] as { required?: string[] }).required).toBeUndefined();
    expect(expireRetainedInputSchema.safeParse({}).success).toBe(true);
  });
});
