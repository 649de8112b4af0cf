import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, DescribeInstancesCommand, DescribeInstanceStatusCommand, EC2Client, ModifyInstanceAttributeCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as checkStatusChecks } from '../../../tasks/high-cpu/check-status-checks';
import { handler as modifyInstanceType } from '../../../tasks/high-cpu/modify-instance-type';
import { handler as putAlarm } from '../../../tasks/high-cpu/put-alarm';
import { handler as verify } from '../../../tasks/high-cpu/verify-high-cpu';
import { hasCpuAlarm } from '../../../tasks/high-cpu/lib/alarm';
import { INSTANCE_ID, NOW, awsError, freezeTime } from '../fixtures';
import { ALARM_NAME, cpuAlarm, cpuInstance, plan } from './fixtures';

const ec2 = mockClient(EC2Client);
const cloudwatch = mockClient(CloudWatchClient);
const withInstance = (instance: Instance) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance] }] });

beforeEach(() => {
  ec2.reset();
  cloudwatch.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('put-alarm', () => {
  it('puts the planned alarm on the instance\'s CPU, tagged with the workflow and execution', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    const out = await putAlarm({ instanceId: INSTANCE_ID, alarm: plan().alarm, executionName: 'high-cpu-exec' });

    expect(out).toEqual({ alarmName: ALARM_NAME, change: 'create', after: plan().alarm.desired, at: NOW.toISOString() });
    expect(cloudwatch).toHaveReceivedCommandTimes(PutMetricAlarmCommand, 1);
    expect(cloudwatch.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input).toEqual({
      AlarmName: ALARM_NAME,
      AlarmDescription: `Average CPU of ${INSTANCE_ID} at or above 80% for 3 of 3 periods of 300 s (remediation high-cpu)`,
      Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: INSTANCE_ID }], Statistic: 'Average',
      Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 80, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'missing',
      ActionsEnabled: true, AlarmActions: plan().alarm.desired.alarmActions,
      Tags: [{ Key: 'remediation:workflow', Value: 'high-cpu' }, { Key: 'remediation:execution', Value: 'high-cpu-exec' }],
    });
  });

  it('a retry that finds the alarm already as planned puts nothing', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm()] });

    const out = await putAlarm({ instanceId: INSTANCE_ID, alarm: plan().alarm, executionName: 'high-cpu-exec' });

    expect(out.after).toEqual(plan().alarm.desired);
    expect(cloudwatch).not.toHaveReceivedCommand(PutMetricAlarmCommand);
  });

  it('throttling goes up for the state machine\'s Retry', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm({ Threshold: 70 })] });
    cloudwatch.on(PutMetricAlarmCommand).rejects(awsError('Throttling'));
    await expect(putAlarm({ instanceId: INSTANCE_ID, alarm: plan().alarm, executionName: 'x' })).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('modify-instance-type', () => {
  it('changes the stopped instance\'s type and records the resize on it', async () => {
    withInstance(cpuInstance({ State: { Name: 'stopped' } }));

    const out = await modifyInstanceType({ instanceId: INSTANCE_ID, from: 't3.micro', to: 't3.small' });

    expect(out).toEqual({ instanceId: INSTANCE_ID, from: 't3.micro', to: 't3.small', resizedAt: NOW.toISOString() });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, { InstanceId: INSTANCE_ID, InstanceType: { Value: 't3.small' } });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [INSTANCE_ID], Tags: [{ Key: 'remediation:resized-at', Value: NOW.toISOString() }, { Key: 'remediation:resized-from', Value: 't3.micro' }],
    });
  });

  it('a retry on an instance already of the new type only tags it', async () => {
    withInstance(cpuInstance({ State: { Name: 'stopped' }, InstanceType: 't3.small' }));
    await modifyInstanceType({ instanceId: INSTANCE_ID, from: 't3.micro', to: 't3.small' });
    expect(ec2).not.toHaveReceivedCommand(ModifyInstanceAttributeCommand);
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 1);
  });

  it('an instance someone started is not changed: InstanceChangedError', async () => {
    withInstance(cpuInstance({ State: { Name: 'pending' } }));
    await expect(modifyInstanceType({ instanceId: INSTANCE_ID, from: 't3.micro', to: 't3.small' })).rejects.toMatchObject({ name: 'InstanceChangedError' });
    expect(ec2).not.toHaveReceivedCommand(ModifyInstanceAttributeCommand);
  });
});

