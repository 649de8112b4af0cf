import { DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EXECUTION, GROUP, HTTPS, OTHER_GROUP, REPLACEMENT, SSH, SSH6, TABLE, TRIGGER, VPC, groupPlan, restorePlan, rule } from './fixtures';
import { awsError } from '../fixtures';
import { handler as rollBack } from '../../../tasks/security-groups/roll-back-restrict';
import { handler as finishRollback, MAX_CAUSE } from '../../../tasks/security-groups/finish-rollback';
import { handler as planRestore } from '../../../tasks/security-groups/plan-restore';

const ec2 = mockClient(EC2Client);
const dynamodb = mockClient(DynamoDBClient);
beforeEach(() => {
  ec2.reset();
  dynamodb.reset();
});

const FAILURE = { Error: 'UnauthorizedOperation', Cause: 'refused' };
const plan = { vpcId: VPC, groups: [groupPlan(), groupPlan({ groupId: OTHER_GROUP, action: 'none', revoke: [] })] };
const finishEvent = { executionName: EXECUTION.name, vpcId: VPC, plan, error: FAILURE };

describe('roll-back-restrict', () => {
  it('reads the account, puts back the planned rules missing now (description, tags), removes this run\'s replacements, leaves the rest', async () => {
    // SSH was revoked (missing), SSH6 not yet (there); REPLACEMENT is ours, HTTPS is someone else's.
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH6, REPLACEMENT, HTTPS] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-back' }] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({});

    const out = await rollBack({ executionName: EXECUTION.name, plan });

    expect(out.groups).toEqual([restorePlan({
      reason: '1 rule(s) to put back, 1 replacement(s) to remove', toAuthorize: [SSH], present: [{ savedRuleId: SSH6.SecurityGroupRuleId, ruleId: SSH6.SecurityGroupRuleId }], toRemove: [REPLACEMENT],
    })]);
    expect(out.reauthorized).toEqual([{ groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, ruleId: 'sgr-back', status: 'authorized' }]);
    expect(out.removedReplacements).toEqual([{ groupId: GROUP, ruleId: REPLACEMENT.SecurityGroupRuleId, isEgress: false, status: 'revoked' }]);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupRulesCommand, { Filters: [{ Name: 'group-id', Values: [GROUP] }] });
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([{
      GroupId: GROUP, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }] }],
      TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'owner', Value: 'team-a' }] }],
    }]);
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { GroupId: GROUP, SecurityGroupRuleIds: [REPLACEMENT.SecurityGroupRuleId] });
  });

  it('nothing changed yet (paginated read): no call that changes anything; a re-run after success finds nothing to do', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolvesOnce({ SecurityGroupRules: [SSH], NextToken: 'more' }).resolves({ SecurityGroupRules: [SSH6] });

    const out = await rollBack({ executionName: EXECUTION.name, plan });

    expect(out).toEqual({ groups: [expect.objectContaining({ action: 'none', toAuthorize: [], toRemove: [] })], reauthorized: [], removedReplacements: [] });
    expect(ec2).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 2);
    expect(ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
    expect(ec2).not.toHaveReceivedCommand(RevokeSecurityGroupIngressCommand);
  });

  it('a rule or a group EC2 refuses is recorded and the next one still attempted', async () => {
    const other = { ...REPLACEMENT, GroupId: OTHER_GROUP, SecurityGroupRuleId: 'sgr-0000000000repl2' };
    const twoGroups = { groups: [groupPlan(), groupPlan({ groupId: OTHER_GROUP, revoke: [] })] };
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [REPLACEMENT, other] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejectsOnce(awsError('UnauthorizedOperation', 'no')).resolves({ SecurityGroupRules: [{ ...SSH6, SecurityGroupRuleId: 'sgr-new6' }] });
    ec2.on(RevokeSecurityGroupIngressCommand, { GroupId: GROUP }).rejects(awsError('UnauthorizedOperation', 'no'));
    ec2.on(RevokeSecurityGroupIngressCommand, { GroupId: OTHER_GROUP }).resolves({});

    const out = await rollBack({ executionName: EXECUTION.name, plan: twoGroups });

    expect(out.reauthorized).toEqual([
      { groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, status: 'failed', error: 'UnauthorizedOperation: no' },
      { groupId: GROUP, savedRuleId: SSH6.SecurityGroupRuleId, ruleId: 'sgr-new6', status: 'authorized' },
    ]);
    expect(out.removedReplacements).toEqual([
      { groupId: GROUP, ruleIds: [REPLACEMENT.SecurityGroupRuleId], status: 'failed', error: 'UnauthorizedOperation: no' },
      { groupId: OTHER_GROUP, ruleId: other.SecurityGroupRuleId, isEgress: false, status: 'revoked' },
    ]);
  });

  it.each([
    ['an authorize', AuthorizeSecurityGroupIngressCommand],
    ['a revoke', RevokeSecurityGroupIngressCommand],
  ] as const)('%s throttled is thrown, for the state\'s Retry (which reads the account again)', async (_what, command) => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH6, REPLACEMENT] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2.on(command).rejects(awsError('RequestLimitExceeded'));

    await expect(rollBack({ executionName: EXECUTION.name, plan })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('finish-rollback', () => {
  it('every saved rule back exactly, no replacement left: ROLLED_BACK, the group recorded rolled back, the report as the cause', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...SSH, SecurityGroupRuleId: 'sgr-back' }, SSH6] });
    dynamodb.on(UpdateItemCommand).resolves({});

    const out = await finishRollback({
      ...finishEvent,
      reauthorized: [{ groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, ruleId: 'sgr-back', status: 'authorized' }],
      removedReplacements: [{ groupId: GROUP, ruleId: REPLACEMENT.SecurityGroupRuleId, isEgress: false, status: 'revoked' }],
    });

    expect(out.allRestored).toBe(true);
    expect(out.report).toMatchObject({
      outcome: 'ROLLED_BACK', target: VPC, error: FAILURE, whatToDo: [], replacementsLeft: [], recordedRolledBack: [GROUP],
      rules: [
        { groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, state: 'reauthorized', ruleId: 'sgr-back' },
        { groupId: GROUP, savedRuleId: SSH6.SecurityGroupRuleId, state: 'untouched', ruleId: SSH6.SecurityGroupRuleId },
      ],
    });
    expect(out.report.actions.map((a) => [a.action, a.resourceId, a.before])).toEqual([
      ['reauthorize-rule', GROUP, { ruleId: SSH.SecurityGroupRuleId }], ['remove-replacement-rule', GROUP, { ruleId: REPLACEMENT.SecurityGroupRuleId }],
    ]);
    expect(JSON.parse(out.cause)).toEqual(out.report);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: TABLE, Key: { restrictExecution: { S: EXECUTION.name }, groupId: { S: GROUP } }, UpdateExpression: 'SET rolledBackAt = :at', ConditionExpression: 'attribute_exists(#e)',
    });
  });

  it('a rule missing, one back with other tags, a replacement left: ROLLBACK_INCOMPLETE with what a person must do, nothing recorded', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [{ ...SSH6, Tags: [{ Key: 'owner', Value: 'x' }] }, REPLACEMENT] });

    const out = await finishRollback({ ...finishEvent, reauthorized: [{ groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, status: 'failed', error: 'UnauthorizedOperation: no' }] });

    expect(out.allRestored).toBe(false);
    expect(out.report.outcome).toBe('ROLLBACK_INCOMPLETE');
    expect(out.report.whatToDo).toEqual([
      `authorize again in ${GROUP}: inbound tcp 22-22 0.0.0.0/0 "ssh" tags [{"Key":"owner","Value":"team-a"}] (the rollback's attempt failed: UnauthorizedOperation: no)`,
      `${SSH6.SecurityGroupRuleId} in ${GROUP} is back with another description or tags: set them to inbound tcp 22-22 ::/0`,
      `revoke ${REPLACEMENT.SecurityGroupRuleId} in ${GROUP} (a replacement this run added)`,
    ]);
    expect(out.report.recordedRolledBack).toEqual([]);
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('the record cannot be marked: still rolled back (the rules are back), saying not to restore; a throttled write is thrown for Retry', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [SSH, SSH6] });
    dynamodb.on(UpdateItemCommand).rejectsOnce(awsError('AccessDeniedException', 'no')).rejects(awsError('ProvisionedThroughputExceededException'));

    const out = await finishRollback(finishEvent);

    expect(out.allRestored).toBe(true);
    expect(out.report.whatToDo).toEqual([expect.stringMatching(/could not be marked rolled back \(AccessDeniedException\): do not run restore-security-groups/)]);
    await expect(finishRollback(finishEvent)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });

  it('a cause too long for Step Functions leaves out the untouched rules and the actions, never what to do', async () => {
    const many = Array.from({ length: 400 }, (_, i) => rule({ SecurityGroupRuleId: `sgr-${String(i).padStart(17, '0')}`, FromPort: 1000 + i, ToPort: 1000 + i }));
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: many.slice(1) });

    const out = await finishRollback({ ...finishEvent, plan: { groups: [groupPlan({ revoke: many })] } });

    expect(JSON.stringify(out.report).length).toBeGreaterThan(MAX_CAUSE);
    expect(out.cause.length).toBeLessThanOrEqual(MAX_CAUSE);
    expect(JSON.parse(out.cause)).toMatchObject({ shortened: true, rules: [{ state: 'missing' }], whatToDo: out.report.whatToDo, actions: [] });
  });
});

describe('plan-restore after a rollback', () => {
  it('a group its restrict run rolled back is NO_ACTION, though its rules were revoked again since', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [{
      restrictExecution: { S: EXECUTION.name }, groupId: { S: GROUP }, groupName: { S: 'web' }, vpcId: { S: VPC }, rules: { S: JSON.stringify([SSH]) },
      replacementCidrs: { S: '[]' }, savedAt: { S: EXECUTION.startTime }, rolledBackAt: { S: '2026-12-01T12:05:00.000Z' },
    }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: GROUP, VpcId: VPC }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });

    const out = await planRestore({ request: { restrictExecution: EXECUTION.name, mode: 'apply', trigger: TRIGGER }, execution: EXECUTION, vpcId: VPC });

    expect(out).toMatchObject({ outcome: 'NO_ACTION', toChange: [] });
    expect(out.groups).toEqual([{
      groupId: GROUP, groupName: 'web', action: 'none', reason: 'the restrict run rolled itself back at 2026-12-01T12:05:00.000Z: nothing of it to undo', toAuthorize: [], present: [], toRemove: [],
    }]);
  });
});
