import { FaultLayer } from '../../local/faults';
import { Throttler, handlerSdkAttempts, throttleError } from '../../local/throttling';
import type { AwsCall } from '../../tasks/lib/client-hooks';

const call = (command: string, i: number, service = 'ec2'): AwsCall => ({ service, command, input: { VolumeIds: [`vol-${i}`] } });

/** Which of n distinct calls the throttler refuses. */
function refused(throttler: Throttler, command: string, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    try {
      throttler.attempt(call(command, i));
    } catch {
      out.push(i);
    }
  }
  return out;
}

describe('Throttler', () => {
  it('throttles the configured share of attempts, the same ones for the same seed, others for another', () => {
    // Act
    const first = refused(new Throttler({ rates: { '*': 0.05 }, seed: 7 }), 'DescribeVolumes', 20_000);
    const again = refused(new Throttler({ rates: { '*': 0.05 }, seed: 7 }), 'DescribeVolumes', 20_000);
    const other = refused(new Throttler({ rates: { '*': 0.05 }, seed: 8 }), 'DescribeVolumes', 20_000);

    // Assess: 5% ± 0.5% of 20,000 (the binomial's standard deviation is 0.15%)
    expect(first.length).toBeGreaterThan(900);
    expect(first.length).toBeLessThan(1100);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('a named action\'s rate wins over "*"; an action with no rate and no "*" is never throttled', () => {
    // Prepare
    const throttler = new Throttler({ rates: { CreateSnapshot: 1, '*': 0 } });
    const unnamed = new Throttler({ rates: { CreateSnapshot: 1 } });

    // Act
    const snapshots = refused(throttler, 'CreateSnapshot', 50);
    const describes = refused(throttler, 'DescribeVolumes', 50);
    const elsewhere = refused(unnamed, 'DescribeSnapshots', 50);

    // Assess
    expect(snapshots).toHaveLength(50);
    expect(describes).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(throttler.counts.get('ec2:CreateSnapshot')).toEqual({ throttled: 50, toStateMachine: 50 });
    expect(throttler.counts.has('ec2:DescribeVolumes')).toBe(false);
  });

  it('a call repeated (a retry) gets a fresh draw, so a retried call gets through', () => {
    // Prepare
    const throttler = new Throttler({ rates: { '*': 0.5 }, seed: 3 });
    const same = call('StopInstances', 1);
    let tries = 0;

    // Act
    for (;;) {
      tries++;
      try {
        throttler.attempt(same);
        break;
      } catch {
        if (tries > 64) throw new Error('never got through');
      }
    }

    // Assess: every refused try was counted, the last one went through.
    expect(throttler.counts.get('ec2:StopInstances')?.toStateMachine ?? 0).toBe(tries - 1);
  });

  it('with the SDK\'s 5 attempts, a call fails only when every attempt is throttled; each throttle is counted', () => {
    // Prepare
    const throttler = new Throttler({ rates: { '*': 0.5 }, seed: 11, sdkAttempts: () => 5 });

    // Act
    const failed = refused(throttler, 'DescribeInstances', 2_000);

    // Assess: 0.5^5 of 2,000 ≈ 62 calls fail, far more attempts were throttled and absorbed.
    const count = throttler.counts.get('ec2:DescribeInstances');
    expect(count?.toStateMachine).toBe(failed.length);
    expect(failed.length).toBeGreaterThan(30);
    expect(failed.length).toBeLessThan(110);
    expect(count?.throttled).toBeGreaterThan(1_500);
  });

  it('the handlers\' SDK attempts: 5, and 1 for the creates sent once', () => {
    // Assess
    expect(handlerSdkAttempts(call('CreateSnapshot', 1))).toBe(1);
    expect(handlerSdkAttempts(call('CopySnapshot', 1))).toBe(1);
    expect(handlerSdkAttempts(call('CreateVolume', 1))).toBe(5);
    expect(handlerSdkAttempts(call('PutItem', 1, 'dynamodb'))).toBe(5);
  });
});

describe('throttleError', () => {
  it.each([
    ['ec2', 'RequestLimitExceeded', 503, 'server'],
    ['s3', 'SlowDown', 503, 'server'],
    ['sns', 'Throttled', 400, 'client'],
    ['iam', 'Throttling', 400, 'client'],
    ['ebs', 'RequestThrottledException', 400, 'client'],
    ['dynamodb', 'ThrottlingException', 400, 'client'],
    ['sfn', 'ThrottlingException', 400, 'client'],
  ])('%s answers %s with HTTP %i', (service, name, status, fault) => {
    // Act
    const error = throttleError(service);

    // Assess
    expect(error).toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status }, $retryable: { throttling: true } });
  });
});

describe('FaultLayer throttle', () => {
  it('refuses before the call reaches AWS, records the fault and counts throttles per action', () => {
    // Prepare
    const faults = new FaultLayer({ throttle: { rates: { CreateSnapshot: 1 } } });

    // Act
    const snapshot = () => faults.before(call('CreateSnapshot', 1));
    const describe = () => faults.before(call('DescribeVolumes', 1));

    // Assess
    expect(snapshot).toThrow(expect.objectContaining({ name: 'RequestLimitExceeded' }));
    expect(describe).not.toThrow();
    expect(faults.throttles).toEqual({ 'ec2:CreateSnapshot': { throttled: 1, toStateMachine: 1 } });
    expect(faults.injected).toEqual([{ fault: 'throttle', command: 'ec2:CreateSnapshot' }]);
    expect(faults.callLog).toEqual(['ec2:CreateSnapshot', 'ec2:DescribeVolumes']);
  });

  it('counts nothing without a throttle plan', () => {
    // Prepare
    const faults = new FaultLayer({});

    // Act
    faults.before(call('CreateSnapshot', 1));

    // Assess
    expect(faults.throttles).toEqual({});
    expect(faults.injected).toEqual([]);
  });
});
