import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { flattenStack } from '../../infra/flatten';
import type { RemediationStack } from '../../infra/stack';
import { CDK_CONTEXT, ENV } from './context';
import { REMEDIATION_STACK, addRemediationStack, bundledApp, newOutdir, sharedOnce } from './shared-assembly';

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

/** The unbundled RemediationStack's template, for a test that reads only the template (no construct tree, no App). */
export interface SynthesizedTemplate {
  template: Template;
  stackName: string;
}

/**
 * What `synthRemediationStack({ bundle: false })` gives as its template, synthesized once per test run and
 * shared by every file that only reads it: each RemediationStack synthesis costs seconds of CPU. The first
 * file to ask synthesizes into the run's shared folder (test/infra/shared-assembly.ts); the others read
 * the template file. Without the global setup it is synthesized here, as synthRemediationStack does.
 */
/** The flattened template's file in the shared folder. */
const FLATTENED = `${REMEDIATION_STACK}.flattened.json`;

export function sharedRemediationTemplate(): SynthesizedTemplate {
  const outdir = sharedOnce('unbundled', (dir) => {
    const app = new App({ outdir: dir, context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
    const stack = addRemediationStack(app);
    // Every workflow is in a nested stack of its own: the tests read the one template they deploy as.
    writeFileSync(path.join(dir, FLATTENED), JSON.stringify(flattenStack(stack, app.synth().directory)));
  });
  if (outdir === undefined) {
    const synth = synthRemediationStack({ bundle: false });
    removeAssembly(synth);
    return { template: synth.template, stackName: synth.stack.stackName };
  }
  const template = JSON.parse(readFileSync(path.join(outdir, FLATTENED), 'utf8')) as Record<string, unknown>;
  return { template: Template.fromJSON(template), stackName: REMEDIATION_STACK };
}

/** The bundled RemediationStack's flattened template and the shared assembly's folder (each function's bundle is under it). */
export interface SharedBundled {
  template: Template;
  /** The bundled cloud assembly shared by the run: read only. */
  assemblyDir: string;
}

/** The flattened template's file, beside the shared bundled assembly. */
const BUNDLED_FLATTENED = `${REMEDIATION_STACK}.bundled.flattened.json`;

/**
 * What `synthRemediationStack({ bundle: true })` gives as its template and assembly, for a file that reads only
 * those (no construct tree): the stack is constructed once per run to flatten the shared assembly's templates,
 * not once per file (each construction costs seconds of CPU). Without the global setup, as synthRemediationStack.
 */
export function sharedBundledTemplate(): SharedBundled {
  const outdir = sharedOnce('bundled-flattened', (dir) => {
    const synth = synthRemediationStack({ bundle: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, BUNDLED_FLATTENED), JSON.stringify(synth.template.toJSON()));
    writeFileSync(path.join(dir, 'assembly-dir'), synth.app.synth().directory);
    removeAssembly(synth);
  });
  if (outdir === undefined) {
    const synth = synthRemediationStack({ bundle: true });
    return { template: synth.template, assemblyDir: synth.app.synth().directory };
  }
  const template = JSON.parse(readFileSync(path.join(outdir, BUNDLED_FLATTENED), 'utf8')) as Record<string, unknown>;
  return { template: Template.fromJSON(template), assemblyDir: readFileSync(path.join(outdir, 'assembly-dir'), 'utf8') };
}

let bundlesByEntry: Map<string, string> | undefined;

/**
 * The esbuild bundle of the function that runs `entry` (its HANDLER_METADATA), from the shared bundled assembly: a
 * bundle depends only on its entry and the TaskFunction's esbuild options, so a test of one workflow in a stack of its
 * own reads the same bytes here as its own bundling would make, without bundling again (synthesize that stack with
 * BUNDLING_STACKS: [] and read the bundles here).
 */
export function sharedBundleOf(entry: string): string {
  if (!bundlesByEntry) {
    const { template, assemblyDir } = sharedBundledTemplate();
    bundlesByEntry = new Map();
    for (const fn of Object.values(resourcesOf(template, 'AWS::Lambda::Function'))) {
      const handler = fn.Metadata?.[HANDLER_METADATA];
      const asset = fn.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY];
      if (typeof handler === 'string' && typeof asset === 'string') bundlesByEntry.set(handler, path.join(assemblyDir, asset, 'index.js'));
    }
  }
  const file = bundlesByEntry.get(entry);
  if (!file) throw new Error(`no function of the shared bundled assembly runs ${entry}`);
  return readFileSync(file, 'utf8');
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
