import { createSfnClient } from '../lib/clients/sfn';
import { readEnv, requiredString } from '../lib/env';
import { InvalidInputError } from '../lib/errors';
import { logger } from '../lib/logger';
import { startNamedExecution } from '../lib/start-execution';
import { WORKFLOW } from '../lib/workflow-names';
import { chunkCount, chunkEvent, chunkExecutionName, instanceIdsOf, parseStartInstancesEvent, type StartInstancesEvent } from './lib/start-event';

const sfn = createSfnClient();
/** Triage's own state machine: the only one this function may start. */
const { TRIAGE_STATE_MACHINE_ARN } = readEnv({ TRIAGE_STATE_MACHINE_ARN: requiredString });
/** Starts in flight at once: 239 chunks (a 12,000-instance event) take a few seconds, well within the timeout. */
const CONCURRENCY = 10;

export interface StartChunkTriagesEvent {
  /** The event as EventBridge delivered it ($$.Execution.Input): read here, never copied into the state. */
  event: Record<string, unknown>;
  /** This execution: recorded in each child's input. */
  parentExecution: string;
}

export interface ChunkTriageStarts {
  /** Chunks whose execution this call started. */
  started: number;
  /** Chunks started by an earlier attempt (or an earlier delivery of the same event): ExecutionAlreadyExists counts as started. */
  alreadyStarted: number;
}

/** Starts the triage of chunk `index`; true when it was already started. */
async function startChunk(raw: Record<string, unknown>, event: StartInstancesEvent, index: number, parentExecution: string): Promise<boolean> {
  // Named by the event and the chunk (not by time): a retry, or a second delivery of the event, finds the same execution.
  const name = chunkExecutionName(WORKFLOW.triageStartInstances, event.detail.eventID, index);
  const input = JSON.stringify(chunkEvent(raw, event, index, parentExecution));
  return (await startNamedExecution(sfn, { stateMachineArn: TRIAGE_STATE_MACHINE_ARN, name, input })).alreadyStarted;
}

/**
 * Starts one child triage execution (of triage itself) for each further chunk of the event's instances:
 * chunk 0 is this execution's own. Idempotent: a retry after a lost answer or a throttle starts no duplicate.
 */
export const handler = async ({ event, parentExecution }: StartChunkTriagesEvent): Promise<ChunkTriageStarts> => {
  const parsed = parseStartInstancesEvent(event);
  // A chunk never splits again what it was given: no execution started for a chunk starts another.
  if (parsed.triageChunk) throw new InvalidInputError(`invalid input: triageChunk: chunk ${parsed.triageChunk.index} of an event starts no further triage`);
  const chunks = chunkCount(instanceIdsOf(parsed));
  const indexes = Array.from({ length: chunks - 1 }, (_, i) => i + 1);
  let alreadyStarted = 0;
  for (let at = 0; at < indexes.length; at += CONCURRENCY) {
    const found = await Promise.all(indexes.slice(at, at + CONCURRENCY).map((index) => startChunk(event, parsed, index, parentExecution)));
    alreadyStarted += found.filter(Boolean).length;
  }
  const starts = { started: indexes.length - alreadyStarted, alreadyStarted };
  logger.info('chunk triages started', { chunks, ...starts });
  return starts;
};
