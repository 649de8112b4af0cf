import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { EC2Client, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { hygieneOf } from '../../../tasks/triage/lib/hygiene';
import type { TriageDecision } from '../../../tasks/triage/lib/policy';
import { INSTANCE_ID, instance } from '../../tasks/fixtures';

const ec2 = mockClient(EC2Client);
const cloudwatch = mockClient(CloudWatchClient);
beforeEach(() => {
  ec2.reset();
  cloudwatch.reset();
});
const policy = (decisions: Partial<Record<string, TriageDecision>>) => (w: string): TriageDecision => decisions[w] ?? 'report';
const withTokens = (HttpTokens: 'optional' | 'required') => ({ ...instance(), MetadataOptions: { HttpTokens, State: 'applied' as const } });

describe('triage hygiene of the started instance', () => {
  it('IMDSv1 allowed and EBS encryption by default off: both reported under the default policy', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });

    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('optional'), 'us-east-1', policy({}));

    expect(out).toEqual({
      imdsV1Allowed: true, ebsEncryptionByDefault: false,
      remediations: [
        { workflow: 'enforce-imdsv2', decision: 'report', reason: 'allows IMDSv1 (HttpTokens optional)', target: INSTANCE_ID },
        { workflow: 'enable-ebs-encryption-by-default', decision: 'report', reason: 'EBS encryption by default is off in us-east-1: the next volume created is unencrypted', target: 'us-east-1' },
      ],
    });
  });

  it('policy approval: enforce-imdsv2 asks a person (it has a gate); the EBS default has none, so it is reported and says so', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });

    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('optional'), 'us-east-1', policy({ 'enforce-imdsv2': 'approval', 'enable-ebs-encryption-by-default': 'approval' }));

    expect(out.remediations.map((r) => [r.workflow, r.decision])).toEqual([['enforce-imdsv2', 'approval'], ['enable-ebs-encryption-by-default', 'report']]);
    expect(out.remediations[1]?.reason).toMatch(/policy approval is reported only \(it has no approval gate\)$/);
  });

  it('policy auto starts both', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });
    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('optional'), 'eu-west-1', policy({ 'enforce-imdsv2': 'auto', 'enable-ebs-encryption-by-default': 'auto' }));
    expect(out.remediations.map((r) => [r.workflow, r.decision, r.target])).toEqual([['enforce-imdsv2', 'auto', INSTANCE_ID], ['enable-ebs-encryption-by-default', 'auto', 'eu-west-1']]);
  });

  it('IMDSv2 required and encryption by default on: nothing to remediate', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    expect(await hygieneOf(ec2 as unknown as EC2Client, withTokens('required'), 'us-east-1', policy({}))).toEqual({ imdsV1Allowed: false, ebsEncryptionByDefault: true, remediations: [] });
  });

  it('rethrows throttling for the Retry', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).rejects(Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded' }));
    await expect(hygieneOf(ec2 as unknown as EC2Client, withTokens('optional'), 'us-east-1', policy({}))).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('triage hygiene: the CPU alarm (high-cpu)', () => {
  const cw = cloudwatch as unknown as CloudWatchClient;
  const clean = () => ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });

  it('no alarm of that name: high-cpu on the instance, with the policy\'s decision', async () => {
    clean();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('required'), 'us-east-1', policy({ 'high-cpu': 'approval' }), cw);

    expect(out).toEqual({
      imdsV1Allowed: false, ebsEncryptionByDefault: true, cpuAlarm: false,
      remediations: [{ workflow: 'high-cpu', decision: 'approval', reason: `no CPU alarm (remediation-high-cpu-${INSTANCE_ID})`, target: INSTANCE_ID }],
    });
    expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNames: [`remediation-high-cpu-${INSTANCE_ID}`], AlarmTypes: ['MetricAlarm'] });
  });

  it('the alarm exists: nothing to remediate', async () => {
    clean();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: `remediation-high-cpu-${INSTANCE_ID}` }] });
    expect(await hygieneOf(ec2 as unknown as EC2Client, withTokens('required'), 'us-east-1', policy({ 'high-cpu': 'auto' }), cw))
      .toEqual({ imdsV1Allowed: false, ebsEncryptionByDefault: true, cpuAlarm: true, remediations: [] });
  });

  it('defaults to report, listed after the IMDS and EBS findings', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });
    cloudwatch.on(DescribeAlarmsCommand).resolves({});
    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('optional'), 'us-east-1', policy({}), cw);
    expect(out.remediations.map((r) => [r.workflow, r.decision])).toEqual([['enforce-imdsv2', 'report'], ['enable-ebs-encryption-by-default', 'report'], ['high-cpu', 'report']]);
  });

  it('without a CloudWatch client nothing is said about the alarm', async () => {
    clean();
    const out = await hygieneOf(ec2 as unknown as EC2Client, withTokens('required'), 'us-east-1', policy({ 'high-cpu': 'auto' }));
    expect(out).toEqual({ imdsV1Allowed: false, ebsEncryptionByDefault: true, remediations: [] });
    expect(cloudwatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
  });

  it('rethrows throttling of DescribeAlarms for the Retry', async () => {
    clean();
    cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling' }));
    await expect(hygieneOf(ec2 as unknown as EC2Client, withTokens('required'), 'us-east-1', policy({}), cw)).rejects.toMatchObject({ name: 'Throttling' });
  });
});

