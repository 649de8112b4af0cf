import { DescribeAutoScalingInstancesCommand, AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeImagesCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeInstanceTypeOfferingsCommand, DescribeInstanceTypesCommand,
  EC2Client, type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { INSTANCE_ID, NOW, awsError, freezeTime } from '../fixtures';
import { TOPIC_ARN, context, cpuAlarm, cpuInstance, typeInfo } from './fixtures';

process.env.HIGH_CPU_ALARM_TOPIC_ARN = TOPIC_ARN;
process.env.HIGH_CPU_COOLDOWN_HOURS = '24';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../tasks/high-cpu/preflight') as typeof import('../../../tasks/high-cpu/preflight');

const ec2 = mockClient(EC2Client);
const cloudwatch = mockClient(CloudWatchClient);
const autoscaling = mockClient(AutoScalingClient);

function account(instance: Instance, options: { alarm?: boolean } = {}) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance] }] });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: options.alarm ? [cpuAlarm()] : [] });
  autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
  ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiStop: { Value: false } });
  // The family in two pages: the next size up is found across them.
  ec2.on(DescribeInstanceTypesCommand, { Filters: [{ Name: 'instance-type', Values: ['t3.*'] }] })
    .resolvesOnce({ InstanceTypes: [typeInfo('t3.large'), typeInfo('t3.micro')], NextToken: 'page-2' })
    .resolves({ InstanceTypes: [typeInfo('t3.small'), typeInfo('t3.nano')] });
  ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.micro', 't3.small'] }).resolves({ InstanceTypes: [typeInfo('t3.micro'), typeInfo('t3.small')] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: instance.ImageId, Architecture: 'x86_64' }] });
  ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({ InstanceTypeOfferings: [{ InstanceType: 't3.small', Location: 'us-east-1a' }] });
}

