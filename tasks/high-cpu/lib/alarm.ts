import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { TAG } from '../../lib/tags';
import { WORKFLOW } from '../../lib/workflow-names';
import type { AlarmSettings } from './schema';

/** Every alarm this workflow owns is named so: the IAM grants and the notifications topic's policy are scoped by it. */
export const ALARM_NAME_PREFIX = 'remediation-high-cpu-';
/** The notifications topic the alarm notifies (infra/workflows/high-cpu.ts sets it). */
export const ALARM_TOPIC_ENV = 'HIGH_CPU_ALARM_TOPIC_ARN';

export const alarmNameOf = (instanceId: string): string => `${ALARM_NAME_PREFIX}${instanceId}`;

/** What the report compares: the settings of an alarm as CloudWatch holds them. */
export interface AlarmState {
  alarmName: string;
  metric: string;
  threshold: number;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparison: string;
  statistic: string;
  alarmActions: string[];
  treatMissingData: string;
}

const COMPARISON = 'GreaterThanOrEqualToThreshold';

/** The alarm the input asks for. */
export function desiredAlarm(instanceId: string, settings: AlarmSettings, topicArn: string): AlarmState {
  return {
    alarmName: alarmNameOf(instanceId), metric: 'AWS/EC2 CPUUtilization', threshold: settings.threshold, periodSeconds: settings.periodSeconds,
    evaluationPeriods: settings.evaluationPeriods, datapointsToAlarm: settings.datapointsToAlarm, comparison: COMPARISON, statistic: 'Average',
    alarmActions: [topicArn],
    // A stopped instance publishes nothing: that is no breach, and no reason to page anyone.
    treatMissingData: 'missing',
  };
}

export function alarmStateOf(alarm: MetricAlarm): AlarmState {
  return {
    alarmName: alarm.AlarmName ?? '', metric: `${alarm.Namespace ?? ''} ${alarm.MetricName ?? ''}`, threshold: alarm.Threshold ?? 0,
    periodSeconds: alarm.Period ?? 0, evaluationPeriods: alarm.EvaluationPeriods ?? 0,
    // CloudWatch leaves DatapointsToAlarm unset when it equals EvaluationPeriods.
    datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods ?? 0,
    comparison: alarm.ComparisonOperator ?? '', statistic: alarm.Statistic ?? '', alarmActions: [...(alarm.AlarmActions ?? [])].sort(),
    treatMissingData: alarm.TreatMissingData ?? 'missing',
  };
}

/**
 * The fields of `current` that differ from `desired` (none: the alarm is as asked). Actions someone added beside
 * our topic are theirs: only a missing topic is a difference.
 */
export function alarmDifferences(current: AlarmState, desired: AlarmState): string[] {
  return (Object.keys(desired) as (keyof AlarmState)[]).filter((k) => (k === 'alarmActions'
    ? desired.alarmActions.some((a) => !current.alarmActions.includes(a))
    : JSON.stringify(current[k]) !== JSON.stringify(desired[k])));
}

/**
 * PutMetricAlarm's input for the desired alarm on this instance. It replaces the whole alarm of that name, so
 * the actions an operator added to it (alarm, OK, insufficient-data) are carried over, never dropped.
 */
export function putAlarmInput(instanceId: string, desired: AlarmState, executionName: string, existing?: MetricAlarm): PutMetricAlarmCommandInput {
  const alarmActions = [...new Set([...(existing?.AlarmActions ?? []), ...desired.alarmActions])];
  return {
    AlarmName: desired.alarmName,
    AlarmDescription: `Average CPU of ${instanceId} at or above ${desired.threshold}% for ${desired.datapointsToAlarm} of ${desired.evaluationPeriods} periods of ${desired.periodSeconds} s (remediation high-cpu)`,
    Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
    Statistic: 'Average', Period: desired.periodSeconds, EvaluationPeriods: desired.evaluationPeriods, DatapointsToAlarm: desired.datapointsToAlarm,
    Threshold: desired.threshold, ComparisonOperator: COMPARISON, TreatMissingData: desired.treatMissingData,
    ActionsEnabled: true, AlarmActions: alarmActions,
    ...(existing?.OKActions?.length ? { OKActions: existing.OKActions } : {}),
    ...(existing?.InsufficientDataActions?.length ? { InsufficientDataActions: existing.InsufficientDataActions } : {}),
    // Tags apply when the alarm is created; a replaced alarm keeps its own.
    Tags: [{ Key: TAG.workflow, Value: WORKFLOW.highCpu }, { Key: TAG.execution, Value: executionName }],
  };
}

/** The instance's CPU alarm as CloudWatch holds it, if there is one. */
export async function findCpuAlarm(cloudwatch: CloudWatchClient, instanceId: string): Promise<MetricAlarm | undefined> {
  const out = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmNameOf(instanceId)], AlarmTypes: ['MetricAlarm'] }));
  return out.MetricAlarms?.[0];
}

/**
 * For triage (issue 11 item 6): whether the instance has this workflow's CPU alarm. Needs
 * cloudwatch:DescribeAlarms on `alarm:remediation-high-cpu-*` (infra/workflows/high-cpu.ts alarmRead).
 */
export async function hasCpuAlarm(cloudwatch: CloudWatchClient, instanceId: string): Promise<boolean> {
  return (await findCpuAlarm(cloudwatch, instanceId)) !== undefined;
}