describe('start-child for the hygiene workflows', () => {
  const IMDS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-enforce-imdsv2';
  const EBS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-enable-ebs-encryption-by-default';
  const HIGH_CPU_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-high-cpu';
  const base = { input: { trigger: { source: 'eventbridge' } }, parentStartTime: '2026-11-27T10:15:31.123Z' };

  async function load() {
    process.env.CHILD_STATE_MACHINES = JSON.stringify({ 'enforce-imdsv2': IMDS_ARN, 'enable-ebs-encryption-by-default': EBS_ARN, 'high-cpu': HIGH_CPU_ARN });
    let loaded: { sdk: typeof import('@aws-sdk/client-sfn'); handler: typeof import('../../../tasks/triage/start-child')['handler'] } | undefined;
    await jest.isolateModulesAsync(async () => {
      loaded = { sdk: await import('@aws-sdk/client-sfn'), handler: (await import('../../../tasks/triage/start-child')).handler };
    });
    delete process.env.CHILD_STATE_MACHINES;
    const sfn = mockClient(loaded!.sdk.SFNClient);
    sfn.on(loaded!.sdk.StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:y' });
    const sent = () => JSON.parse((sfn.commandCalls(loaded!.sdk.StartExecutionCommand)[0]?.args[0].input as { input: string }).input) as Record<string, unknown>;
    return { ...loaded!, sfn, sent };
  }

  it('enforce-imdsv2 on the instance, asking a person first under approval', async () => {
    const t = await load();
    await t.handler({ ...base, workflow: 'enforce-imdsv2', target: INSTANCE_ID, decision: 'approval' });
    expect(t.sent()).toMatchObject({ instanceIds: [INSTANCE_ID], approval: true });
    t.sfn.restore();
  });

  it('enforce-imdsv2 under auto: no approval', async () => {
    const t = await load();
    await t.handler({ ...base, workflow: 'enforce-imdsv2', target: INSTANCE_ID, decision: 'auto' });
    expect(t.sent()).toMatchObject({ instanceIds: [INSTANCE_ID] });
    expect(t.sent().approval).toBeUndefined();
    t.sfn.restore();
  });

  it('enable-ebs-encryption-by-default under auto keeps the current key (no kmsKeyId); under approval it is refused', async () => {
    const t = await load();
    await t.handler({ ...base, workflow: 'enable-ebs-encryption-by-default', target: 'us-east-1', decision: 'auto' });
    expect(Object.keys(t.sent()).sort()).toEqual(['trigger']);
    await expect(t.handler({ ...base, workflow: 'enable-ebs-encryption-by-default', target: 'us-east-1', decision: 'approval' }))
      .rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('no approval gate') });
    t.sfn.restore();
  });

  it.each([['approval', { approval: true }], ['auto', {}]] as const)('high-cpu under %s: the alarm only, never a resize', async (decision, extra) => {
    const t = await load();
    await t.handler({ ...base, workflow: 'high-cpu', target: INSTANCE_ID, decision });
    expect(t.sfn).toHaveReceivedCommandWith(t.sdk.StartExecutionCommand, { stateMachineArn: HIGH_CPU_ARN });
    expect(t.sent()).toEqual({ trigger: expect.objectContaining({ source: 'eventbridge' }), instanceId: INSTANCE_ID, resize: false, ...extra });
    t.sfn.restore();
  });
});
