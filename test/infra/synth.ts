import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { flattenStack } from '../../infra/flatten';
import type { RemediationStack } from '../../infra/stack';
import { CDK_CONTEXT, ENV } from './context';
import { addRemediationStack, bundledApp, newOutdir } from './shared-assembly';

export { CDK_CONTEXT, ENV };

export interface Synthesized {
  app: App;
  stack: RemediationStack;
  template: Template;
}

/**
 * One RemediationStack per test file. `bundle: false` skips esbuild (assets hash the
 * source instead); tests that read the bundles ask for them and get asset metadata too.
 * The bundled template and assembly are synthesized once per test run and shared
 * (test/infra/shared-assembly.ts): `app.synth()` answers that assembly.
 */
export function synthRemediationStack(options: { bundle: boolean }): Synthesized {
  const app = options.bundle
    ? bundledApp()
    : new App({ outdir: newOutdir(), context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = addRemediationStack(app);
  return { app, stack, template: flattenedTemplate(app, stack) };
}

/**
 * The stack's template with its nested stacks' resources in it (infra/flatten.ts): what the tests assert on,
 * as they did when every workflow was in one stack. The root's own template: `Template.fromStack(stack)`.
 */
export function flattenedTemplate(app: App, stack: Stack): Template {
  return Template.fromJSON(flattenStack(stack, app.synth().directory));
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
