import type { Instance } from '@aws-sdk/client-ec2';
import 'aws-sdk-client-mock-jest';
import { INSTANCE_ID, awsError } from '../../tasks/fixtures';
import {
  ACCOUNT, ALICE, DATA_VOLUME, MALLORY, OPS_ADMIN, ROOT_VOLUME, group, loadWith, privateOnly, running, stubInstance, world, type Loaded,
} from './assess-instance-loader';

describe('assess-instance with the default policy and no allow-list', () => {
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith({});
  });
  beforeEach(() => t.ec2.reset());
  afterAll(() => t.ec2.restore());

  it('finds the unencrypted volumes and proposes encrypt-volumes with approval (the default for disruptive work)', async () => {
    // Prepare
    stubInstance(t, running());

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: MALLORY });

    // Assess
    expect(assessment).toEqual({
      instanceId: INSTANCE_ID,
      found: true,
      state: 'running',
      excluded: false,
      unencryptedVolumes: [ROOT_VOLUME],
      openSecurityGroups: [],
      principalAllowed: true,
      hygiene: { cpuAlarm: true },
      remediations: [{ workflow: 'encrypt-volumes', decision: 'approval', reason: '1 unencrypted EBS volume(s)', target: INSTANCE_ID }],
    });
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
    // Only high-cpu's alarm of this instance, by its name.
    expect(t.cloudwatch).toHaveReceivedCommandWith(t.cw.DescribeAlarmsCommand, { AlarmNames: [`remediation-high-cpu-${INSTANCE_ID}`], AlarmTypes: ['MetricAlarm'] });
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeVolumesCommand, { VolumeIds: [ROOT_VOLUME, DATA_VOLUME] });
    // No security groups: nothing to describe.
    expect(t.ec2).not.toHaveReceivedCommand(t.sdk.DescribeSecurityGroupsCommand);
  });

  it('applies no remediation when every volume is encrypted', async () => {
    // Prepare
    stubInstance(t, running(), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toMatchObject({ found: true, unencryptedVolumes: [], remediations: [] });
  });

  it('describes no volumes for an instance without EBS volumes', async () => {
    // Prepare
    t.ec2.on(t.sdk.DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [running({ BlockDeviceMappings: [{ DeviceName: '/dev/sdb' }] })] }] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toMatchObject({ found: true, unencryptedVolumes: [], remediations: [] });
    expect(t.ec2).not.toHaveReceivedCommand(t.sdk.DescribeVolumesCommand);
  });

  it.each(['true', 'TRUE', 'True'])('lists the unencrypted volumes but applies no remediation when remediation:exclude is %s', async (value) => {
    // Prepare
    stubInstance(t, running({ Tags: [{ Key: 'Name', Value: 'web' }, { Key: 'remediation:exclude', Value: value }] }), { [ROOT_VOLUME]: false, [DATA_VOLUME]: false });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toMatchObject({ found: true, excluded: true, unencryptedVolumes: [ROOT_VOLUME, DATA_VOLUME], remediations: [] });
  });

  it('is not excluded by any other value of remediation:exclude', async () => {
    // Prepare
    stubInstance(t, running({ Tags: [{ Key: 'remediation:exclude', Value: 'no' }] }));

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toMatchObject({ excluded: false, remediations: [{ workflow: 'encrypt-volumes', decision: 'approval' }] });
  });

  it('reports security groups open to 0.0.0.0/0 or ::/0 with their ports, and not private-only ones', async () => {
    // Prepare
    stubInstance(t, running({ SecurityGroups: [{ GroupId: 'sg-0000000000000open' }, { GroupId: 'sg-000000000000000v6' }, { GroupId: 'sg-00000000000closed' }] }));
    t.ec2.on(t.sdk.DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        group('sg-0000000000000open', [world('tcp', 22, 22), privateOnly('tcp', 3306, 3306), world('-1')]),
        group('sg-000000000000000v6', [world('tcp', 443, 443, true), world('udp', 1000, 2000, true)]),
        group('sg-00000000000closed', [privateOnly('tcp', 22, 22), privateOnly('-1', -1, -1)]),
      ],
    });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.openSecurityGroups).toEqual([
      { groupId: 'sg-0000000000000open', ports: ['tcp/22-22', 'all'] },
      { groupId: 'sg-000000000000000v6', ports: ['tcp/443-443', 'udp/1000-2000'] },
    ]);
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeSecurityGroupsCommand, {
      GroupIds: ['sg-0000000000000open', 'sg-000000000000000v6', 'sg-00000000000closed'],
    });
  });

  it('reads every DescribeSecurityGroups page', async () => {
    // Prepare
    stubInstance(t, running({ SecurityGroups: [{ GroupId: 'sg-0000000000000001' }, { GroupId: 'sg-0000000000000002' }] }));
    t.ec2.on(t.sdk.DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: [group('sg-0000000000000001', [world('tcp', 22, 22)])], NextToken: 'page-2' })
      .resolvesOnce({ SecurityGroups: [group('sg-0000000000000002', [world('tcp', 3389, 3389, true)])] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.openSecurityGroups).toEqual([
      { groupId: 'sg-0000000000000001', ports: ['tcp/22-22'] },
      { groupId: 'sg-0000000000000002', ports: ['tcp/3389-3389'] },
    ]);
    expect(t.ec2).toHaveReceivedCommandTimes(t.sdk.DescribeSecurityGroupsCommand, 2);
    expect(t.ec2).toHaveReceivedNthSpecificCommandWith(2, t.sdk.DescribeSecurityGroupsCommand, { NextToken: 'page-2' });
  });

  it('reports an instance that does not exist (InvalidInstanceID.NotFound) as not found, without an error', async () => {
    // Prepare
    t.ec2.on(t.sdk.DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toEqual({
      instanceId: INSTANCE_ID, found: false, excluded: false, unencryptedVolumes: [], openSecurityGroups: [], principalAllowed: true, remediations: [],
    });
    expect(t.ec2).not.toHaveReceivedCommand(t.sdk.DescribeVolumesCommand);
    expect(t.ec2).not.toHaveReceivedCommand(t.sdk.DescribeSecurityGroupsCommand);
  });

  it('reports an instance missing from an empty DescribeInstances answer as not found', async () => {
    // Prepare
    t.ec2.on(t.sdk.DescribeInstancesCommand).resolves({ Reservations: [] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment).toMatchObject({ found: false, remediations: [] });
  });

  it.each([
    ['DescribeInstances', 'RequestLimitExceeded'],
    ['DescribeVolumes', 'InternalError'],
    ['DescribeSecurityGroups', 'RequestLimitExceeded'],
  ] as const)('lets a transient error of %s through with its name (%s) for Retry', async (call, name) => {
    // Prepare
    stubInstance(t, running({ SecurityGroups: [{ GroupId: 'sg-0000000000000001' }] }));
    t.ec2.on(t.sdk.DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    t.ec2.on(t.sdk[`${call}Command`]).rejects(awsError(name));

    // Act / Assess
    await expect(t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE })).rejects.toMatchObject({ name });
  });
});

