import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { locked, mutatingCalls as allMutating, planned, statesEntered, tag } from './harness';
import type { LocalExecution } from '../../local/runner';
import { rulesOf, seedOpenVpc, startSecurityGroupsHarness, withoutIds, worldOpen, type OpenVpc, type SecurityGroupsHarness } from './security-groups-harness';

let h: SecurityGroupsHarness;
let vpc: OpenVpc;
beforeAll(async () => {
  h = await startSecurityGroupsHarness();
  vpc = await seedOpenVpc(h.ec2, '10.20.0.0/16');
});
afterAll(async () => h?.moto.stop());

/** Calls that change something: DynamoDB Query (reading the case table) is a read. */
const mutatingCalls = (execution: LocalExecution) => allMutating(execution).filter((c) => c !== 'dynamodb:Query');

const RESTRICT = ['PlanRestrict', 'InitWork', 'RouteByPlan', 'LockResources', 'SaveRules', 'AddReplacements', 'RevokeRules', 'VerifyRestricted', 'BuildReport'];
const RESTORE = ['PlanRestore', 'InitWork', 'RouteByPlan', 'LockResources', 'AuthorizeRules', 'RemoveReplacements', 'VerifyRestored', 'BuildReport'];
const NOTHING = (plan: string) => [plan, 'InitWork', 'RouteByPlan', 'BuildReport'];

type Report = { outcome: string; groups: { groupId: string; action: string; revoke: { SecurityGroupRuleId: string }[]; usedBy: { instanceId?: string }[] }[]; restoreWith?: { restrictExecution: string } };

