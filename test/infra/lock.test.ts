import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { encryptVolumesSpec } from '../../infra/workflows/encrypt-volumes';
import { enableConfigSpec } from '../../infra/workflows/enable-config';
import { RemediationWorkflow } from '../../infra/kit/remediation-workflow';
import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { fakeArn, parseStateMachine, stateNamed, type ParsedStateMachine } from './definition';
import { lockTableId } from './kit-functions';
import { CDK_CONTEXT, ENV, resourcesOf } from './synth';

// GIVEN an instance-level (encrypt-volumes) and an account-level (enable-config) workflow in one stack, as RemediationStack has them.
let template: Template;
let encrypt: ParsedStateMachine;
let config: ParsedStateMachine;
/** The function of the workflow whose construct id starts with `prefix`, running the kit's `task`. */
const kitFunction = (prefix: string, task: string) => {
  const ids = Object.keys(resourcesOf(template, 'AWS::Lambda::Function')).filter((id) => id.startsWith(`${prefix}${task.replace('-', '')}Fn`));
  if (ids.length !== 1) throw new Error(`expected one ${task} function of ${prefix}, found ${ids.join(', ') || 'none'}`);
  return fakeArn(ids[0]!);
};
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const RELEASE_PAYLOAD = { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name' };

beforeAll(() => {
  const app = new App({ context: { ...CDK_CONTEXT, [cxapi.BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'LockTest', { env: ENV });
  new RemediationWorkflow(stack, 'EncryptVolumes', encryptVolumesSpec, {});
  new RemediationWorkflow(stack, 'EnableConfig', enableConfigSpec, {});
  template = Template.fromStack(stack);
  encrypt = parseStateMachine(template, 'remediation-encrypt-volumes');
  config = parseStateMachine(template, 'remediation-enable-config');
});

describe('the skeleton\'s lock states (encrypt-volumes)', () => {
  const state = (name: string) => stateNamed(encrypt.states, name);

  it('ValidateInput -> RouteByMode: a plan takes no lock, everything else acquires it', () => {
    expect(state(S.validateInput).Next).toBe(S.routeByMode);
    expect(state(S.routeByMode)).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.request.mode', StringEquals: 'plan', Next: S.withoutLock }],
      Default: S.acquireLock,
    });
    expect(state(S.withoutLock)).toEqual({
      Type: 'Pass', Comment: 'A plan changes nothing: it takes no lock.', Result: { held: false }, ResultPath: '$.lock', Next: S.remediation,
    });
  });

  it('AcquireLock names the instance, the execution and an expiry of the machine\'s whole timeout', () => {
    expect(encrypt.asl.TimeoutSeconds).toBe(30 * 24 * 3600);
    expect(state(S.acquireLock)).toEqual({
      Type: 'Task',
      Resource: kitFunction('EncryptVolumes', 'acquire-lock'),
      Parameters: {
        workflow: 'encrypt-volumes', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name',
        ttlSeconds: encrypt.asl.TimeoutSeconds, 'target.$': '$.request.instanceId',
      },
      ResultPath: '$.lock',
      TimeoutSeconds: 60,
      Retry: RETRY,
      Next: S.remediation,
    });
  });

  it('Remediation runs the body (the instance settling, Preflight ... BuildReport) in one branch; any error releases the lock first', () => {
    const { Branches, ...remediation } = state(S.remediation);
    expect(remediation).toEqual({
      Type: 'Parallel',
      Comment: 'The remediation proper, under the lock: whatever its ending, the lock is released next.',
      ResultPath: '$.result',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.releaseLockAfterFailure }],
      Next: S.releaseLock,
    });
    expect(Branches?.map((b) => b.StartAt)).toEqual([S.settleInstance]);
    expect(Branches?.[0]?.States[S.buildReport]).toMatchObject({ End: true });
    expect(Object.keys(Branches?.[0]?.States ?? {})).not.toContain(S.done);
  });

  it('LockResources tags the plan\'s original volumes once it says PROCEED, before any approval, then routes on', () => {
    expect(stateNamed(encrypt.states, S.routeByPlan).Default).toBe(S.lockResources);
    expect(state(S.lockResources)).toEqual({
      Type: 'Task',
      Resource: kitFunction('EncryptVolumes', 'lock-resources'),
      Parameters: { 'lock.$': '$.lock', 'executionName.$': '$$.Execution.Name', 'resources.$': '$.plan.volumes[*].volumeId' },
      ResultPath: '$.lockedResources',
      TimeoutSeconds: 60,
      Retry: RETRY,
      Next: S.routeAfterLock,
    });
  });

  it('ReleaseLock hands on the branch\'s report; ReleaseLockAfterFailure keeps the failure for Failed', () => {
    expect(state(S.releaseLock)).toEqual({
      Type: 'Task', Resource: kitFunction('EncryptVolumes', 'release-lock'), Parameters: RELEASE_PAYLOAD,
      ResultPath: null, OutputPath: '$.result[0]', TimeoutSeconds: 60, Retry: RETRY, Next: 'RouteAfterRelease',
    });
    expect(state(S.done)).toEqual({ Type: 'Succeed' });
    expect(state(S.releaseLockAfterFailure)).toEqual({
      Type: 'Task', Resource: kitFunction('EncryptVolumes', 'release-lock'), Parameters: RELEASE_PAYLOAD,
      ResultPath: '$.released', TimeoutSeconds: 60, Retry: RETRY, Next: S.failed,
    });
    // The execution fails with the branch's own error and cause (RemediationRolledBack, a refusal, ...).
    expect(state(S.failed)).toEqual({ Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' });
  });
});

describe('an account-level workflow\'s lock (enable-config)', () => {
  it('names no resources: no LockResources, RouteByPlan routes on itself', () => {
    expect([...config.states.keys()]).not.toContain(S.lockResources);
    expect([...config.states.keys()]).not.toContain(S.routeAfterLock);
  });

  it('AcquireLock names no target, so the key is <account>/<region>/<workflow>, with the machine\'s timeout', () => {
    expect(config.asl.TimeoutSeconds).toBe(3600);
    expect(stateNamed(config.states, S.acquireLock).Parameters).toEqual({
      workflow: 'enable-config', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 3600,
    });
    expect(stateNamed(config.states, S.acquireLock).Resource).toBe(kitFunction('EnableConfig', 'acquire-lock'));
  });
});

describe('the lock table', () => {
  it('is the stack\'s one table, whichever workflows lock', () => {
    expect(Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table'))).toEqual([lockTableId(template)]);
  });

  it('is on-demand, with point-in-time recovery, encrypted at rest, keyed by lockKey, expiring by expiresAt', () => {
    expect(template.toJSON().Resources[lockTableId(template)]).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'lockKey', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'lockKey', AttributeType: 'S' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      // Locks are transient: nothing in the table outlives the executions that hold them.
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
  });

  it('reaches both workflows\' lock functions by name', () => {
    const functions = resourcesOf(template, 'AWS::Lambda::Function');
    const lockFunctions = Object.entries(functions).filter(([id]) => /lockFn/.test(id));
    expect(lockFunctions.map(([id]) => id.replace(/Fn[0-9A-F]{8}$/, '')).sort())
      .toEqual(['EnableConfigacquirelock', 'EnableConfigreleaselock', 'EncryptVolumesacquirelock', 'EncryptVolumesreleaselock']);
    for (const [, fn] of lockFunctions) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.LOCK_TABLE_NAME).toEqual({ Ref: lockTableId(template) });
    }
  });
});
