import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import type { FlowLogsResources } from '../../infra/workflows/enable-flow-logs';
import type { EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { CDK_CONTEXT } from './context';
import { addFlowLogsStack, bundledApp, newOutdir } from './shared-assembly';

export interface FlowLogsSynth {
  app: App;
  stack: Stack;
  workflow: RemediationWorkflow<EnableFlowLogsTask, FlowLogsResources, Record<string, never>>;
  template: Template;
}

/**
 * The enable-flow-logs construct alone in a stack, acknowledged as RemediationStack does: its tests see only its
 * resources (and bundle only its handlers). test/infra/nag.test.ts checks the whole RemediationStack.
 * Bundled, it comes from the assembly shared by the test run (test/infra/shared-assembly.ts).
 */
export function synthFlowLogsStack(options: { bundle: boolean }): FlowLogsSynth {
  const app = options.bundle
    ? bundledApp()
    : new App({ outdir: newOutdir(), context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const { stack, workflow } = addFlowLogsStack(app);
  return { app, stack, workflow, template: Template.fromStack(stack) };
}

export function removeFlowLogsAssembly(synth: FlowLogsSynth | undefined): void {
  if (synth && path.basename(synth.app.outdir).startsWith('remediation-infra-test-')) rmSync(synth.app.outdir, { recursive: true, force: true });
}
