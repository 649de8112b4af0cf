import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The approval subscriber the tests' context names (cdk.json has none). */
export const TEST_APPROVAL_SUBSCRIBER = 'secops-approvals@example.com';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** The feature flags `cdk synth` uses (cdk.json), so the template under test is the one we deploy. */
export const CDK_CONTEXT: Record<string, unknown> = {
  ...JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')).context,
  // cdk.json keeps no real subscriber (a deploy must name its own); the tests name one.
  approval: { subscribers: [TEST_APPROVAL_SUBSCRIBER] },
};
