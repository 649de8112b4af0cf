import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { enableFlowLogsSpec, type FlowLogsResources } from '../../infra/workflows/enable-flow-logs';
import type { EnableFlowLogsTask } from '../../workflows/enable-flow-logs';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { acknowledgeAcceptedFindings } from '../../infra/nag';
import { CDK_CONTEXT, ENV } from './synth';

export interface FlowLogsSynth {
  app: App;
  stack: Stack;
  workflow: RemediationWorkflow<EnableFlowLogsTask, FlowLogsResources, Record<string, never>>;
  template: Template;
}

/**
 * The enable-flow-logs construct alone in a stack, acknowledged as RemediationStack does: its tests see only its
 * resources (and bundle only its handlers). test/infra/nag.test.ts checks the whole RemediationStack.
 */
export function synthFlowLogsStack(options: { bundle: boolean }): FlowLogsSynth {
  const app = new App({
    outdir: mkdtempSync(path.join(os.tmpdir(), 'remediation-infra-test-')),
    context: {
      ...CDK_CONTEXT,
      ...(options.bundle ? { [cxapi.ASSET_RESOURCE_METADATA_ENABLED_CONTEXT]: true } : { [cxapi.BUNDLING_STACKS]: [] }),
    },
  });
  const stack = new Stack(app, 'FlowLogsTest', { env: ENV });
  const workflow = new RemediationWorkflow(stack, 'EnableFlowLogs', enableFlowLogsSpec, {});
  acknowledgeAcceptedFindings(stack);
  return { app, stack, workflow, template: Template.fromStack(stack) };
}

export function removeFlowLogsAssembly(synth: FlowLogsSynth | undefined): void {
  if (synth && path.basename(synth.app.outdir).startsWith('remediation-infra-test-')) rmSync(synth.app.outdir, { recursive: true, force: true });
}
