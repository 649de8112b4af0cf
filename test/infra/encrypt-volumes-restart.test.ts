import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { encryptVolumesSpec, type EncryptVolumesProps } from '../../infra/workflows/encrypt-volumes';
import { States } from '../../workflows/encrypt-volumes';
import { parseStateMachine, stateNamed } from './definition';
import { CDK_CONTEXT, ENV } from './synth';

const CAPACITY = ['InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'Unsupported'];

/** The capacity Retry of both starts, from the encrypt-volumes construct alone in a stack with `context` and `props`. */
function capacityRetries(context: Record<string, unknown>, props: EncryptVolumesProps = {}): unknown[] {
  const stack = new Stack(new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } }), 'RestartTest', { env: ENV });
  new RemediationWorkflow(stack, 'EncryptVolumes', encryptVolumesSpec, props);
  const machine = parseStateMachine(Template.fromStack(stack));
  return [States.startInstance, States.restartAfterRollback].map((name) =>
    (stateNamed(machine.states, name).Retry ?? []).find((r) => JSON.stringify(r.ErrorEquals) === JSON.stringify(CAPACITY)));
}

describe('the capacity Retry of the starts', () => {
  it('is about an hour by default: 60 s doubling to 15 min, 7 attempts, full jitter', () => {
    const expected = { ErrorEquals: CAPACITY, IntervalSeconds: 60, MaxAttempts: 7, BackoffRate: 2, MaxDelaySeconds: 900, JitterStrategy: 'FULL' };
    expect(capacityRetries({})).toEqual([expected, expected]);
  });

  it('takes CDK context encryptVolumes.restartRetry, field by field', () => {
    const retries = capacityRetries({ encryptVolumes: { restartRetry: { intervalSeconds: 1, maxAttempts: 2 } } });
    const expected = { ErrorEquals: CAPACITY, IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2, MaxDelaySeconds: 900, JitterStrategy: 'FULL' };
    expect(retries).toEqual([expected, expected]);
  });

  it('takes the construct prop before the context', () => {
    const retries = capacityRetries(
      { encryptVolumes: { restartRetry: { intervalSeconds: 1 } } },
      { restartRetry: { interval: Duration.seconds(30), maxAttempts: 3, maxDelay: Duration.minutes(2) } },
    );
    const expected = { ErrorEquals: CAPACITY, IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' };
    expect(retries).toEqual([expected, expected]);
  });
});
