import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** The feature flags `cdk synth` uses (cdk.json), so the template under test is the one we deploy. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;
