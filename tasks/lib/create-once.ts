import { AnswerLostError } from './errors';

/** An error AWS answered with (it carries the HTTP status of the answer), as opposed to no answer at all. */
function isServiceAnswer(error: unknown): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return typeof metadata?.httpStatusCode === 'number';
}

/**
 * Sends a create that has no ClientToken once, through a client made with `sdkRetries: false`.
 * An error AWS answered with passes through for the state machine's Retry (the taxonomy decides).
 * No answer at all (timeout, reset connection) may still have created the resource: it becomes
 * AnswerLostError, which the state machine retries, and the retried task looks the resource up by
 * tag before it creates anything.
 */
export async function createOnce<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (isServiceAnswer(error)) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new AnswerLostError(`${what} got no answer from AWS (${reason}); it may have taken effect, so the retry looks for it by tag first`);
  }
}