describe('assess-instance with policy auto and an allow-list', () => {
  let t: Loaded;
  beforeAll(async () => {
    // Prefixes, with spaces and an empty entry the handler must ignore.
    t = await loadWith({
      TRIAGE_POLICY: JSON.stringify({ 'encrypt-volumes': 'auto' }),
      ALLOWED_PRINCIPALS: `arn:aws:iam::${ACCOUNT}:role/ops- , ${ALICE},`,
    });
  });
  beforeEach(() => t.ec2.reset());
  afterAll(() => t.ec2.restore());

  it('decides to start encrypt-volumes when the policy says auto', async () => {
    // Prepare
    stubInstance(t, running(), { [ROOT_VOLUME]: false, [DATA_VOLUME]: false });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: OPS_ADMIN });

    // Assess
    expect(assessment.remediations).toEqual([{ workflow: 'encrypt-volumes', decision: 'auto', reason: '2 unencrypted EBS volume(s)', target: INSTANCE_ID }]);
  });

  it('still applies no remediation to an excluded instance', async () => {
    // Prepare
    stubInstance(t, running({ Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }));

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: OPS_ADMIN });

    // Assess
    expect(assessment).toMatchObject({ excluded: true, remediations: [] });
  });

  it.each([
    [OPS_ADMIN, true],
    [`arn:aws:iam::${ACCOUNT}:role/ops-readonly`, true],
    [ALICE, true],
    [MALLORY, false],
    [`arn:aws:iam::${ACCOUNT}:role/dev-admin`, false],
    [`arn:aws:iam::${ACCOUNT}:root`, false],
    ['ssm.amazonaws.com', false],
  ])('allows %s by ARN prefix: %s', async (principalArn, allowed) => {
    // Prepare
    stubInstance(t, running());

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn });

    // Assess
    expect(assessment.principalAllowed).toBe(allowed);
  });

  it('checks the allow-list also for an instance that is not found', async () => {
    // Prepare
    t.ec2.on(t.sdk.DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: MALLORY });

    // Assess
    expect(assessment).toMatchObject({ found: false, principalAllowed: false });
  });
});

