import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import type { HighCpuReport } from '../../tasks/high-cpu/build-report';
import { DEFAULT_LOCAL_APPROVER } from '../../local/approvals';
import type { LocalExecution, RunOptions } from '../../local/runner';
import type { AccountSeeder } from '../../local/seed';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { signIdentityProof } from '../../tasks/lib/identity/sign';
import { States } from '../../workflows/high-cpu';
import { SETTLED_AT_ONCE, expectBefore, locked, lockedFailure, mutatingCalls, planned, statesEntered, tag, withLockCalls } from './harness';

let moto: MotoServer;
let seeder: AccountSeeder;
let run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  seeder = new (await import('../../local/seed')).AccountSeeder();
  const { runWorkflow } = await import('../../local/runner');
  run = (input, options) => runWorkflow('high-cpu', input, options);
});
afterAll(async () => moto?.stop());

const alarmOf = async (instanceId: string): Promise<MetricAlarm | undefined> =>
  (await new CloudWatchClient({}).send(new DescribeAlarmsCommand({ AlarmNames: [`remediation-high-cpu-${instanceId}`] }))).MetricAlarms?.[0];
const approve: RunOptions['approver'] = async (request) => {
  const { localIdentity } = await import('../../local/identities');
  const proof = await signIdentityProof('approve', request.executionArn, { credentials: (await localIdentity(DEFAULT_LOCAL_APPROVER)).credentials });
  return { taskSuccess: { approved: true, identityProof: proof } };
};
const PLAN = [...SETTLED_AT_ONCE, States.preflight, States.initWork, States.routeByPlan];
const RESIZE = [States.routeByInstanceState, States.stopInstance, States.checkInstanceStopped, States.routeInstanceStopped, States.modifyInstanceType,
  States.routeAfterModify, States.startInstance];

