import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  AuthorizeSecurityGroupEgressCommand, AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EGRESS, EXECUTION, GROUP, HTTPS, REPLACEMENT, SSH, SSH6, TABLE, TRIGGER, VPC, restorePlan, rule } from './fixtures';
import { awsError } from '../fixtures';
import { handler as validate } from '../../../tasks/security-groups/validate-restore-input';
import { handler as plan } from '../../../tasks/security-groups/plan-restore';
import { handler as authorize } from '../../../tasks/security-groups/authorize-rules';
import { handler as removeReplacements } from '../../../tasks/security-groups/remove-replacements';
import { handler as verify } from '../../../tasks/security-groups/verify-restored';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  ec2.reset();
  dynamodb.reset();
});

const RESTORE_EXECUTION = { name: 'restore-security-groups-x-20261201T130000Z', startTime: '2026-12-01T13:00:00.000Z' };
const item = (groupId: string, rules: unknown[]) => ({
  restrictExecution: { S: EXECUTION.name }, groupId: { S: groupId }, groupName: { S: 'web' }, vpcId: { S: VPC },
  rules: { S: JSON.stringify(rules) }, replacementCidrs: { S: '["10.0.0.0/8"]' }, savedAt: { S: EXECUTION.startTime },
});
const request = { restrictExecution: EXECUTION.name, mode: 'apply' as const, trigger: TRIGGER };

describe('validate-restore-input', () => {
  it("the restrict run's VPC is the lock's target, read from the case table (paginated)", async () => {
    dynamodb.on(QueryCommand).resolvesOnce({ Items: [item(GROUP, [SSH])], LastEvaluatedKey: { restrictExecution: { S: EXECUTION.name }, groupId: { S: GROUP } } })
      .resolves({ Items: [] });

    const out = await validate({ input: { restrictExecution: EXECUTION.name }, execution: RESTORE_EXECUTION });

    expect(out.target).toBe(VPC);
    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, { TableName: TABLE, ConsistentRead: true, ExpressionAttributeValues: { ':e': { S: EXECUTION.name } } });
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 2);
  });

  it('nothing saved: ResourceNotFoundError; a name of another workflow: InvalidInputError, before any read', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    await expect(validate({ input: { restrictExecution: EXECUTION.name }, execution: RESTORE_EXECUTION })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    await expect(validate({ input: { restrictExecution: 'encrypt-volumes-i-1-20261201T000000Z' }, execution: RESTORE_EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 1);
  });
});

describe('plan-restore', () => {
  it('plans the saved rules not there now and the replacements of the run; a saved rule already there is present', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [item(GROUP, [SSH, SSH6])] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, VpcId: VPC }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...SSH6, SecurityGroupRuleId: 'sgr-new6' }, REPLACEMENT, HTTPS] });

    const out = await plan({ request, execution: RESTORE_EXECUTION, vpcId: VPC });

    expect(out).toMatchObject({ outcome: 'PROCEED', toChange: [GROUP] });
    expect(out.groups[0]).toMatchObject({ action: 'restore', toAuthorize: [SSH], present: [{ savedRuleId: SSH6.SecurityGroupRuleId, ruleId: 'sgr-new6' }], toRemove: [REPLACEMENT] });
  });

  it('everything in place: NO_ACTION; a group deleted since is skipped; plan mode PLANNED', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [item(GROUP, [SSH]), item('sg-0fedcba9876543210', [SSH])] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, VpcId: VPC }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-new' }] }).resolves({ SecurityGroupRules: [] });

    const none = await plan({ request, execution: RESTORE_EXECUTION, vpcId: VPC });
    const planned = await plan({ request: { ...request, mode: 'plan' }, execution: RESTORE_EXECUTION, vpcId: VPC });

    expect(none.outcome).toBe('NO_ACTION');
    expect(none.groups.map((g) => g.action)).toEqual(['none', 'skipped']);
    expect(planned.outcome).toBe('PLANNED');
  });
});

describe('authorize-rules', () => {
  it('puts each saved rule back in its own call, with its description and tags, and records the new id', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-new' }] });
    ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({ SecurityGroupRules: [{ ...EGRESS, SecurityGroupRuleId: 'sgr-newegress' }] });

    const out = await authorize({ plan: { groups: [restorePlan({ toAuthorize: [SSH, EGRESS] })] } });

    expect(out).toEqual([
      { groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, ruleId: 'sgr-new', status: 'authorized' },
      { groupId: GROUP, savedRuleId: EGRESS.SecurityGroupRuleId, ruleId: 'sgr-newegress', status: 'authorized' },
    ]);
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({
      GroupId: GROUP, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'owner', Value: 'team-a' }] }],
    });
    expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand)[0]?.args[0].input).toEqual({ GroupId: GROUP, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
  });

  it('a rule already there (InvalidPermission.Duplicate) counts as restored, with the id it has; anything else is thrown', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejectsOnce(awsError('InvalidPermission.Duplicate')).rejects(awsError('RequestLimitExceeded'));
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-there' }] });

    expect(await authorize({ plan: { groups: [restorePlan({ toAuthorize: [SSH] })] } })).toEqual([
      { groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, ruleId: 'sgr-there', status: 'already-present' },
    ]);
    await expect(authorize({ plan: { groups: [restorePlan({ toAuthorize: [SSH] })] } })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('remove-replacements', () => {
  it('revokes the replacement rules by id; already gone counts as done', async () => {
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(awsError('InvalidPermission.NotFound'));

    const out = await removeReplacements({ plan: { groups: [restorePlan({ toRemove: [REPLACEMENT] })] } });

    expect(out).toEqual([{ groupId: GROUP, ruleId: REPLACEMENT.SecurityGroupRuleId, isEgress: false, status: 'already-gone' }]);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP, SecurityGroupRuleIds: [REPLACEMENT.SecurityGroupRuleId] });
  });
});

describe('verify-restored', () => {
  const verifyPlan = { restrictExecution: EXECUTION.name, groups: [restorePlan({ toAuthorize: [SSH] })] };
  it('passes when each saved rule is back with its description and tags and no replacement remains', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-new' }] });

    expect((await verify({ plan: verifyPlan })).ruleIds).toEqual({ [SSH.SecurityGroupRuleId]: 'sgr-new' });
  });

  it.each([
    ['missing', [], /is not back/],
    ['back with another description', [rule({ SecurityGroupRuleId: 'sgr-new', Description: 'changed' })], /with another description or tags/],
    ['a replacement left', [{ ...SSH, SecurityGroupRuleId: 'sgr-new' }, REPLACEMENT], /replacement rules remain/],
  ])('fails VerificationFailedError when a rule is %s', async (_what, rules, message) => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: rules });

    await expect(verify({ plan: verifyPlan })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringMatching(message) });
  });
});
