import { CreateNetworkAclEntryCommand, CreateTagsCommand, DeleteNetworkAclEntryCommand, DeleteTagsCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../../tasks/network/apply-blocks';
import type { NaclBlockPlan } from '../../../../tasks/network/lib/block-types';
import { awsError } from '../../fixtures';
import { EXECUTION, IN_24H, NACL, allow, deny, nacl, plan } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});
  ec2.on(CreateNetworkAclEntryCommand).resolves({});
  ec2.on(DeleteNetworkAclEntryCommand).resolves({});
});

const evictPlan = () => plan({
  nacls: [{
    ...(plan().nacls[0] as NaclBlockPlan), create: [{ cidr: '2001:db8::/64', ruleNumber: 1 }], extend: [{ cidr: '198.51.100.0/24', ruleNumber: 2, from: '2026-03-01T13:00:00.000Z', fromExecution: 'old' }],
    evict: [{ naclId: NACL, direction: 'ingress', cidr: '192.0.2.1/32', ruleNumber: 1, expiresAt: '2026-03-01T12:30:00.000Z', execution: 'old' }],
  }],
});

describe('apply-blocks', () => {
  it('records the expiry on the NACL first, then creates the DENY entry (IPv4 as CidrBlock)', async () => {
    // Act
    const out = await handler({ plan: plan(), execution: EXECUTION });

    // Assess
    expect(out).toMatchObject({ created: [{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1 }], extended: [], evicted: [] });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [NACL], Tags: [{ Key: 'remediation:block:ingress:203.0.113.7/32', Value: `1 ${IN_24H} ${EXECUTION.name}` }] });
    expect(ec2).toHaveReceivedCommandWith(CreateNetworkAclEntryCommand, { NetworkAclId: NACL, RuleNumber: 1, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '203.0.113.7/32' });
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['CreateTagsCommand', 'CreateNetworkAclEntryCommand']);
  });

  it('evicts first (entry and record), then tags the new and extended blocks and creates the IPv6 entry as Ipv6CidrBlock', async () => {
    // Act
    const out = await handler({ plan: evictPlan(), execution: EXECUTION });

    // Assess
    expect(out).toMatchObject({
      evicted: [{ cidr: '192.0.2.1/32', ruleNumber: 1 }], created: [{ cidr: '2001:db8::/64', ruleNumber: 1 }],
      extended: [{ cidr: '198.51.100.0/24', ruleNumber: 2, from: '2026-03-01T13:00:00.000Z', to: IN_24H }],
    });
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DeleteNetworkAclEntryCommand', 'DeleteTagsCommand', 'CreateTagsCommand', 'CreateNetworkAclEntryCommand']);
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [NACL], Tags: [{ Key: 'remediation:block:ingress:192.0.2.1/32' }] });
    expect(ec2).toHaveReceivedCommandWith(CreateNetworkAclEntryCommand, { RuleNumber: 1, Ipv6CidrBlock: '2001:db8::/64' });
  });

  it('an evicted entry already missing (InvalidNetworkAclEntry.NotFound) counts as deleted', async () => {
    ec2.on(DeleteNetworkAclEntryCommand).rejects(awsError('InvalidNetworkAclEntry.NotFound', 'gone'));

    await expect(handler({ plan: evictPlan(), execution: EXECUTION })).resolves.toMatchObject({ evicted: [{ cidr: '192.0.2.1/32' }] });
  });

  it('a retry finds its own entry at the number (NetworkAclEntryAlreadyExists) and goes on; someone else\'s there is PlanChangedError', async () => {
    // Prepare
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('NetworkAclEntryAlreadyExists', 'exists'));
    ec2.on(DescribeNetworkAclsCommand)
      .resolvesOnce({ NetworkAcls: [nacl([deny(1, '203.0.113.7/32'), allow(100)])] })
      .resolvesOnce({ NetworkAcls: [nacl([allow(1), allow(100)])] });

    // Act
    const retried = await handler({ plan: plan(), execution: EXECUTION });
    const taken = await handler({ plan: plan(), execution: EXECUTION }).catch((e: Error) => e);

    // Assess
    expect(retried.created).toEqual([{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1 }]);
    expect(taken).toMatchObject({ name: 'PlanChangedError', message: expect.stringContaining('rule 1 (ingress) was taken') });
  });

  it('passes on any other refusal (the quota, throttling) for the state machine to route or retry', async () => {
    ec2.on(CreateNetworkAclEntryCommand).rejects(awsError('NetworkAclEntryLimitExceeded', 'full'));

    await expect(handler({ plan: plan(), execution: EXECUTION })).rejects.toMatchObject({ name: 'NetworkAclEntryLimitExceeded' });
  });
});