beforeEach(() => {
  ec2.reset();
  cloudwatch.reset();
  autoscaling.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('high-cpu preflight: the alarm', () => {
  it('plans to create a missing alarm with the defaults, on the notifications topic', async () => {
    account(cpuInstance());

    const out = await handler(context());

    expect(out).toMatchObject({ outcome: 'PROCEED', instanceType: 't3.micro', alarm: { change: 'create', differences: [], desired: { threshold: 80, alarmActions: [TOPIC_ARN] } } });
    expect(out.resize).toBeUndefined();
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNames: [`remediation-high-cpu-${INSTANCE_ID}`], AlarmTypes: ['MetricAlarm'] });
  });

  it('an alarm as asked is NO_ACTION; other settings are an update naming them, with the before state', async () => {
    account(cpuInstance(), { alarm: true });
    expect(await handler(context())).toMatchObject({ outcome: 'NO_ACTION', alarm: { change: 'none' } });

    const out = await handler(context({ alarm: { threshold: 90, evaluationPeriods: 3, datapointsToAlarm: 2 } }));
    expect(out).toMatchObject({ outcome: 'PROCEED', alarm: { change: 'update', differences: ['threshold', 'datapointsToAlarm'], before: { threshold: 80 } } });
  });

  it('plan mode is PLANNED', async () => {
    account(cpuInstance());
    expect(await handler(context({ mode: 'plan' }))).toMatchObject({ outcome: 'PLANNED' });
  });

  it('refuses an excluded or terminated instance', async () => {
    account(cpuInstance({ Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] }));
    await expect(handler(context())).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('remediation:exclude=true') });
    account(cpuInstance({ State: { Name: 'terminated' } }));
    await expect(handler(context())).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `instance ${INSTANCE_ID} is terminated` });
  });

  it('a throttled read goes up for the state machine\'s Retry', async () => {
    account(cpuInstance());
    cloudwatch.on(DescribeAlarmsCommand).rejects(awsError('Throttling'));
    await expect(handler(context())).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('high-cpu preflight: the resize', () => {
  it('picks the next size up in the family (across pages) after every check', async () => {
    account(cpuInstance(), { alarm: true });

    const out = await handler(context({ resize: true }));

    expect(out).toMatchObject({ outcome: 'PROCEED', alarm: { change: 'none' }, resize: { change: 'resize', from: 't3.micro', to: 't3.small', wasRunning: true, cooldownHours: 24 } });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstanceTypeOfferingsCommand, {
      LocationType: 'availability-zone', Filters: [{ Name: 'location', Values: ['us-east-1a'] }, { Name: 'instance-type', Values: ['t3.small'] }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstanceAttributeCommand, { InstanceId: INSTANCE_ID, Attribute: 'disableApiStop' });
  });

  it.each<[string, Partial<Instance>, string]>([
    ['Spot', { InstanceLifecycle: 'spot' }, 'is a Spot instance'],
    ['an Auto Scaling member by tag', { Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web-asg' }] }, 'Auto Scaling group web-asg'],
    ['in a capacity reservation', { CapacityReservationId: 'cr-0123456789abcdef0' }, 'capacity reservation cr-0123456789abcdef0'],
    ['hibernation-enabled', { HibernationOptions: { Configured: true } }, 'hibernation-enabled'],
    ['on an instance-store root', { RootDeviceType: 'instance-store' }, 'instance-store root'],
    ['pending', { State: { Name: 'pending' } }, 'is pending, neither running nor stopped'],
  ])('refuses an instance %s, naming why, before anything changes', async (_what, overrides, why) => {
    account(cpuInstance(overrides));
    await expect(handler(context({ resize: true }))).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining(why) });
  });

  it('refuses an Auto Scaling member the tag does not show, and a stop-protected instance', async () => {
    account(cpuInstance());
    autoscaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [{ InstanceId: INSTANCE_ID, AutoScalingGroupName: 'batch', AvailabilityZone: 'us-east-1a', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }] });
    ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiStop: { Value: true } });
    await expect(handler(context({ resize: true }))).rejects.toMatchObject({ message: expect.stringMatching(/Auto Scaling group batch.*stop-protected/) });
  });

  it('refuses a target the AMI\'s architecture, the virtualization or the AZ does not allow', async () => {
    account(cpuInstance({ VirtualizationType: 'paravirtual' }));
    ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.micro', 'm6g.large'] })
      .resolves({ InstanceTypes: [typeInfo('t3.micro'), typeInfo('m6g.large', { ProcessorInfo: { SupportedArchitectures: ['arm64'] } })] });
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({ InstanceTypeOfferings: [] });
    await expect(handler(context({ targetType: 'm6g.large' }))).rejects.toMatchObject({
      name: 'PreconditionFailedError',
      message: expect.stringMatching(/m6g\.large supports arm64, the AMI .* is x86_64.*paravirtual.*not offered in us-east-1a/),
    });
  });

  it('finds the zone\'s offering on a later page of the filtered offerings', async () => {
    // Prepare: the first page is empty and carries a NextToken, as EC2 may answer a filtered call.
    account(cpuInstance());
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolvesOnce({ InstanceTypeOfferings: [], NextToken: 'page-2' })
      .resolvesOnce({ InstanceTypeOfferings: [{ InstanceType: 't3.small', Location: 'us-east-1a' }] });

    // Act
    const out = await handler(context({ resize: true }));

    // Assess
    expect(out).toMatchObject({ outcome: 'PROCEED', resize: { change: 'resize', to: 't3.small' } });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstanceTypeOfferingsCommand, { NextToken: 'page-2' });
  });

  it('refuses a type that does not exist and the top of a family', async () => {
    account(cpuInstance());
    ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.micro', 't3.bogus' as never] }).rejects(awsError('InvalidInstanceType'));
    await expect(handler(context({ targetType: 't3.bogus' }))).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('does not exist') });
    account(cpuInstance({ InstanceType: 't3.large' }));
    await expect(handler(context({ resize: true }))).rejects.toMatchObject({ message: expect.stringContaining('the largest size of its family') });
  });

  it('within the cooldown refuses a further resize, naming when it ends; the resize it already made is none', async () => {
    const resized = [{ Key: 'remediation:resized-at', Value: '2026-03-01T06:00:00.000Z' }, { Key: 'remediation:resized-from', Value: 't3.micro' }];
    account(cpuInstance({ InstanceType: 't3.small', Tags: resized }), { alarm: true });

    expect(await handler(context({ resize: true }))).toMatchObject({ outcome: 'NO_ACTION', resize: { change: 'none', from: 't3.small', to: 't3.small' } });
    await expect(handler(context({ targetType: 't3.large' }))).rejects.toMatchObject({
      name: 'PreconditionFailedError', message: expect.stringContaining('no second resize before 2026-03-02T06:00:00.000Z (cooldown 24 h)'),
    });
    // The input's own cooldown wins: after 4 hours this one has passed.
    ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.small', 't3.large'] }).resolves({ InstanceTypes: [typeInfo('t3.small'), typeInfo('t3.large')] });
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves({ InstanceTypeOfferings: [{ InstanceType: 't3.large', Location: 'us-east-1a' }] });
    expect(await handler(context({ targetType: 't3.large', cooldownHours: 4 }))).toMatchObject({ resize: { change: 'resize', to: 't3.large' } });
  });

  it('a resize record that is not a date is refused, not taken for none', async () => {
    account(cpuInstance({ Tags: [{ Key: 'remediation:resized-at', Value: 'yesterday' }] }));
    await expect(handler(context({ resize: true }))).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('is not a date') });
  });
});
