import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemas } from '../../docs/generate';
import { encryptVolumesInputSchema } from '../../tasks/ebs/lib/schema';
import { blockSourceIpInputSchema, unblockSourceIpInputSchema } from '../../tasks/network/lib/block-schema';
import { highCpuInputSchema } from '../../tasks/high-cpu/lib/schema';

const docs = path.join(__dirname, '..', '..', 'docs');
const workflows = Object.keys(jsonSchemas());

describe.each(workflows)('console documentation of %s', (workflow) => {
  it('the committed JSON Schema is the one generated from the zod schema (run `npm run docs` after changing it)', () => {
    const committed = JSON.parse(readFileSync(path.join(docs, 'schemas', `${workflow}.json`), 'utf8'));
    expect(committed).toEqual(jsonSchemas()[workflow]);
  });

  it('the schema refuses unknown fields, as the workflow does, and has ready-to-paste examples', () => {
    const schema = jsonSchemas()[workflow] as { additionalProperties: boolean };
    expect(schema.additionalProperties).toBe(false);
    expect(existsSync(path.join(docs, 'examples', workflow))).toBe(true);
    expect(readdirSync(path.join(docs, 'examples', workflow)).length).toBeGreaterThan(0);
  });
});

describe('encrypt-volumes examples', () => {
  it.each(readdirSync(path.join(docs, 'examples', 'encrypt-volumes')))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(docs, 'examples', 'encrypt-volumes', file), 'utf8'));
    expect(encryptVolumesInputSchema.safeParse(example).success).toBe(true);
  });

  it('instanceId is the only required field', () => {
    expect((jsonSchemas()['encrypt-volumes'] as { required: string[] }).required).toEqual(['instanceId']);
  });
});

describe.each([
  ['block-source-ip', blockSourceIpInputSchema],
  ['unblock-source-ip', unblockSourceIpInputSchema],
  ['high-cpu', highCpuInputSchema],
] as const)('%s examples', (workflow, schema) => {
  it.each(readdirSync(path.join(docs, 'examples', workflow)))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(docs, 'examples', workflow, file), 'utf8'));
    expect(schema.safeParse(example).error?.issues).toBeUndefined();
  });
});