describe('high-cpu against an emulated account', () => {
  it('plans without a change, creates the alarm on the notifications topic, re-runs NO_ACTION, and updates other settings with before/after', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-alarm' });

    const plan = await run({ instanceId, mode: 'plan' });
    expect(plan.output).toMatchObject({ outcome: 'PLANNED', plan: { alarm: { change: 'create' } }, actions: [] });
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(...PLAN, States.buildReport));
    expect(await alarmOf(instanceId)).toBeUndefined();

    const created = await run({ instanceId });
    expect({ status: created.status, error: created.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const alarm = await alarmOf(instanceId);
    expect(alarm).toMatchObject({
      MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Dimensions: [{ Name: 'InstanceId', Value: instanceId }], Statistic: 'Average',
      Threshold: 80, Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [expect.stringMatching(/^arn:aws:sns:us-east-1:123456789012:AuditNotifications/)],
    });
    const report = created.output as HighCpuReport;
    // CloudWatch's state for an alarm that has not evaluated yet: moto's OK is answered as AWS would (local/emulation/instance-type.ts).
    expect(report).toMatchObject({ outcome: 'REMEDIATED', verification: { alarmState: 'INSUFFICIENT_DATA', instanceType: 't3.micro' } });
    expect(report.actions.map((a) => [a.action, a.resourceId, a.before])).toEqual([['create-alarm', `remediation-high-cpu-${instanceId}`, undefined]]);
    expect(mutatingCalls(created)).toEqual(withLockCalls('instance', 'cloudwatch:PutMetricAlarm'));
    expect(statesEntered(created)).toEqual(locked(...PLAN, States.routeByAlarm, States.putAlarm, States.routeByResize, States.verify, States.buildReport));

    const again = await run({ instanceId });
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));

    const updated = await run({ instanceId, alarm: { threshold: 90, evaluationPeriods: 5, datapointsToAlarm: 4 } });
    expect(updated.output).toMatchObject({
      outcome: 'REMEDIATED',
      actions: [{ action: 'update-alarm', before: { threshold: 80, evaluationPeriods: 3, datapointsToAlarm: 3 }, after: { threshold: 90, evaluationPeriods: 5, datapointsToAlarm: 4 } }],
    });
    expect(await alarmOf(instanceId)).toMatchObject({ Threshold: 90, EvaluationPeriods: 5, DatapointsToAlarm: 4 });
  });

  it('resizes a running instance to the next size up once a person approves: stop, type, start, status checks; a re-run is NO_ACTION', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-resize' });
    let typeWhenAsked: string | undefined;

    const execution = await run({ instanceId, resize: true }, {
      approver: async (request) => {
        typeWhenAsked = (await seeder.describe(instanceId)).InstanceType;
        return approve(request);
      },
    });

    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(typeWhenAsked).toBe('t3.micro');
    const instance = await seeder.describe(instanceId);
    expect({ type: instance.InstanceType, state: instance.State?.Name, from: tag(instance.Tags, 'remediation:resized-from') }).toEqual({ type: 't3.small', state: 'running', from: 't3.micro' });
    expect(Date.parse(tag(instance.Tags, 'remediation:resized-at') ?? '')).toBeGreaterThan(Date.parse(execution.startDate) - 1000);
    expect(tag(instance.Tags, 'remediation:lock')).toBeUndefined();
    const report = execution.output as HighCpuReport;
    expect(report.actions.map((a) => [a.action, a.before, a.after])).toEqual([
      ['create-alarm', undefined, expect.objectContaining({ threshold: 80 })], ['stop-instance', undefined, undefined],
      ['modify-instance-type', { instanceType: 't3.micro' }, { instanceType: 't3.small' }], ['start-instance', undefined, undefined],
    ]);
    const path = statesEntered(execution);
    expectBefore(path, States.requestApproval, States.stopInstance);
    expectBefore(path, States.checkStatusChecks, States.verifyResize);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance', 'sns:Publish', 'cloudwatch:PutMetricAlarm', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:CreateTags', 'ec2:StartInstances'));

    const again = await run({ instanceId, resize: true });
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', plan: { resize: { change: 'none', from: 't3.small', to: 't3.small' } } });
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));
  });

  it('a start refused for capacity after the type change: the original type is put back and the instance started, FAILED RemediationRolledBack', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-no-capacity' });
    const noCapacity = { command: 'StartInstances', from: 1, to: 1, errorName: 'InsufficientInstanceCapacity', message: 'We currently do not have sufficient t3.small capacity (injected)' };

    const execution = await run({ instanceId, targetType: 't3.small', approval: false }, { faults: { failCalls: [noCapacity] } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    const instance = await seeder.describe(instanceId);
    expect({ type: instance.InstanceType, state: instance.State?.Name }).toEqual({ type: 't3.micro', state: 'running' });
    const report = JSON.parse(execution.cause ?? '{}') as HighCpuReport;
    expect(report.rolledBack).toMatchObject({
      error: 'InsufficientInstanceCapacity', restored: ['type t3.small -> t3.micro', 'start as t3.micro'], alarmKept: true, instanceType: 't3.micro', state: 'running',
    });
    expect(statesEntered(execution)).toEqual(lockedFailure(...PLAN, States.routeByAlarm, States.putAlarm, States.routeByResize, ...RESIZE,
      States.rollbackResize, States.routeRollbackResize, States.waitRollbackResize, States.rollbackResize, States.routeRollbackResize, States.waitRollbackResize,
      States.rollbackResize, States.routeRollbackResize, States.buildRollbackReport, States.describeRolledBack, States.rolledBack));
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance', 'cloudwatch:PutMetricAlarm', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:CreateTags',
      'ec2:StartInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances'));
  });

  it('a verify that finds the resized instance not as before: the resize is rolled back, FAILED RemediationRolledBack naming the verify error', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-verify-fails' });
    // The verify's read, the first DescribeInstances after the status checks, finds the instance stopping (as after a crash at boot).
    const stoppingAtVerify = { state: 'stopping' as const, polls: 1, since: 'DescribeInstanceStatus' };

    const execution = await run({ instanceId, targetType: 't3.small', approval: false }, { faults: { instanceState: stoppingAtVerify } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    const instance = await seeder.describe(instanceId);
    expect({ type: instance.InstanceType, state: instance.State?.Name }).toEqual({ type: 't3.micro', state: 'running' });
    const report = JSON.parse(execution.cause ?? '{}') as HighCpuReport;
    expect(report.rolledBack).toMatchObject({
      error: 'VerificationFailedError', restored: ['stop (it ran as t3.small)', 'type t3.small -> t3.micro', 'start as t3.micro'],
      alarmKept: true, instanceType: 't3.micro', state: 'running',
    });
    expect(report.rolledBack?.cause).toContain(`${instanceId} is stopping, not running as before the resize`);
    expect(statesEntered(execution)).toEqual(lockedFailure(...PLAN, States.routeByAlarm, States.putAlarm, States.routeByResize, ...RESIZE,
      States.checkInstanceStarted, States.routeInstanceStarted, States.checkStatusChecks, States.routeStatusChecks, States.verifyResize,
      ...[1, 2, 3].flatMap(() => [States.rollbackResize, States.routeRollbackResize, States.waitRollbackResize]),
      States.rollbackResize, States.routeRollbackResize, States.buildRollbackReport, States.describeRolledBack, States.rolledBack));
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance', 'cloudwatch:PutMetricAlarm', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:CreateTags',
      'ec2:StartInstances', 'ec2:StopInstances', 'ec2:ModifyInstanceAttribute', 'ec2:StartInstances'));
  });

  it('an instance an operator excluded while the approval was open is not stopped: PlanChangedError, nothing changed', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-excluded-meanwhile' });

    const execution = await run({ instanceId, resize: true }, {
      approver: async (request) => {
        await seeder.ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }));
        return approve(request);
      },
    });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'PlanChangedError' });
    expect(execution.cause).toContain('remediation:exclude=true');
    expect(statesEntered(execution)).toContain(States.preflightAfterApproval);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance', 'sns:Publish'));
    const instance = await seeder.describe(instanceId);
    expect({ type: instance.InstanceType, state: instance.State?.Name }).toEqual({ type: 't3.micro', state: 'running' });
  });

  it('refuses an Auto Scaling member with PreconditionFailedError naming the group, before any change', async () => {
    const { instanceId } = await seeder.createInstance({ name: 'cpu-asg', tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web' }] });

    const execution = await run({ instanceId, resize: true, approval: false });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'PreconditionFailedError' });
    expect(execution.cause).toContain('Auto Scaling group web');
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance'));
    expect((await seeder.describe(instanceId)).InstanceType).toBe('t3.micro');
  });
});
