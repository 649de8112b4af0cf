import { TRANSIENT_ERRORS } from '../../tasks/lib/errors';
import { CLOSE_CASE_TASKS, States, buildCloseCaseDefinition } from '../../workflows/close-case';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { fastDefinition, standIn } from './fast-definition';

// GIVEN the close-case definition built by its own builder on a bare Stack with stand-in functions, WHEN its states are
// rendered, THEN each is exactly as below (milliseconds: no synthesis of the app).
const RETRY = [
  { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
  { ErrorEquals: ['States.Timeout', 'Sandbox.Timedout'], IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 2, JitterStrategy: 'FULL' },
];
const task = (fn: string, payload: Record<string, unknown>, fields: Record<string, unknown>) => ({
  Type: 'Task', Resource: standIn(fn), Parameters: payload, Retry: RETRY, TimeoutSeconds: 60, ...fields,
});
const { states } = fastDefinition(CLOSE_CASE_TASKS, buildCloseCaseDefinition, { targetPath: '$.lockTarget', comparePlans: true, ttlSeconds: 93600 });
const state = (name: string) => {
  const found = states.get(name);
  if (!found) throw new Error(`no state ${name}`);
  return found;
};

describe('close-case states', () => {
  it('locks on the case (<account>/<region>/close-case/<caseId>, made by ValidateInput)', () => {
    expect(state(SkeletonStates.acquireLock)).toEqual(task('acquire-lock', {
      workflow: 'close-case', 'executionArn.$': '$$.Execution.Id', 'executionName.$': '$$.Execution.Name', ttlSeconds: 93600, 'target.$': '$.lockTarget',
    }, { ResultPath: '$.lock', Next: SkeletonStates.remediation }));
  });

  it('plans from the request, routes NO_ACTION / PLANNED to the report and approval: true to a person first', () => {
    expect(state(States.planClosure)).toEqual(task('plan-closure', { 'request.$': '$.request', 'execution.$': '$.execution' }, { ResultPath: '$.plan', Next: States.initWork }));
    expect(state(States.initWork)).toEqual({ Type: 'Pass', Parameters: { closed: { closedAt: '', closed: [], skipped: [] } }, ResultPath: '$.work', Next: States.routeByPlan });
    expect(state(States.routeByPlan)).toEqual({
      Type: 'Choice', Default: States.closeSnapshots,
      Choices: [
        { Not: { Variable: '$.plan.outcome', StringEquals: 'PROCEED' }, Next: States.buildReport },
        { Variable: '$.request.approval', BooleanEquals: true, Next: States.requestApproval },
      ],
    });
    expect(state(SkeletonStates.preflightAfterApproval)).toMatchObject({ Resource: standIn('plan-closure'), Parameters: { 'request.$': '$.request', 'execution.$': '$.execution' } });
    expect(state(SkeletonStates.comparePlansAfterApproval).Next).toBe(States.closeSnapshots);
  });

  it('closes (re-reading in the task), verifies, then reports', () => {
    expect(state(States.closeSnapshots)).toEqual(task('close-snapshots', { 'plan.$': '$.plan' }, { ResultPath: '$.work.closed', Next: States.verifyClosure }));
    expect(state(States.verifyClosure)).toEqual(task('verify-closure', { 'closed.$': '$.work.closed' }, { ResultPath: '$.work.verified', Next: States.buildReport }));
    expect(state(States.buildReport)).toEqual(task('build-close-report', {
      'request.$': '$.request', 'execution.$': '$.execution', 'plan.$': '$.plan', 'work.$': '$.work',
    }, { End: true }));
  });
});