describe('assess-instance with a policy that does not name encrypt-volumes', () => {
  it('falls back to asking for approval', async () => {
    // Prepare
    const t = await loadWith({ TRIAGE_POLICY: JSON.stringify({ 'enable-flow-logs': 'auto' }) });
    stubInstance(t, running());

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.remediations).toEqual([{ workflow: 'encrypt-volumes', decision: 'approval', reason: '1 unencrypted EBS volume(s)', target: INSTANCE_ID }]);
    t.ec2.restore();
  });
});

describe('assess-instance and the VPC flow logs', () => {
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith({});
  });
  beforeEach(() => t.ec2.reset());
  afterAll(() => t.ec2.restore());

  it('proposes enable-flow-logs for a VPC without an active flow log, started without approval by default', async () => {
    // Prepare
    stubInstance(t, running({ VpcId: 'vpc-0123456789abcdef0' }), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', FlowLogStatus: 'FAILED' }] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.remediations).toEqual([
      { workflow: 'enable-flow-logs', decision: 'auto', reason: 'VPC vpc-0123456789abcdef0 has no active flow log', target: 'vpc-0123456789abcdef0' },
    ]);
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: ['vpc-0123456789abcdef0'] }] });
  });

  it('reads every page of flow logs: the active one on a later page counts', async () => {
    // Prepare: a filtered call's first page is empty and carries a NextToken, as EC2 may answer.
    stubInstance(t, running({ VpcId: 'vpc-0123456789abcdef0' }), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolvesOnce({ FlowLogs: [], NextToken: 'page-2' })
      .resolvesOnce({ FlowLogs: [{ FlowLogId: 'fl-1', FlowLogStatus: 'ACTIVE' }] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.remediations).toEqual([]);
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: ['vpc-0123456789abcdef0'] }], NextToken: 'page-2' });
  });

  it('proposes nothing for a VPC whose flow log is active', async () => {
    // Prepare
    stubInstance(t, running({ VpcId: 'vpc-0123456789abcdef0' }), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', FlowLogStatus: 'ACTIVE' }] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });

    // Assess
    expect(assessment.remediations).toEqual([]);
  });
});

