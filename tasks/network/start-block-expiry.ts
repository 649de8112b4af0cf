import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { MAX_EXECUTION_NAME_LENGTH } from '../lib/names';
import { WORKFLOW } from '../lib/workflow-names';
import { UNBLOCK_ARN_ENV } from './lib/nacl-blocks';

const sfn = createSfnClient();
const { [UNBLOCK_ARN_ENV]: UNBLOCK_ARN } = readEnv({ [UNBLOCK_ARN_ENV]: requiredString });

export interface StartBlockExpiryEvent {
  executionName: string;
  executionArn: string;
}

export interface BlockExpiryStarted {
  execution: string;
  alreadyStarted: boolean;
  at: string;
}

/** One name per block execution: a retry after a lost answer finds the removal it started (ExecutionAlreadyExists). */
export const expiryExecutionName = (blockExecution: string): string => {
  const prefix = `${WORKFLOW.unblockSourceIp}-expiry-`;
  return `${prefix}${blockExecution.slice(-(MAX_EXECUTION_NAME_LENGTH - prefix.length))}`;
};

/**
 * The block's expiry has come (WaitUntilExpiry): starts unblock-source-ip for the entries this execution recorded,
 * `onlyExpired`, so an entry a later block extended (its tag now names that execution) or removed early is left alone.
 */
export const handler = async ({ executionName, executionArn }: StartBlockExpiryEvent): Promise<BlockExpiryStarted> => {
  const name = expiryExecutionName(executionName);
  const input = { blockExecution: executionName, onlyExpired: true, trigger: { source: 'eventbridge', parentExecution: executionArn } };
  let alreadyStarted = false;
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: UNBLOCK_ARN, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (awsErrorName(error) !== 'ExecutionAlreadyExists') throw error;
    alreadyStarted = true;
  }
  logger.info('expiry started', { name, alreadyStarted });
  return { execution: name, alreadyStarted, at: new Date().toISOString() };
};
