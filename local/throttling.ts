import { createHash } from 'node:crypto';
import type { AwsCall } from '../tasks/lib/client-hooks';
import { SDK_RETRY } from '../tasks/lib/clients/retry';

/**
 * Throttling injected at a rate per action, as a busy account sees it: `{ CreateSnapshot: 0.05, '*': 0.05 }` throttles
 * 5% of the attempts of CreateSnapshot and of every other action ('*': the rate of actions not named; none: 0).
 * Deterministic: whether an attempt is throttled is a hash of the seed, the action, which of this run's calls of
 * that action it is and the attempt (not the input: moto's resource ids differ from run to run), so a run with the
 * same seed draws the same throttles. Runs side by side that make identical calls need their own seeds, or one plan over them all (bench/fleet-simulation.ts puts one on the fleet run, whose faults see its children's calls).
 */
export interface ThrottlePlan {
  rates: Record<string, number>;
  seed?: number;
  /**
   * How many attempts the SDK makes before the error reaches the handler (tasks/lib/clients/retry.ts: 5; the
   * send-once client for creates without a ClientToken: 1). The local hooks run before the SDK's retry, so the
   * SDK's retries are modelled here, without their delays: a call reaches the state machine's Retry only when
   * every attempt was throttled. Default 1: every injected throttle reaches the state machine.
   */
  sdkAttempts?: (call: AwsCall) => number;
}

/** Throttles of one action: attempts answered with a throttling error, and those the SDK could not absorb. */
export interface ThrottleCount {
  throttled: number;
  toStateMachine: number;
}

/** Each service's throttling answer, as its API gives it (EC2: HTTP 503 RequestLimitExceeded). */
const THROTTLE_ANSWERS: Record<string, { code: string; status: number }> = {
  ec2: { code: 'RequestLimitExceeded', status: 503 },
  s3: { code: 'SlowDown', status: 503 },
  sns: { code: 'Throttled', status: 400 },
  iam: { code: 'Throttling', status: 400 },
  sts: { code: 'Throttling', status: 400 },
  autoscaling: { code: 'Throttling', status: 400 },
  cloudwatch: { code: 'Throttling', status: 400 },
  ebs: { code: 'RequestThrottledException', status: 400 },
};
const DEFAULT_ANSWER = { code: 'ThrottlingException', status: 400 }; // DynamoDB, KMS, Step Functions, CloudWatch Logs, SSM, Config, CloudTrail

export function throttleError(service: string): Error {
  const { code, status } = THROTTLE_ANSWERS[service] ?? DEFAULT_ANSWER;
  const message = service === 'ec2' ? 'Request limit exceeded. (injected)' : 'Rate exceeded (injected)';
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $retryable: { throttling: true },
    $metadata: { httpStatusCode: status, attempts: 1 },
  });
}

/**
 * The SDK's attempts per call in the handlers: 5 (adaptive retry), 1 for the creates sent once through
 * `createEc2Client({ sdkRetries: false })` (tasks/ebs/create-snapshot.ts, copy-snapshot.ts).
 */
const SENT_ONCE = new Set(['ec2:CreateSnapshot', 'ec2:CopySnapshot']);
export const handlerSdkAttempts = (call: AwsCall): number => (SENT_ONCE.has(`${call.service}:${call.command}`) ? 1 : SDK_RETRY.maxAttempts);

export class Throttler {
  /** By `service:Action`. */
  readonly counts = new Map<string, ThrottleCount>();
  private readonly seen = new Map<string, number>();

  constructor(private readonly plan: ThrottlePlan) {}

  /** Throws the service's throttling error when every SDK attempt of this call is throttled; counts each throttle. */
  attempt(call: AwsCall): void {
    const rate = this.plan.rates[call.command] ?? this.plan.rates['*'] ?? 0;
    if (rate <= 0) return;
    const key = `${call.service}:${call.command}`;
    const occurrence = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, occurrence);
    const attempts = Math.max(1, this.plan.sdkAttempts?.(call) ?? 1);
    let throttled = 0;
    while (throttled < attempts && draw(this.plan.seed ?? 1, key, occurrence, throttled + 1) < rate) throttled++;
    if (throttled === 0) return;
    const count = this.counts.get(key) ?? { throttled: 0, toStateMachine: 0 };
    count.throttled += throttled;
    if (throttled === attempts) count.toStateMachine++;
    this.counts.set(key, count);
    if (throttled === attempts) throw throttleError(call.service);
  }
}

/** A number in [0, 1) from the seed, the action, which of its calls this is and the attempt. */
function draw(seed: number, key: string, occurrence: number, attempt: number): number {
  return createHash('sha256').update(`${seed}|${key}|${occurrence}|${attempt}`).digest().readUInt32BE(0) / 2 ** 32;
}
