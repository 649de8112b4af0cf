import { flattenStates, resolveDefinitionString, type Asl, type AslState } from './definition';
import { sharedRemediationTemplate } from './synth';

/** Throttling as each service the states call names it, Lambda's own included: every Task state must retry these. */
const THROTTLING_ERRORS = [
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
  'Throttled',
  'SlowDown',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  BackoffRate?: number;
  IntervalSeconds?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

const { template } = sharedRemediationTemplate();
const taskStates: [string, AslState][] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).flatMap(
  ([logicalId, resource]) => {
    const asl = JSON.parse(resolveDefinitionString((resource.Properties as { DefinitionString: unknown }).DefinitionString)) as Asl;
    return [...flattenStates(asl.States)].filter(([, state]) => state.Type === 'Task').map(([name, state]): [string, AslState] => [`${logicalId} ${name}`, state]);
  },
);

/** The first retrier that matches an error, as Step Functions picks it (States.ALL would come last). */
const retrierFor = (state: AslState, error: string): Retrier | undefined =>
  (state.Retry as Retrier[] | undefined)?.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));

/**
 * The child starts (states:startExecution.sync:2: the fleet's, and isolate-instance's StartKeyRotation) call no AWS API of their own that answers these names: the
 * integration reports its own throttling as StepFunctions.* errors (their retrier is checked below), and the child's
 * calls are retried inside the child. Retrying them on a child's failure would start it again.
 */
const isChildStart = (state: AslState): boolean => typeof state.Resource === 'string' && state.Resource.includes(':states:::states:startExecution.sync');
const lambdaTaskStates = taskStates.filter(([, state]) => !isChildStart(state));

describe('the child starts (the fleet\'s, isolate-instance\'s rotate-key-pair)', () => {
  it('retry the integration\'s own throttling: >= 6 attempts, backoff 2, full jitter, a max delay, and nothing else', () => {
    const starts = taskStates.filter(([, state]) => isChildStart(state));
    expect(starts.map(([name]) => name.split(' ')[1]).sort()).toEqual([
      'StartChild-enable-flow-logs', 'StartChild-encrypt-volumes', 'StartChild-enforce-imdsv2', 'StartChild-restrict-security-groups', 'StartKeyRotation',
    ]);
    for (const [, state] of starts) {
      expect(state.Retry).toEqual([{
        ErrorEquals: ['StepFunctions.ExecutionLimitExceededException', 'StepFunctions.ThrottlingException', 'StepFunctions.SfnException'],
        IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL',
      }]);
    }
  });
});

describe('every Task state of every state machine retries throttling', () => {
  it('finds the Task states of every workflow', () => {
    // Assess: the stack's state machines and their tasks were read (dozens of each).
    expect(new Set(taskStates.map(([name]) => name.split(' ')[0])).size).toBeGreaterThan(10);
    expect(taskStates.length).toBeGreaterThan(100);
  });

  it.each(THROTTLING_ERRORS)('%s: ≥ 6 attempts, backoff 2, full jitter, a max delay', (error) => {
    // Act
    const failing = lambdaTaskStates
      .map(([name, state]) => ({ name, retrier: retrierFor(state, error) }))
      .filter(({ retrier }) => !retrier
        || (retrier.MaxAttempts ?? 3) < 6
        || retrier.BackoffRate !== 2
        || retrier.JitterStrategy !== 'FULL'
        || typeof retrier.MaxDelaySeconds !== 'number'
        || (retrier.IntervalSeconds ?? 1) < 1)
      .map(({ name, retrier }) => `${name}: ${JSON.stringify(retrier ?? 'no retrier')}`);

    // Assess
    expect(failing).toEqual([]);
  });
});
