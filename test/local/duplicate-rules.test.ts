import { DescribeSecurityGroupRulesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError } from '../../local/emulation';
import { refuseDuplicateRules } from '../../local/emulation/duplicate-rules';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({});
beforeEach(() => ec2Mock.reset());

const call = (command: string, IpPermissions: unknown[]) => ({ service: 'ec2', command, input: { GroupId: 'sg-1', IpPermissions } });
const SSH = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

describe('refuseDuplicateRules (moto adds a second identical rule; EC2 refuses)', () => {
  it('refuses an Authorize of a rule the group has in that direction with InvalidPermission.Duplicate', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [
      { GroupId: 'sg-1', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', Description: 'another description' },
    ] });

    await expect(refuseDuplicateRules(ec2, call('AuthorizeSecurityGroupIngress', [SSH]), awsError)).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
  });

  it('lets through a new rule, the same rule in the other direction, and calls that authorize nothing', async () => {
    ec2Mock.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [
      { GroupId: 'sg-1', IsEgress: false, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0' },
    ] });

    await expect(refuseDuplicateRules(ec2, call('AuthorizeSecurityGroupIngress', [{ ...SSH, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }]), awsError)).resolves.toBeUndefined();
    await expect(refuseDuplicateRules(ec2, call('AuthorizeSecurityGroupEgress', [SSH]), awsError)).resolves.toBeUndefined();
    await expect(refuseDuplicateRules(ec2, call('RevokeSecurityGroupIngress', [SSH]), awsError)).resolves.toBeUndefined();
    expect(ec2Mock.commandCalls(DescribeSecurityGroupRulesCommand)).toHaveLength(2);
  });
});
