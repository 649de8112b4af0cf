import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { createCloudWatchClient } from '../lib/clients/cloudwatch';
import { logger } from '../lib/logger';
import { alarmDifferences, alarmStateOf, findCpuAlarm, putAlarmInput, type AlarmState } from './lib/alarm';
import type { AlarmPlan } from './lib/types';

const cloudwatch = createCloudWatchClient();

export interface PutAlarmEvent {
  instanceId: string;
  alarm: AlarmPlan;
  executionName: string;
}

export interface PutAlarmResult {
  alarmName: string;
  change: 'create' | 'update' | 'none';
  before?: AlarmState;
  after: AlarmState;
  at: string;
}

/**
 * Creates or updates the instance's CPU alarm to the planned settings. PutMetricAlarm replaces an alarm of the
 * same name, so it is idempotent by that name; one already as planned (a retry after a lost answer) is left alone.
 */
export const handler = async ({ instanceId, alarm, executionName }: PutAlarmEvent): Promise<PutAlarmResult> => {
  const existing = await findCpuAlarm(cloudwatch, instanceId);
  const now = existing ? alarmStateOf(existing) : undefined;
  const at = new Date().toISOString();
  if (now && alarmDifferences(now, alarm.desired).length === 0) {
    logger.info('alarm already as planned', { alarmName: alarm.desired.alarmName });
    return { alarmName: alarm.desired.alarmName, change: alarm.change, ...(alarm.before ? { before: alarm.before } : {}), after: now, at };
  }
  await cloudwatch.send(new PutMetricAlarmCommand(putAlarmInput(instanceId, alarm.desired, executionName, existing)));
  logger.info('alarm put', { alarmName: alarm.desired.alarmName, change: alarm.change });
  const after = { ...alarm.desired, alarmActions: [...new Set([...(now?.alarmActions ?? []), ...alarm.desired.alarmActions])].sort() };
  return { alarmName: alarm.desired.alarmName, change: alarm.change, ...(alarm.before ? { before: alarm.before } : {}), after, at };
};
