import { DescribeInstancesCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../../tasks/network/plan-block';
import { EXECUTION, IN_24H, NACL, SUBNET_A, SUBNET_B, allow, deny, nacl, request } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
});

const tagOf = (cidr: string, rule: number, expiresAt: string, execution = 'block-source-ip-account-20260228T000000Z') =>
  ({ [`remediation:block:ingress:${cidr}`]: `${rule} ${expiresAt} ${execution}` });

describe('plan-block', () => {
  it('numbers new DENY entries from the live NACL: the lowest free numbers below the first ALLOW, and lists what the NACL serves', async () => {
    // Prepare
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '192.0.2.1/32'), allow(5), allow(101, '::/0')], {}, [SUBNET_B, SUBNET_A])] });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', SubnetId: SUBNET_B }] }] });

    // Act
    const out = await handler({ request: request({ cidrs: ['203.0.113.7/32', '2001:db8::/64'] }), execution: EXECUTION });

    // Assess
    expect(out).toEqual({
      outcome: 'PROCEED', direction: 'ingress', expiresAt: IN_24H, naclIds: [NACL], target: NACL, served: { subnets: 2, instances: 1 },
      approvalThreshold: 10, approvalRequired: false,
      nacls: [{
        naclId: NACL, vpcId: 'vpc-0aaaaaaaaaaaaaaa1', subnets: [SUBNET_A, SUBNET_B], instances: ['i-0aaaaaaaaaaaaaaa1'],
        create: [{ cidr: '203.0.113.7/32', ruleNumber: 2 }, { cidr: '2001:db8::/64', ruleNumber: 3 }], extend: [], evict: [], unchanged: [],
      }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkAclsCommand, { Filters: [{ Name: 'association.subnet-id', Values: [SUBNET_A] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: expect.arrayContaining([{ Name: 'subnet-id', Values: [SUBNET_A, SUBNET_B] }]) });
  });

  it('refuses when no number is free below the first ALLOW (PreconditionFailedError), before any change', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '192.0.2.1/32'), allow(2)])] });

    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('no free rule number left in 1-1') });
  });

  it('the same CIDR blocked by this product is extended when the new expiry is later, left alone otherwise (NO_ACTION)', async () => {
    // Prepare
    const earlier = nacl([deny(1, '203.0.113.7/32'), allow(100)], tagOf('203.0.113.7/32', 1, '2026-03-01T18:00:00.000Z'));
    const later = nacl([deny(1, '203.0.113.7/32'), allow(100)], tagOf('203.0.113.7/32', 1, '2026-03-09T00:00:00.000Z'));
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [earlier] }).resolvesOnce({ NetworkAcls: [later] });

    // Act
    const extend = await handler({ request: request(), execution: EXECUTION });
    const keep = await handler({ request: request(), execution: EXECUTION });

    // Assess
    expect(extend).toMatchObject({ outcome: 'PROCEED', nacls: [{ create: [], extend: [{ cidr: '203.0.113.7/32', ruleNumber: 1, from: '2026-03-01T18:00:00.000Z', fromExecution: 'block-source-ip-account-20260228T000000Z' }] }] });
    expect(keep).toMatchObject({ outcome: 'NO_ACTION', naclIds: [], nacls: [{ create: [], extend: [], unchanged: [{ cidr: '203.0.113.7/32', reason: 'already blocked until 2026-03-09T00:00:00.000Z' }] }] });
  });

  it("someone else's DENY of the CIDR is left alone and not taken over (no expiry of ours on it)", async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(10, '203.0.113.7/32'), allow(100)])] });

    const out = await handler({ request: request(), execution: EXECUTION });

    expect(out).toMatchObject({ outcome: 'NO_ACTION', nacls: [{ create: [], unchanged: [{ cidr: '203.0.113.7/32', reason: expect.stringContaining('rule 10, not managed') }] }] });
  });

  it('at the quota of 20 per direction and family it refuses, naming evictOldest; with it, it evicts the oldest managed entry of that family', async () => {
    // Prepare: 18 allows + two managed IPv4 denies = 20 IPv4 ingress entries.
    const allows = Array.from({ length: 18 }, (_, i) => allow(100 + i, `10.0.${i}.0/24`));
    const tags = { ...tagOf('192.0.2.2/32', 2, '2026-03-05T00:00:00.000Z'), ...tagOf('192.0.2.1/32', 1, '2026-03-04T00:00:00.000Z') };
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '192.0.2.1/32'), deny(2, '192.0.2.2/32'), ...allows], tags)] });

    // Act
    const refused = await handler({ request: request(), execution: EXECUTION }).catch((e: Error) => e);
    const evicting = await handler({ request: request({ evictOldest: true }), execution: EXECUTION });
    const ipv6 = await handler({ request: request({ cidrs: ['2001:db8::/64'] }), execution: EXECUTION });

    // Assess
    expect(refused).toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('set evictOldest: true') });
    expect(evicting.nacls[0]).toMatchObject({ evict: [{ cidr: '192.0.2.1/32', ruleNumber: 1, expiresAt: '2026-03-04T00:00:00.000Z' }], create: [{ cidr: '203.0.113.7/32', ruleNumber: 1 }] });
    expect(ipv6.nacls[0]).toMatchObject({ evict: [], create: [{ cidr: '2001:db8::/64', ruleNumber: 3 }] });
  });

  it('refuses a NACL tagged remediation:exclude=true', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([allow(100)], { 'remediation:exclude': 'true' })] });

    await expect(handler({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError', message: `${NACL} is tagged remediation:exclude=true` });
  });

  it("finds an instance's subnets; an unknown instance or a subnet without NACL is ResourceNotFoundError", async () => {
    // Prepare
    const found = { Instances: [{ InstanceId: 'i-0bbbbbbbbbbbbbbb2', SubnetId: SUBNET_A, NetworkInterfaces: [{ SubnetId: SUBNET_B }] }] };
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters: { Values: string[] }[] }) => ({ Reservations: input.Filters[0]?.Values[0] === 'i-0bbbbbbbbbbbbbbb2' ? [found] : [] }));
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([allow(100)], {}, [SUBNET_A])] });

    // Act
    const missingSubnet = await handler({ request: request({ subnetIds: undefined, instanceId: 'i-0bbbbbbbbbbbbbbb2' }), execution: EXECUTION }).catch((e: Error) => e);
    const unknown = await handler({ request: request({ subnetIds: undefined, instanceId: 'i-0ccccccccccccccc3' }), execution: EXECUTION }).catch((e: Error) => e);

    // Assess
    expect(missingSubnet).toMatchObject({ name: 'ResourceNotFoundError', message: `no NACL found for subnet(s) ${SUBNET_B}` });
    expect(unknown).toMatchObject({ name: 'ResourceNotFoundError', message: expect.stringContaining('i-0ccccccccccccccc3') });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkAclsCommand, { Filters: [{ Name: 'association.subnet-id', Values: [SUBNET_A, SUBNET_B] }] });
  });

  it('plan mode is PLANNED; above the approval threshold the plan requires approval', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([allow(100)], {}, [SUBNET_A, SUBNET_B])] });

    const planned = await handler({ request: request({ mode: 'plan' }), execution: EXECUTION });
    const asks = await handler({ request: request({ approvalThreshold: 1, expiresAt: '2026-03-01T13:00:00Z' }), execution: EXECUTION });

    expect(planned).toMatchObject({ outcome: 'PLANNED', approvalRequired: false });
    expect(asks).toMatchObject({ outcome: 'PROCEED', approvalRequired: true, approvalThreshold: 1, expiresAt: '2026-03-01T13:00:00.000Z' });
  });

  it('counts the instances of every DescribeInstances page behind the NACL, so a large subnet cannot slip under the approval threshold', async () => {
    // Prepare: two instances, one per page
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([allow(100)], {}, [SUBNET_A])] });
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa1', SubnetId: SUBNET_A }] }], NextToken: 'page-2' })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0aaaaaaaaaaaaaaa2', SubnetId: SUBNET_A }] }] });

    // Act
    const out = await handler({ request: request({ approvalThreshold: 2 }), execution: EXECUTION });

    // Assess: 1 subnet + 2 instances is above a threshold of 2
    expect(out).toMatchObject({ served: { subnets: 1, instances: 2 }, approvalRequired: true });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
  });

  it('refuses an expiresAt that is not after the start', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([allow(100)])] });

    await expect(handler({ request: request({ expiresAt: '2026-03-01T11:00:00Z' }), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });
});
