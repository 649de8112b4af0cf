import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, EC2Client, RevokeSecurityGroupEgressCommand, RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EGRESS, EXECUTION, GROUP, REPLACEMENT, SSH, SSH6, TABLE, VPC, groupPlan, rule } from './fixtures';
import { awsError } from '../fixtures';
import { handler as saveRules } from '../../../tasks/security-groups/save-rules';
import { handler as addReplacements } from '../../../tasks/security-groups/add-replacements';
import { handler as revokeRules } from '../../../tasks/security-groups/revoke-rules';
import { handler as verifyRestricted } from '../../../tasks/security-groups/verify-restricted';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  ec2.reset();
  dynamodb.reset();
});

describe('save-rules', () => {
  it('saves the full rules of each group to restrict, one item per group, and nothing for the others', async () => {
    dynamodb.on(PutItemCommand).resolves({});

    const out = await saveRules({ executionName: EXECUTION.name, plan: { vpcId: VPC, groups: [groupPlan(), groupPlan({ groupId: 'sg-0fedcba9876543210', action: 'none', revoke: [] })] }, replacementCidrs: ['10.0.0.0/8'] });

    expect(out.groups).toEqual([{ groupId: GROUP, rules: 2 }]);
    expect(dynamodb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(item?.TableName).toBe(TABLE);
    expect(item?.Item).toMatchObject({ restrictExecution: { S: EXECUTION.name }, groupId: { S: GROUP }, vpcId: { S: VPC }, replacementCidrs: { S: '["10.0.0.0/8"]' } });
    expect(JSON.parse(item?.Item?.rules?.S ?? '')).toEqual([SSH, SSH6]);
  });

  it('rethrows DynamoDB throttling', async () => {
    dynamodb.on(PutItemCommand).rejects(awsError('ProvisionedThroughputExceededException'));
    await expect(saveRules({ executionName: EXECUTION.name, plan: { vpcId: VPC, groups: [groupPlan()] }, replacementCidrs: [] })).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('add-replacements', () => {
  it('adds, per revoked rule, the same protocol and ports from each CIDR of its family, tagged with the execution and the rule it replaces', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ SecurityGroupRules: [REPLACEMENT] });

    const out = await addReplacements({ executionName: EXECUTION.name, plan: { groups: [groupPlan({ revoke: [SSH] })] }, replacementCidrs: ['10.0.0.0/8', 'fd00::/8'] });

    expect(out).toEqual([{ groupId: GROUP, replaces: SSH.SecurityGroupRuleId, cidr: '10.0.0.0/8', ruleId: REPLACEMENT.SecurityGroupRuleId, created: true, ours: true }]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({
      GroupId: GROUP,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8', Description: `remediation: replaces ${SSH.SecurityGroupRuleId} (open to the world)` }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: REPLACEMENT.Tags }],
    });
  });

  it('already there (InvalidPermission.Duplicate): ours when it carries our execution tag (a retry), not ours otherwise', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError('InvalidPermission.Duplicate'));
    ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({ SecurityGroupRules: [REPLACEMENT] }).resolves({ SecurityGroupRules: [{ ...REPLACEMENT, Tags: [] }] });
    const event = { executionName: EXECUTION.name, plan: { groups: [groupPlan({ revoke: [SSH] })] }, replacementCidrs: ['10.0.0.0/8'] };

    expect(await addReplacements(event)).toEqual([expect.objectContaining({ created: false, ours: true, ruleId: REPLACEMENT.SecurityGroupRuleId })]);
    expect(await addReplacements(event)).toEqual([expect.objectContaining({ created: false, ours: false })]);
  });

  it('no replacement CIDRs: no call', async () => {
    expect(await addReplacements({ executionName: EXECUTION.name, plan: { groups: [groupPlan()] }, replacementCidrs: [] })).toEqual([]);
    expect(ec2).not.toHaveReceivedAnyCommand();
  });
});

describe('revoke-rules', () => {
  it('revokes by SecurityGroupRuleIds, one call per group and direction', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({ Return: true });

    const out = await revokeRules({ plan: { groups: [groupPlan({ revoke: [SSH, SSH6, EGRESS] })] } });

    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP, SecurityGroupRuleIds: [SSH.SecurityGroupRuleId, SSH6.SecurityGroupRuleId] });
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, { GroupId: GROUP, SecurityGroupRuleIds: [EGRESS.SecurityGroupRuleId] });
    expect(out.map((r) => r.status)).toEqual(['revoked', 'revoked', 'revoked']);
  });

  it('a rule already gone (InvalidPermission.NotFound) counts as done: each is then revoked on its own', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejectsOnce(awsError('InvalidPermission.NotFound'))
      .resolvesOnce({ Return: true }).rejects(awsError('InvalidSecurityGroupRuleId.NotFound'));

    const out = await revokeRules({ plan: { groups: [groupPlan()] } });

    expect(out).toEqual([
      { groupId: GROUP, ruleId: SSH.SecurityGroupRuleId, isEgress: false, status: 'revoked' },
      { groupId: GROUP, ruleId: SSH6.SecurityGroupRuleId, isEgress: false, status: 'already-gone' },
    ]);
  });

  it('rethrows anything else (throttling, access denied)', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(revokeRules({ plan: { groups: [groupPlan()] } })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('verify-restricted', () => {
  const request = { allowedPorts: [443], includeEgress: false };
  it('passes when a fresh read shows no world-open rule outside allowedPorts and every replacement', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [REPLACEMENT, EGRESS, rule({ SecurityGroupRuleId: 'sgr-443', FromPort: 443, ToPort: 443 })] });
    const replacement = { groupId: GROUP, replaces: SSH.SecurityGroupRuleId, cidr: '10.0.0.0/8', ruleId: REPLACEMENT.SecurityGroupRuleId, created: true, ours: true };

    const out = await verifyRestricted({ request, plan: { groups: [groupPlan()] }, replacements: [replacement] });

    expect(out.groups).toEqual([{ groupId: GROUP, rules: [REPLACEMENT, EGRESS, expect.objectContaining({ SecurityGroupRuleId: 'sgr-443' })] }]);
  });

  it('fails VerificationFailedError when a world-open rule remains or a replacement is missing', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH6] });
    const replacement = { groupId: GROUP, replaces: SSH.SecurityGroupRuleId, cidr: '10.0.0.0/8', ruleId: 'sgr-gone', created: true, ours: true };

    await expect(verifyRestricted({ request, plan: { groups: [groupPlan()] }, replacements: [replacement] })).rejects.toMatchObject({
      name: 'VerificationFailedError', message: expect.stringMatching(/still open to the world: .*sgr-00000000000ssh6.*replacement rules missing: sgr-gone/),
    });
  });
});
