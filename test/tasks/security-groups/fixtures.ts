import type { SavedRule } from '../../../tasks/security-groups/lib/rules';
import type { GroupPlan } from '../../../tasks/security-groups/plan-restrict';
import type { GroupRestorePlan } from '../../../tasks/security-groups/plan-restore';

// What the stack gives the case-table functions; imported first so handlers read it at load, as in Lambda.
export const TABLE = 'sg-cases';
process.env.SG_CASE_TABLE_NAME = TABLE;

export const VPC = 'vpc-0123456789abcdef0';
export const GROUP = 'sg-0123456789abcdef0';
export const OTHER_GROUP = 'sg-0fedcba9876543210';
export const EXECUTION = { name: 'restrict-security-groups-vpc-0123456789abcdef0-20261201T120000Z', startTime: '2026-12-01T12:00:00.000Z' };
export const TRIGGER = { source: 'console' as const };

export const rule = (overrides: Partial<SavedRule> = {}): SavedRule => ({
  SecurityGroupRuleId: 'sgr-0000000000000ssh', GroupId: GROUP, GroupOwnerId: '111122223333', IsEgress: false,
  IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', Description: 'ssh', Tags: [{ Key: 'owner', Value: 'team-a' }],
  ...overrides,
});
export const SSH = rule();
export const SSH6 = rule({ SecurityGroupRuleId: 'sgr-00000000000ssh6', CidrIpv4: undefined, CidrIpv6: '::/0', Description: undefined, Tags: [] });
export const HTTPS = rule({ SecurityGroupRuleId: 'sgr-0000000000https', FromPort: 443, ToPort: 443, Description: undefined, Tags: [] });
export const FROM_GROUP = rule({
  SecurityGroupRuleId: 'sgr-000000000000grp', IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: undefined, Description: undefined,
  ReferencedGroupInfo: { GroupId: OTHER_GROUP, UserId: '111122223333' }, Tags: [],
});
export const FROM_PREFIX_LIST = rule({ SecurityGroupRuleId: 'sgr-00000000000plst', FromPort: 5432, ToPort: 5432, CidrIpv4: undefined, PrefixListId: 'pl-0123456789abcdef0', Tags: [] });
export const EGRESS = rule({ SecurityGroupRuleId: 'sgr-000000000egress', IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, Description: undefined, Tags: [] });

export const groupPlan = (overrides: Partial<GroupPlan> = {}): GroupPlan => ({
  groupId: GROUP, groupName: 'web', isDefault: false, action: 'restrict', reason: '2 world-open rule(s) to revoke', revoke: [SSH, SSH6], kept: [], usedBy: [],
  ...overrides,
});
export const restorePlan = (overrides: Partial<GroupRestorePlan> = {}): GroupRestorePlan => ({
  groupId: GROUP, groupName: 'web', action: 'restore', reason: '', toAuthorize: [SSH, SSH6], present: [], toRemove: [],
  ...overrides,
});
export const REPLACEMENT = rule({
  SecurityGroupRuleId: 'sgr-0000000000repl1', CidrIpv4: '10.0.0.0/8', Description: 'remediation: replaces sgr-0000000000000ssh (open to the world)',
  Tags: [{ Key: 'remediation:workflow', Value: 'restrict-security-groups' }, { Key: 'remediation:execution', Value: EXECUTION.name }, { Key: 'remediation:replaces', Value: SSH.SecurityGroupRuleId }],
});
