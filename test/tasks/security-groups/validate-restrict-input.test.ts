import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/security-groups/validate-restrict-input';
import { EXECUTION, GROUP, OTHER_GROUP, VPC } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

describe('validate-restrict-input', () => {
  it('a VPC is its own lock target, with the defaults filled in', async () => {
    const out = await handler({ input: { vpcId: VPC }, execution: EXECUTION });

    expect(out.target).toBe(VPC);
    expect(out.request).toEqual({ vpcId: VPC, allowedPorts: [], includeEgress: false, includeDefaultGroup: false, replacementCidrs: [], mode: 'apply', trigger: { source: 'console', claimed: true } });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it("groups lock their VPC; groups of two VPCs are refused", async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [{ GroupId: GROUP, VpcId: VPC }] })
      .resolves({ SecurityGroups: [{ GroupId: GROUP, VpcId: VPC }, { GroupId: OTHER_GROUP, VpcId: 'vpc-0fedcba9876543210' }] });

    expect((await handler({ input: { groupIds: [GROUP] }, execution: EXECUTION })).target).toBe(VPC);
    await expect(handler({ input: { groupIds: [GROUP, OTHER_GROUP] }, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('2 VPCs') });
  });

  it.each([
    [{}, 'give exactly one of groupIds, instanceId or vpcId'],
    [{ vpcId: VPC, groupIds: [GROUP] }, 'give exactly one'],
    [{ vpcId: VPC, replacementCidrs: ['0.0.0.0/0'] }, 'must not be open to the world'],
    [{ vpcId: VPC, replacementCidrs: ['10.0.0.0/33'] }, 'must be an IPv4 or IPv6 CIDR'],
    [{ vpcId: VPC, allowedPorts: [70000] }, 'allowedPorts'],
    [{ groupIds: ['sg-nope'] }, 'must look like sg-0123456789abcdef0'],
  ])('refuses %j before any call', async (input, message) => {
    await expect(handler({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });
});
