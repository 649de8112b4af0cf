import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemas } from '../../docs/generate';
import { encryptVolumesInputSchema } from '../../tasks/lib/schemas';

const docs = path.join(__dirname, '..', '..', 'docs');

describe('console documentation', () => {
  it('the committed JSON Schema is the one generated from the zod schema (run `npm run docs` after changing it)', () => {
    const committed = JSON.parse(readFileSync(path.join(docs, 'schemas', 'encrypt-volumes.json'), 'utf8'));
    expect(committed).toEqual(jsonSchemas()['encrypt-volumes']);
  });

  it.each(readdirSync(path.join(docs, 'examples', 'encrypt-volumes')))('example %s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(docs, 'examples', 'encrypt-volumes', file), 'utf8'));
    expect(encryptVolumesInputSchema.safeParse(example).success).toBe(true);
  });

  it('the schema refuses unknown fields, as the workflow does', () => {
    const schema = jsonSchemas()['encrypt-volumes'] as { additionalProperties: boolean; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['instanceId']);
  });
});
