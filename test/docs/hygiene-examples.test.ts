import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type * as z from 'zod/mini';
import { enableEbsEncryptionByDefaultInputSchema } from '../../tasks/ebs-default/lib/schema';
import { enforceImdsv2InputSchema } from '../../tasks/imds/lib/schema';

const docs = path.join(__dirname, '..', '..', 'docs', 'examples');
const WORKFLOWS: [string, z.ZodMiniType][] = [
  ['enable-ebs-encryption-by-default', enableEbsEncryptionByDefaultInputSchema],
  ['enforce-imdsv2', enforceImdsv2InputSchema],
];

describe.each(WORKFLOWS)('%s examples', (workflow, schema) => {
  const files = readdirSync(path.join(docs, workflow));
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  it.each(files)('%s is accepted by the first state', (file) => {
    expect(schema.safeParse(JSON.parse(readFileSync(path.join(docs, workflow, file), 'utf8'))).error?.issues).toBeUndefined();
  });
});
