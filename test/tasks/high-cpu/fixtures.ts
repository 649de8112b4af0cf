import type { Instance, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { desiredAlarm } from '../../../tasks/high-cpu/lib/alarm';
import { ALARM_DEFAULTS, completeRequest, highCpuInputSchema } from '../../../tasks/high-cpu/lib/schema';
import type { HighCpuPlan, RunContext } from '../../../tasks/high-cpu/lib/types';
import { INSTANCE_ID } from '../fixtures';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:AuditNotifications';
export const ALARM_NAME = `remediation-high-cpu-${INSTANCE_ID}`;

/** A running t3.micro on an EBS root, as DescribeInstances returns it. */
export function cpuInstance(overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: INSTANCE_ID, InstanceType: 't3.micro', State: { Name: 'running', Code: 16 }, ImageId: 'ami-0123456789abcdef0',
    Architecture: 'x86_64', VirtualizationType: 'hvm', RootDeviceType: 'ebs', EnaSupport: true, Placement: { AvailabilityZone: 'us-east-1a' },
    NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0123456789abcdef0', Attachment: { NetworkCardIndex: 0, DeviceIndex: 0 } }],
    Tags: [{ Key: 'Name', Value: 'web' }],
    ...overrides,
  };
}

/** An instance type as DescribeInstanceTypes returns it (x86_64, HVM, EBS, ENA and NVMe required, one network card). */
export function typeInfo(type: string, overrides: Partial<InstanceTypeInfo> = {}): InstanceTypeInfo {
  return {
    InstanceType: type as InstanceTypeInfo['InstanceType'], ProcessorInfo: { SupportedArchitectures: ['x86_64'] }, SupportedVirtualizationTypes: ['hvm'],
    SupportedRootDeviceTypes: ['ebs'], NetworkInfo: { EnaSupport: 'required', MaximumNetworkCards: 1, MaximumNetworkInterfaces: 3 },
    EbsInfo: { NvmeSupport: 'required' }, ...overrides,
  };
}

/** The alarm as CloudWatch holds it with the defaults. */
export function cpuAlarm(overrides: Partial<MetricAlarm> = {}): MetricAlarm {
  return {
    AlarmName: ALARM_NAME, Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Threshold: ALARM_DEFAULTS.threshold, Period: ALARM_DEFAULTS.periodSeconds,
    EvaluationPeriods: ALARM_DEFAULTS.evaluationPeriods, DatapointsToAlarm: ALARM_DEFAULTS.datapointsToAlarm, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Statistic: 'Average', AlarmActions: [TOPIC_ARN], TreatMissingData: 'missing', StateValue: 'INSUFFICIENT_DATA', ...overrides,
  };
}

export const context = (input: Record<string, unknown> = {}): RunContext => ({
  request: completeRequest(highCpuInputSchema.parse({ instanceId: INSTANCE_ID, ...input })),
  execution: { name: 'high-cpu-exec', startTime: '2026-03-01T11:59:00.000Z' },
});

export function plan(overrides: Partial<HighCpuPlan> = {}): HighCpuPlan {
  return {
    outcome: 'PROCEED', instanceId: INSTANCE_ID, state: 'running', instanceType: 't3.micro', availabilityZone: 'us-east-1a',
    alarm: { change: 'create', desired: desiredAlarm(INSTANCE_ID, { ...ALARM_DEFAULTS }, TOPIC_ARN), differences: [] },
    resize: { change: 'resize', from: 't3.micro', to: 't3.small', wasRunning: true, cooldownHours: 24, checked: [] },
    ...overrides,
  };
}
