import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { createEc2Client } from '../lib/clients/ec2';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { TRANSIENT_ERRORS, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import type { UnblockPlan } from './lib/block-types';
import type { UnblockSourceIpInput } from './lib/block-schema';
import { BLOCK_EXECUTIONS_ENV, describeManagedNacls, managedBlocks } from './lib/nacl-blocks';

const ec2 = createEc2Client();
const sfn = createSfnClient();
const { [BLOCK_EXECUTIONS_ENV]: BLOCK_EXECUTION_ARN_PREFIX } = readEnv({ [BLOCK_EXECUTIONS_ENV]: requiredString });
const TRANSIENT: ReadonlySet<string> = new Set(TRANSIENT_ERRORS);

/** The error a block execution ends with when an early unblock removed the last of its entries. */
export const UNBLOCKED_EARLY = 'UnblockedEarly';

export interface StopBlockExecutionsEvent {
  request: Pick<UnblockSourceIpInput, 'onlyExpired'>;
  execution: ExecutionFacts;
  plan: Pick<UnblockPlan, 'remove'>;
}

export interface BlockExecutionOutcome {
  blockExecution: string;
  /** stopped: its Wait will not wake; still-waiting: some of its entries remain (its expiry removes them); already-ended / not-found: nothing to stop. */
  status: 'stopped' | 'still-waiting' | 'already-ended' | 'not-found' | 'stop-failed';
  /** still-waiting: the entries it still holds. */
  remaining?: { naclId: string; cidr: string }[];
  error?: string;
}

/**
 * After an early unblock (verified): each block execution whose entries were removed is still waiting for its expiry in
 * its own Wait. One that holds no entry any more (on any NACL, by the NACLs' own record) is stopped, its cause naming this
 * unblock, so its history says why it ended; one that still holds entries keeps waiting, for its expiry removes them.
 * The scheduled removal (onlyExpired) stops nothing: the execution that started it is ending by itself.
 */
export const handler = async ({ request, execution, plan }: StopBlockExecutionsEvent): Promise<BlockExecutionOutcome[]> => {
  const named = [...new Set(plan.remove.map((b) => b.execution))];
  if (request.onlyExpired || named.length === 0) return [];
  const held = (await describeManagedNacls(ec2)).flatMap(managedBlocks);
  const outcomes: BlockExecutionOutcome[] = [];
  for (const blockExecution of named) {
    const remaining = held.filter((b) => b.execution === blockExecution).map((b) => ({ naclId: b.naclId, cidr: b.cidr }));
    if (remaining.length > 0) {
      outcomes.push({ blockExecution, status: 'still-waiting', remaining });
      continue;
    }
    outcomes.push({ blockExecution, ...(await stop(`${BLOCK_EXECUTION_ARN_PREFIX}${blockExecution}`, execution.name)) });
  }
  logger.info('block executions', { outcomes: outcomes.map((o) => `${o.blockExecution}: ${o.status}`) });
  return outcomes;
};

async function stop(executionArn: string, unblockExecution: string): Promise<Pick<BlockExecutionOutcome, 'status' | 'error'>> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return { status: 'already-ended' };
    await sfn.send(new StopExecutionCommand({
      executionArn, error: UNBLOCKED_EARLY,
      cause: `every entry of this block was removed early by unblock-source-ip execution ${unblockExecution}: nothing is left for its expiry to remove`,
    }));
    return { status: 'stopped' };
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (name === 'ExecutionDoesNotExist') return { status: 'not-found' };
    if (TRANSIENT.has(name)) throw error;
    // The entries are gone and verified: a block execution left waiting only wakes to find nothing to remove (NO_ACTION).
    return { status: 'stop-failed', error: `${name}: ${(error as Error).message}` };
  }
}
