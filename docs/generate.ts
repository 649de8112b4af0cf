import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { enableCloudTrailInputSchema } from '../tasks/cloudtrail/lib/schema';
import { enableConfigInputSchema } from '../tasks/config/schema';
import { encryptVolumesInputSchema } from '../tasks/lib/schemas';
import { enableFlowLogsInputSchema } from '../tasks/network/lib/schema';

function schemaOf(workflow: string, schema: z.ZodMiniType): Record<string, unknown> {
  return { ...z.toJSONSchema(schema, { io: 'input' }), title: `${workflow} input` };
}

/** The JSON Schemas console users validate against, generated from the same zod schemas the first state uses. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'encrypt-volumes': schemaOf('encrypt-volumes', encryptVolumesInputSchema),
    'enable-flow-logs': schemaOf('enable-flow-logs', enableFlowLogsInputSchema),
    'enable-config': schemaOf('enable-config', enableConfigInputSchema),
    'enable-cloudtrail': schemaOf('enable-cloudtrail', enableCloudTrailInputSchema),
  };
}

if (require.main === module) {
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const file = path.join(__dirname, 'schemas', `${name}.json`);
    writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
