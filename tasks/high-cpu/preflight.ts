import { createAutoScalingClient } from '../lib/clients/auto-scaling';
import { createCloudWatchClient } from '../lib/clients/cloudwatch';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import * as z from 'zod/mini';
import { readEnv, requiredString } from '../lib/env';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { ALARM_TOPIC_ENV, alarmDifferences, alarmStateOf, desiredAlarm, findCpuAlarm } from './lib/alarm';
import { planResize } from './lib/resize-plan';
import { COOLDOWN_ENV, DEFAULT_COOLDOWN_HOURS } from './lib/schema';
import type { AlarmPlan, HighCpuPlan, RunContext } from './lib/types';

const ec2 = createEc2Client();
const cloudwatch = createCloudWatchClient();
const autoscaling = createAutoScalingClient();
const env = readEnv({
  [ALARM_TOPIC_ENV]: requiredString,
  [COOLDOWN_ENV]: z.pipe(z._default(z.string(), String(DEFAULT_COOLDOWN_HOURS)), z.transform(Number)),
});
const topicArn = env[ALARM_TOPIC_ENV];

/**
 * Read-only (run again after an approval, and compared): the alarm to create or update, and with `resize`
 * the type to move to after every compatibility check. Refusals are PreconditionFailedError, before any change.
 */
export const handler = async ({ request }: RunContext): Promise<HighCpuPlan> => {
  const instance = await describeInstance(ec2, request.instanceId);
  const state = instance.State?.Name ?? 'unknown';
  if (state === 'terminated' || state === 'shutting-down') throw new PreconditionFailedError(`instance ${request.instanceId} is ${state}`);
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') {
    throw new PreconditionFailedError(`instance ${request.instanceId} is excluded by tag ${TAG.exclude}=true`);
  }

  const desired = desiredAlarm(request.instanceId, request.alarm, topicArn);
  const existing = await findCpuAlarm(cloudwatch, request.instanceId);
  const before = existing ? alarmStateOf(existing) : undefined;
  const differences = before ? alarmDifferences(before, desired) : [];
  const alarm: AlarmPlan = {
    change: !before ? 'create' : differences.length > 0 ? 'update' : 'none', desired, ...(before ? { before } : {}), differences,
  };

  const cooldownHours = request.cooldownHours ?? env[COOLDOWN_ENV];
  const resize = request.resize
    ? await planResize(ec2, autoscaling, instance, { ...(request.targetType ? { targetType: request.targetType } : {}), cooldownHours, now: new Date() })
    : undefined;
  const changes = alarm.change !== 'none' || resize?.change === 'resize';
  const outcome = !changes ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { outcome, alarm: alarm.change, resize: resize?.change, to: resize?.to });
  return {
    outcome, instanceId: request.instanceId, state, instanceType: instance.InstanceType ?? 'unknown',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '', alarm, ...(resize ? { resize } : {}),
  };
};
