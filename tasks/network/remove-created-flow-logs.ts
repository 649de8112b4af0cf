import { DeleteFlowLogsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { createdByExecution, findFlowLogs } from './lib/flow-logs';

const ec2 = createEc2Client();

export interface RemoveCreatedFlowLogsEvent {
  executionName: string;
  error: { Error?: string; Cause?: string };
}

export interface FlowLogsCleanup {
  removed: string[];
  /** The original failure's name and a cause that says what was removed: the Fail state reports both. */
  error: string;
  cause: string;
}

const ALREADY_GONE = 'InvalidFlowLogId.NotFound';

/**
 * After a failure past the first change: deletes the flow logs this execution created (found by its tags), since
 * a flow log that delivers nothing only looks like coverage. Flow logs that were there before are never touched.
 * Idempotent: a re-run finds nothing left to delete.
 */
export const handler = async ({ executionName, error }: RemoveCreatedFlowLogsEvent): Promise<FlowLogsCleanup> => {
  const ours = (await findFlowLogs(ec2, { Filter: createdByExecution(executionName) })).map((f) => f.FlowLogId as string);
  const removed: string[] = [];
  if (ours.length > 0) {
    const out = await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: ours }));
    const failed = (out.Unsuccessful ?? []).filter((u) => u.Error?.Code !== ALREADY_GONE);
    if (failed.length > 0) {
      throw new Error(`could not delete flow logs: ${failed.map((u) => `${u.ResourceId}: ${u.Error?.Code} ${u.Error?.Message}`).join('; ')}`);
    }
    removed.push(...ours);
  }
  logger.info('removed the flow logs this execution created', { removed });
  const undone = removed.length > 0 ? `deleted the flow logs this execution created: ${removed.join(', ')}` : 'this execution had created no flow log';
  return { removed, error: error.Error ?? 'States.TaskFailed', cause: `${error.Cause ?? 'no cause given'} (${undone})` };
};
