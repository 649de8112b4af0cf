import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemas } from '../../docs/generate';
import { refreshAmiInputSchema } from '../../tasks/ami/lib/schema';

const examples = path.join(__dirname, '..', '..', 'docs', 'examples', 'refresh-ami');

describe('refresh-ami examples', () => {
  it.each(readdirSync(examples))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(examples, file), 'utf8'));
    expect(refreshAmiInputSchema.safeParse(example).error?.issues).toBeUndefined();
  });

  it('action is the only field the JSON Schema itself requires (what each action needs is checked by the first state)', () => {
    expect((jsonSchemas()['refresh-ami'] as { required: string[] }).required).toEqual(['action']);
  });
});