describe('assess-instance and investigate-traffic', () => {
  const SUBNET = 'subnet-0123456789abcdef0';
  const ENI = 'eni-0123456789abcdef0';
  const VPC = 'vpc-0123456789abcdef0';
  const started = () => running({ VpcId: VPC, SubnetId: SUBNET, NetworkInterfaces: [{ NetworkInterfaceId: ENI }] });

  it('proposes investigate-traffic with the policy\'s decision for a principal not on the allow-list, once a flow log records the instance', async () => {
    // Prepare
    const t = await loadWith({ ALLOWED_PRINCIPALS: OPS_ADMIN, TRIAGE_POLICY: JSON.stringify({ 'investigate-traffic': 'auto' }) });
    stubInstance(t, started(), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', FlowLogStatus: 'ACTIVE', ResourceId: SUBNET }] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: MALLORY });

    // Assess
    expect(assessment.remediations).toEqual([
      { workflow: 'investigate-traffic', decision: 'auto', reason: `started by ${MALLORY}, who is not on the allow-list`, target: INSTANCE_ID },
    ]);
    expect(t.ec2).toHaveReceivedCommandWith(t.sdk.DescribeFlowLogsCommand, { Filter: [{ Name: 'resource-id', Values: [VPC, SUBNET, ENI] }] });
    t.ec2.restore();
  });

  it('only reports it (enable-flow-logs first) when no flow log records the instance, whatever the policy', async () => {
    // Prepare
    const t = await loadWith({ ALLOWED_PRINCIPALS: OPS_ADMIN, TRIAGE_POLICY: JSON.stringify({ 'investigate-traffic': 'auto', 'enable-flow-logs': 'auto' }) });
    stubInstance(t, started(), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolves({ FlowLogs: [] });

    // Act
    const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: MALLORY });

    // Assess
    expect(assessment.remediations.map((r) => [r.workflow, r.decision])).toEqual([['enable-flow-logs', 'auto'], ['investigate-traffic', 'report']]);
    expect(assessment.remediations[1]?.reason).toContain('enable-flow-logs first');
    t.ec2.restore();
  });

  it('defaults to report when the policy does not name it, and proposes nothing for an allowed principal', async () => {
    // Prepare
    const t = await loadWith({ ALLOWED_PRINCIPALS: OPS_ADMIN, TRIAGE_POLICY: JSON.stringify({ 'enable-flow-logs': 'auto' }) });
    stubInstance(t, started(), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeFlowLogsCommand).resolves({ FlowLogs: [{ FlowLogId: 'fl-1', FlowLogStatus: 'ACTIVE', ResourceId: VPC }] });

    // Act
    const unexpected = await t.handler({ instanceId: INSTANCE_ID, principalArn: MALLORY });
    const expected = await t.handler({ instanceId: INSTANCE_ID, principalArn: `${OPS_ADMIN}` });

    // Assess
    expect(unexpected.remediations.map((r) => [r.workflow, r.decision])).toEqual([['investigate-traffic', 'report']]);
    expect(expected.remediations).toEqual([]);
    t.ec2.restore();
  });
});

describe('assess-instance and restrict-security-groups', () => {
  const OPEN = 'sg-0000000000000open';
  const openInstance = (overrides: Partial<Instance> = {}) => running({ SecurityGroups: [{ GroupId: OPEN }], ...overrides });
  const REASON = `security group(s) open to the world: ${OPEN} (tcp/22-22, all)`;
  async function assess(policy: string | undefined, found: Instance = openInstance()) {
    const t = await loadWith(policy === undefined ? {} : { TRIAGE_POLICY: JSON.stringify({ 'restrict-security-groups': policy }) });
    stubInstance(t, found, { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
    t.ec2.on(t.sdk.DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group(OPEN, [world('tcp', 22, 22), world('-1')])] });
    try {
      return await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });
    } finally {
      t.ec2.restore();
    }
  }

  it('proposes restrict-security-groups on the instance, started under policy auto', async () => {
    // Act
    const assessment = await assess('auto');

    // Assess
    expect(assessment.remediations).toEqual([{ workflow: 'restrict-security-groups', decision: 'auto', reason: REASON, target: INSTANCE_ID }]);
  });

  it('only reports it under policy approval, and says why (the workflow has no approval gate)', async () => {
    // Act
    const assessment = await assess('approval');

    // Assess
    expect(assessment.remediations).toEqual([{
      workflow: 'restrict-security-groups', decision: 'report', target: INSTANCE_ID,
      reason: `${REASON}; policy approval is reported only (restrict-security-groups has no approval gate)`,
    }]);
  });

  it.each([['report', 'report'], ['the default', undefined]])('only reports it under %s', async (_what, policy) => {
    // Act
    const assessment = await assess(policy);

    // Assess
    expect(assessment.remediations).toEqual([{ workflow: 'restrict-security-groups', decision: 'report', reason: REASON, target: INSTANCE_ID }]);
  });

  it('proposes nothing for an excluded instance, nor for one without world-open groups', async () => {
    // Act
    const excluded = await assess('auto', openInstance({ Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }));
    const closed = await assess('auto', openInstance({ SecurityGroups: [] }));

    // Assess
    expect(excluded).toMatchObject({ excluded: true, openSecurityGroups: [{ groupId: OPEN }], remediations: [] });
    expect(closed).toMatchObject({ openSecurityGroups: [], remediations: [] });
  });
});
