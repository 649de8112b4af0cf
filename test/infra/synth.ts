import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RemediationStack } from '../../infra/stack';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** The feature flags `cdk synth` uses (cdk.json), so the template under test is the one we deploy. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

export interface Synthesized {
  app: App;
  stack: RemediationStack;
  template: Template;
}

/**
 * One RemediationStack per test file. `bundle: false` skips esbuild (assets hash the
 * source instead); tests that read the bundles ask for them and get asset metadata too.
 */
export function synthRemediationStack(options: { bundle: boolean }): Synthesized {
  const app = new App({
    outdir: mkdtempSync(path.join(os.tmpdir(), 'remediation-infra-test-')),
    context: {
      ...CDK_CONTEXT,
      ...(options.bundle ? { [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true } : { [cxapi.BUNDLING_STACKS]: [] }),
    },
  });
  const stack = new RemediationStack(app, 'Test', { env: ENV });
  return { app, stack, template: Template.fromStack(stack) };
}

/** Removes the temporary cloud assembly (bundles included) that synthRemediationStack made. */
export function removeAssembly(synth: Synthesized | undefined): void {
  if (synth && path.basename(synth.app.outdir).startsWith('remediation-infra-test-')) {
    rmSync(synth.app.outdir, { recursive: true, force: true });
  }
}

/** Resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}
