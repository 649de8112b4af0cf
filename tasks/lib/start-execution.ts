import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { AwsCredentialIdentity } from '@smithy/types';
import { awsErrorName } from './errors';
import { signIdentityProof } from './identity/sign';

/** A child execution this function started (or an earlier attempt did). */
export interface StartedExecution {
  executionArn: string;
  name: string;
  /** An earlier attempt (a retry after a lost answer or a throttle) started it: ExecutionAlreadyExists counts as started. */
  alreadyStarted: boolean;
  at: string;
}

export interface ProvenStart {
  stateMachineArn: string;
  /** Deterministic (from the parent, never from now): a retried start finds the execution the first attempt started. */
  name: string;
  /** The child's input; its `trigger` gets the identity proof. */
  input: Record<string, unknown> & { trigger?: Record<string, unknown> };
  /** Who the proof says started the child: the function's own role (Lambda's environment credentials). */
  credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
}

/** `arn:...:stateMachine:<m>` + name -> `arn:...:execution:<m>:<name>`. */
export const executionArnOf = (stateMachineArn: string, name: string): string => `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/**
 * Starts the named execution once: ExecutionAlreadyExists is a start an earlier attempt made (a retry after a
 * lost answer or a throttle, or a second delivery of the same event), which is why callers name executions
 * deterministically. Every other error is thrown (throttling for the state's Retry).
 */
export async function startNamedExecution(
  sfn: SFNClient, { stateMachineArn, name, input }: { stateMachineArn: string; name: string; input: string },
): Promise<{ executionArn: string; alreadyStarted: boolean }> {
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    return { executionArn: out.executionArn ?? executionArnOf(stateMachineArn, name), alreadyStarted: false };
  } catch (error) {
    if (awsErrorName(error) !== 'ExecutionAlreadyExists') throw error;
    return { executionArn: executionArnOf(stateMachineArn, name), alreadyStarted: true };
  }
}

/**
 * Starts one named child execution whose trigger carries an identity proof signed for `start:<child execution>`
 * (the child verifies it: tasks/lib/identity/trigger.ts). Idempotent by name: ExecutionAlreadyExists is a start
 * an earlier attempt made; every other error is thrown (throttling for the state's Retry).
 */
export async function startProvenExecution(sfn: SFNClient, { stateMachineArn, name, input, credentials }: ProvenStart): Promise<StartedExecution> {
  const executionArn = executionArnOf(stateMachineArn, name);
  const proof = await signIdentityProof('start', executionArn, { credentials });
  const body = { ...input, trigger: { ...input.trigger, proof } };
  const at = new Date().toISOString();
  return { ...(await startNamedExecution(sfn, { stateMachineArn, name, input: JSON.stringify(body) })), name, at };
}