// One story, in order: plan, restrict, re-run, restore, re-run; each step leaves the account as the next expects.
describe('restrict-security-groups and restore-security-groups against an emulated account', () => {
  let before: Awaited<ReturnType<typeof rulesOf>>;
  let restrictExecution: string;

  it('plans by instance: lists the rules it would revoke and who uses the group, and changes nothing', async () => {
    // Prepare
    before = await rulesOf(h.ec2, vpc.openGroupId);

    // Act
    const execution = await h.restrict({ instanceId: vpc.instanceId, allowedPorts: [443], mode: 'plan' });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const report = execution.output as Report;
    expect(report.outcome).toBe('PLANNED');
    const group = report.groups.find((g) => g.groupId === vpc.openGroupId);
    expect(group?.action).toBe('restrict');
    expect(group?.usedBy.map((u) => u.instanceId)).toEqual([vpc.instanceId]);
    expect(group?.revoke.map((r) => r.SecurityGroupRuleId).sort()).toEqual(worldOpen(before).filter((r) => !r.IsEgress && r.FromPort !== 443).map((r) => r.SecurityGroupRuleId).sort());
    expect(mutatingCalls(execution)).toEqual([]);
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(withoutIds(before));
    expect(statesEntered(execution)).toEqual(planned(...NOTHING('PlanRestrict')));
  });

  it('revokes the world-open rules (IPv4 and ::/0) by id, keeps 443, the group and prefix-list rules, the default group and egress, adds the replacements', async () => {
    // Act
    const execution = await h.restrict({ vpcId: vpc.vpcId, allowedPorts: [443], replacementCidrs: ['10.0.0.0/8', 'fd00::/8'] });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    restrictExecution = execution.name;
    const after = await rulesOf(h.ec2, vpc.openGroupId);
    const kept = (r: (typeof before)[number]) => !worldOpen([r]).length || r.IsEgress || r.FromPort === 443;
    // Every rule not targeted is there exactly as it was, ids included.
    expect(after.filter((r) => before.some((b) => b.SecurityGroupRuleId === r.SecurityGroupRuleId))).toEqual(before.filter(kept));
    expect(worldOpen(after).map((r) => [r.IsEgress, r.FromPort])).toEqual(expect.arrayContaining([[false, 443], [true, -1]]));
    expect(worldOpen(after)).toHaveLength(2);
    const replacements = after.filter((r) => tag(r.Tags, 'remediation:execution') === execution.name);
    expect(replacements.map((r) => [r.FromPort, r.CidrIpv4 ?? r.CidrIpv6]).sort()).toEqual([[22, '10.0.0.0/8'], [22, 'fd00::/8'], [3389, '10.0.0.0/8']]);
    // The default group was skipped: its world-open rule is still there.
    expect(worldOpen(await rulesOf(h.ec2, vpc.defaultGroupId)).filter((r) => !r.IsEgress).map((r) => r.FromPort)).toEqual([8080]);
    const report = execution.output as Report;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', restoreWith: { restrictExecution: execution.name } });
    expect(report.groups.find((g) => g.groupId === vpc.defaultGroupId)?.action).toBe('skipped');
    // Saved in full in the stack's case table before the change.
    const saved = await new DynamoDBClient({}).send(new QueryCommand({
      TableName: process.env.SG_CASE_TABLE_NAME, KeyConditionExpression: 'restrictExecution = :e', ExpressionAttributeValues: { ':e': { S: execution.name } },
    }));
    expect(saved.Items?.map((i) => i.groupId?.S)).toEqual([vpc.openGroupId]);
    expect(JSON.parse(saved.Items?.[0]?.rules?.S ?? '[]')).toEqual(before.filter((r) => !kept(r)));
    // The lock tag was on the group while it ran, and is gone.
    const group = (await h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [vpc.openGroupId] }))).SecurityGroups?.[0];
    expect(tag(group?.Tags, 'remediation:lock')).toBeUndefined();
    expect(mutatingCalls(execution).filter((c) => c.startsWith('ec2:CreateTags'))).toHaveLength(1);
    expect(statesEntered(execution)).toEqual(locked(...RESTRICT));
  });

  it('a re-run finds nothing to revoke: NO_ACTION, no change', async () => {
    const execution = await h.restrict({ vpcId: vpc.vpcId, allowedPorts: [443], replacementCidrs: ['10.0.0.0/8'] });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(execution)).toEqual(['dynamodb:PutItem', 'dynamodb:DeleteItem']);
    expect(statesEntered(execution)).toEqual(locked(...NOTHING('PlanRestrict')));
  });

  it('restore puts back exactly the saved rules: the group ends equal to before apart from rule ids, replacements gone', async () => {
    // Act
    const execution = await h.restore({ restrictExecution });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    const after = await rulesOf(h.ec2, vpc.openGroupId);
    expect(withoutIds(after)).toEqual(withoutIds(before));
    const report = execution.output as { outcome: string; ruleIds: Record<string, string> };
    expect(report.outcome).toBe('REMEDIATED');
    // Each saved rule's new id is recorded, and names the rule that is there now.
    const revoked = before.filter((r) => worldOpen([r]).length && !r.IsEgress && r.FromPort !== 443);
    expect(Object.keys(report.ruleIds).sort()).toEqual(revoked.map((r) => r.SecurityGroupRuleId).sort());
    for (const [old, now] of Object.entries(report.ruleIds)) {
      expect(now).not.toBe(old);
      expect(withoutIds(after.filter((r) => r.SecurityGroupRuleId === now))).toEqual(withoutIds(before.filter((r) => r.SecurityGroupRuleId === old)));
    }
    expect(statesEntered(execution)).toEqual(locked(...RESTORE));
  });

  it('a restore re-run finds every rule in place: NO_ACTION, no change', async () => {
    const execution = await h.restore({ restrictExecution });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(execution)).toEqual(['dynamodb:PutItem', 'dynamodb:DeleteItem']);
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(withoutIds(before));
  });

  it('restricts the default group only when asked', async () => {
    const execution = await h.restrict({ groupIds: [vpc.defaultGroupId], includeDefaultGroup: true });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    expect(worldOpen(await rulesOf(h.ec2, vpc.defaultGroupId)).map((r) => r.IsEgress)).toEqual([true]);
  });

  it('refuses a restore of an execution that saved nothing, before any change', async () => {
    const execution = await h.restore({ restrictExecution: 'restrict-security-groups-vpc-00000000-20261201T000000Z' });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ResourceNotFoundError');
    expect(mutatingCalls(execution)).toEqual([]);
  });
});
