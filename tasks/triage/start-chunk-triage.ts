import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { awsErrorName, InvalidInputError } from '../lib/errors';
import { logger } from '../lib/logger';
import { WORKFLOW } from '../lib/workflow-names';
import { chunkCount, chunkEvent, chunkExecutionName, instanceIdsOf, parseStartInstancesEvent } from './lib/start-event';

const sfn = createSfnClient();
/** Triage's own state machine: the only one this function may start. */
const { TRIAGE_STATE_MACHINE_ARN } = readEnv({ TRIAGE_STATE_MACHINE_ARN: requiredString });

export interface StartChunkTriageEvent {
  /** The event as EventBridge delivered it to this execution ($$.Execution.Input): never copied into the state. */
  event: Record<string, unknown>;
  /** Which chunk (1-based; chunk 0 is this execution's own). */
  index: number;
  /** This execution: recorded in the child's input. */
  parentExecution: string;
}

export interface ChunkTriage {
  index: number;
  name: string;
  executionArn: string;
  /** Started by an earlier attempt (or an earlier delivery of the same event): ExecutionAlreadyExists counts as started. */
  alreadyStarted: boolean;
}

/** Starts the triage of one further chunk of the event's instances, as a child execution of triage itself. */
export const handler = async ({ event, index, parentExecution }: StartChunkTriageEvent): Promise<ChunkTriage> => {
  const parsed = parseStartInstancesEvent(event);
  // A chunk never splits again what it was given: no execution started for a chunk starts another.
  if (parsed.triageChunk) throw new InvalidInputError(`invalid input: triageChunk: chunk ${parsed.triageChunk.index} of an event starts no further triage`);
  const chunks = chunkCount(instanceIdsOf(parsed));
  if (!Number.isInteger(index) || index < 1 || index >= chunks) throw new InvalidInputError(`invalid input: index: ${index} is not a further chunk of this event (it has ${chunks})`);
  // Named by the event and the chunk (not by time): a retry, or a second delivery of the event, finds the same execution.
  const name = chunkExecutionName(WORKFLOW.triageStartInstances, parsed.detail.eventID, index);
  const executionArn = `${TRIAGE_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
  const input = JSON.stringify(chunkEvent(event, parsed, index, parentExecution));
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: TRIAGE_STATE_MACHINE_ARN, name, input }));
    logger.info('chunk triage started', { index, of: chunks, executionArn: out.executionArn });
    return { index, name, executionArn: out.executionArn ?? executionArn, alreadyStarted: false };
  } catch (error) {
    if (awsErrorName(error) !== 'ExecutionAlreadyExists') throw error;
    logger.info('chunk triage already started', { index, of: chunks, executionArn });
    return { index, name, executionArn, alreadyStarted: true };
  }
};
