/**
 * The SDK's retry for every client: adaptive mode (exponential backoff with full jitter plus a
 * client-side token bucket that slows the sender when AWS throttles), a few attempts inside one
 * Lambda invocation. What still fails reaches the state machine's Retry (workflows/lib/steps.ts),
 * which waits longer, between invocations. The exception, creates without a ClientToken, is in ec2.ts.
 */
export const SDK_RETRY = { retryMode: 'adaptive', maxAttempts: 5 } as const;
