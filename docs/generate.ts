import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { startableWorkflows } from '../workflows/registry';

/** The JSON Schemas console users validate against, generated from the same zod schemas the first state uses. */
export function jsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(startableWorkflows().map((w) => [w.name, { ...z.toJSONSchema(w.schema, { io: 'input' }), title: `${w.name} input` }]));
}

if (require.main === module) {
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const file = path.join(__dirname, 'schemas', `${name}.json`);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
