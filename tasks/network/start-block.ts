import { fromEnv } from '@aws-sdk/credential-provider-env';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { childExecutionName } from '../lib/names';
import type { ReportedTrigger } from '../lib/schemas';
import { startProvenExecution } from '../lib/start-execution';
import { WORKFLOW } from '../lib/workflow-names';
import type { BlockRequest, InvestigationContext, InvestigationPlan } from './lib/investigation';

const sfn = createSfnClient();
/** block-source-ip's state machine: the only one this function may start. */
const { BLOCK_STATE_MACHINE_ARN } = readEnv({ BLOCK_STATE_MACHINE_ARN: requiredString });
/** The function's own credentials (Lambda's environment): what the child's identity proof is signed with. */
const credentials = fromEnv();

export interface StartBlockEvent extends InvestigationContext {
  plan: InvestigationPlan;
}

/** The block's trigger: the investigation's (as given, less what its own verification added), linked to it. */
function childTrigger(trigger: ReportedTrigger | undefined, parentExecution: string): Record<string, unknown> {
  return {
    source: trigger?.source ?? 'console',
    ...(trigger?.principal ? { principal: trigger.principal } : {}),
    ...(trigger?.eventId ? { eventId: trigger.eventId } : {}),
    parentExecution,
  };
}

/**
 * Starts block-source-ip for the CIDRs the person chose (`block: true`, `blockCidrs`) on the NACLs of the
 * investigated ENIs' subnets, always through its approval gate (`approval: true`): an investigation
 * blocks nothing by itself. Named from this execution's name, so a retry (after a throttle or a lost
 * answer) finds the execution the first attempt started. Plan mode, or no block asked for: nothing starts.
 */
export const handler = async ({ request, execution, plan }: StartBlockEvent): Promise<BlockRequest | undefined> => {
  const block = plan.block;
  if (!block || plan.outcome === 'PLANNED' || request.mode === 'plan') return block;
  const name = childExecutionName(WORKFLOW.investigateTraffic, WORKFLOW.blockSourceIp, execution.name);
  const input = { ...block.input, trigger: childTrigger(request.trigger as ReportedTrigger | undefined, execution.arn ?? execution.name) };
  const started = await startProvenExecution(sfn, { stateMachineArn: BLOCK_STATE_MACHINE_ARN, name, input, credentials });
  logger.info('block-source-ip started', { ...started, cidrs: block.input.cidrs.length, subnets: block.input.subnetIds.length });
  return {
    ...block,
    status: 'started',
    reason: started.alreadyStarted ? 'started by an earlier attempt of this step; it waits for a person\'s approval' : 'started; it waits for a person\'s approval before any change',
    execution: started,
  };
};
