import { createCloudWatchClient } from '../lib/clients/cloudwatch';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance } from '../lib/ec2';
import { VerificationFailedError } from '../lib/errors';
import { alarmDifferences, alarmStateOf, findCpuAlarm } from './lib/alarm';
import type { HighCpuPlan } from './lib/types';

const ec2 = createEc2Client();
const cloudwatch = createCloudWatchClient();

export interface VerifyHighCpuEvent {
  plan: HighCpuPlan;
}

export interface Verification {
  alarmName: string;
  alarmState: string;
  instanceType: string;
  state: string;
  checkedAt: string;
}

/** Re-reads what the run changed: the alarm as planned, and after a resize the instance of the new type in its prior state. */
export const handler = async ({ plan }: VerifyHighCpuEvent): Promise<Verification> => {
  const problems: string[] = [];
  const alarm = await findCpuAlarm(cloudwatch, plan.instanceId);
  if (!alarm) problems.push(`alarm ${plan.alarm.desired.alarmName} does not exist`);
  else {
    const differences = alarmDifferences(alarmStateOf(alarm), plan.alarm.desired);
    if (differences.length > 0) problems.push(`alarm ${plan.alarm.desired.alarmName} differs from the plan in ${differences.join(', ')}`);
  }
  const instance = await describeInstance(ec2, plan.instanceId);
  const state = instance.State?.Name ?? 'unknown';
  const resize = plan.resize;
  if (resize?.change === 'resize') {
    if (instance.InstanceType !== resize.to) problems.push(`${plan.instanceId} is ${instance.InstanceType ?? 'unknown'}, not ${resize.to}`);
    const expected = resize.wasRunning ? 'running' : 'stopped';
    if (state !== expected) problems.push(`${plan.instanceId} is ${state}, not ${expected} as before the resize`);
  }
  if (problems.length > 0) throw new VerificationFailedError(problems.join('; '));
  return {
    alarmName: plan.alarm.desired.alarmName, alarmState: alarm?.StateValue ?? 'unknown', instanceType: instance.InstanceType ?? 'unknown', state,
    checkedAt: new Date().toISOString(),
  };
};