describe('check-status-checks', () => {
  const status = (system: string, instance: string) => ({ InstanceStatuses: [{ InstanceId: INSTANCE_ID, SystemStatus: { Status: system }, InstanceStatus: { Status: instance } }] });

  it.each<[string, string, string]>([['ok', 'ok', 'completed'], ['initializing', 'ok', 'pending'], ['ok', 'insufficient-data', 'pending'], ['ok', 'impaired', 'error']])(
    'system %s, instance %s: %s', async (system, instance, expected) => {
      ec2.on(DescribeInstanceStatusCommand).resolves(status(system, instance) as never);
      const out = await checkStatusChecks({ instanceId: INSTANCE_ID });
      expect(out).toMatchObject({ status: expected, system, instance, count: 1 });
      expect(ec2).toHaveReceivedCommandWith(DescribeInstanceStatusCommand, { InstanceIds: [INSTANCE_ID], IncludeAllInstances: true });
    },
  );

  it('still initializing after its budget: PollBudgetExceededError', async () => {
    ec2.on(DescribeInstanceStatusCommand).resolves(status('initializing', 'initializing') as never);
    const poll = { status: 'pending' as const, count: 29, startedAt: NOW.toISOString(), waitSeconds: 60, maxPolls: 30 };
    await expect(checkStatusChecks({ instanceId: INSTANCE_ID, poll })).rejects.toMatchObject({ name: 'PollBudgetExceededError' });
  });
});

describe('verify-high-cpu', () => {
  it('passes when the alarm is as planned and the instance runs as the new type', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm()] });
    withInstance(cpuInstance({ InstanceType: 't3.small' }));
    expect(await verify({ plan: plan() })).toEqual({ alarmName: ALARM_NAME, alarmState: 'INSUFFICIENT_DATA', instanceType: 't3.small', state: 'running', checkedAt: NOW.toISOString() });
  });

  it('names every difference: VerificationFailedError', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm({ Threshold: 50 })] });
    withInstance(cpuInstance({ State: { Name: 'stopped' } }));
    await expect(verify({ plan: plan() })).rejects.toMatchObject({
      name: 'VerificationFailedError',
      message: `alarm ${ALARM_NAME} differs from the plan in threshold; ${INSTANCE_ID} is t3.micro, not t3.small; ${INSTANCE_ID} is stopped, not running as before the resize`,
    });
  });
});

describe('hasCpuAlarm (for triage)', () => {
  it('is true when the instance has this workflow\'s alarm, false otherwise', async () => {
    cloudwatch.on(DescribeAlarmsCommand, { AlarmNames: [ALARM_NAME], AlarmTypes: ['MetricAlarm'] }).resolvesOnce({ MetricAlarms: [cpuAlarm()] }).resolves({ MetricAlarms: [] });
    const client = new CloudWatchClient({});
    expect(await hasCpuAlarm(client, INSTANCE_ID)).toBe(true);
    expect(await hasCpuAlarm(client, INSTANCE_ID)).toBe(false);
  });
});

describe('put-alarm on an alarm an operator extended', () => {
  it('keeps the actions they added (alarm, OK, insufficient data) while changing our settings', async () => {
    const pager = 'arn:aws:sns:us-east-1:123456789012:pager';
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [cpuAlarm({ Threshold: 70, AlarmActions: [pager], OKActions: [pager], InsufficientDataActions: [pager] })] });

    const out = await putAlarm({ instanceId: INSTANCE_ID, alarm: plan().alarm, executionName: 'x' });

    expect(cloudwatch.commandCalls(PutMetricAlarmCommand)[0]?.args[0].input).toMatchObject({
      Threshold: 80, AlarmActions: [pager, ...plan().alarm.desired.alarmActions], OKActions: [pager], InsufficientDataActions: [pager],
    });
    expect(out.after.alarmActions).toEqual([...plan().alarm.desired.alarmActions, pager].sort());
  });
});
