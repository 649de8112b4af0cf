import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { jsonSchemas } from '../../docs/generate';
import { enableFlowLogsInputSchema } from '../../tasks/network/lib/schema';

const examples = path.join(__dirname, '..', '..', 'docs', 'examples', 'enable-flow-logs');

describe('enable-flow-logs examples', () => {
  it.each(readdirSync(examples))('%s is accepted by the first state', (file) => {
    const example = JSON.parse(readFileSync(path.join(examples, file), 'utf8'));
    expect(enableFlowLogsInputSchema.safeParse(example).success).toBe(true);
  });

  it('destination is the only field the JSON Schema itself requires (vpcIds or allVpcs is checked by the first state)', () => {
    expect((jsonSchemas()['enable-flow-logs'] as { required: string[] }).required).toEqual(['destination']);
  });
});
