import { handler as restrictReport } from '../../../tasks/security-groups/build-restrict-report';
import { handler as restoreReport } from '../../../tasks/security-groups/build-restore-report';
import { restrictSecurityGroupsInputSchema } from '../../../tasks/security-groups/lib/schema';
import { EXECUTION, GROUP, SSH, SSH6, TRIGGER, VPC, groupPlan, restorePlan } from './fixtures';

const request = restrictSecurityGroupsInputSchema.parse({ vpcId: VPC });

describe('build-restrict-report', () => {
  it('remediated: the saved rules in full, each revoke and replacement, the rules verified, and how to restore', async () => {
    const report = await restrictReport({
      request, execution: EXECUTION, plan: { outcome: 'PROCEED', vpcId: VPC, groups: [groupPlan()], toChange: [GROUP] },
      work: {
        replacements: [{ groupId: GROUP, replaces: SSH.SecurityGroupRuleId, cidr: '10.0.0.0/8', ruleId: 'sgr-repl', created: true, ours: true }],
        revoked: [{ groupId: GROUP, ruleId: SSH.SecurityGroupRuleId, isEgress: false, status: 'revoked' }, { groupId: GROUP, ruleId: SSH6.SecurityGroupRuleId, isEgress: false, status: 'already-gone' }],
        verification: { groups: [{ groupId: GROUP, rules: [] }], at: '2026-12-01T12:01:00.000Z' },
      },
    });

    expect(report).toMatchObject({ workflow: 'restrict-security-groups', target: VPC, outcome: 'REMEDIATED', restoreWith: { restrictExecution: EXECUTION.name } });
    expect(report.groups).toEqual([{ ...groupPlan(), after: [] }]);
    expect(report.actions).toEqual([
      { action: 'add-replacement-rule', resourceId: GROUP, before: { replaces: SSH.SecurityGroupRuleId }, after: { ruleId: 'sgr-repl', cidr: '10.0.0.0/8' }, at: '2026-12-01T12:01:00.000Z' },
      { action: 'revoke-rule', resourceId: GROUP, before: { rule: SSH }, after: { ruleId: SSH.SecurityGroupRuleId, status: 'revoked' }, at: '2026-12-01T12:01:00.000Z' },
      { action: 'rule-already-gone', resourceId: GROUP, before: { rule: SSH6 }, after: { ruleId: SSH6.SecurityGroupRuleId, status: 'already-gone' }, at: '2026-12-01T12:01:00.000Z' },
    ]);
  });

  it('planned: the plan, no actions, no restore hint', async () => {
    const report = await restrictReport({ request, execution: EXECUTION, plan: { outcome: 'PLANNED', vpcId: VPC, groups: [groupPlan()], toChange: [GROUP] }, work: { verification: {} } });

    expect(report).toMatchObject({ outcome: 'PLANNED', actions: [], groups: [groupPlan()] });
    expect(report.restoreWith).toBeUndefined();
  });
});

describe('build-restore-report', () => {
  it('remediated: each saved rule with the id it has now (present or put back), and the replacements removed', async () => {
    const plan = { outcome: 'PROCEED' as const, restrictExecution: EXECUTION.name, vpcId: VPC, toChange: [GROUP], groups: [restorePlan({ toAuthorize: [SSH], present: [{ savedRuleId: SSH6.SecurityGroupRuleId, ruleId: 'sgr-6now' }] })] };
    const report = await restoreReport({
      request: { restrictExecution: EXECUTION.name, mode: 'apply', trigger: TRIGGER }, execution: EXECUTION, plan,
      work: {
        restored: [{ groupId: GROUP, savedRuleId: SSH.SecurityGroupRuleId, ruleId: 'sgr-new', status: 'authorized' }],
        removed: [{ groupId: GROUP, ruleId: 'sgr-repl', isEgress: false, status: 'revoked' }],
        verification: { groups: [], ruleIds: { [SSH.SecurityGroupRuleId]: 'sgr-new' }, at: '2026-12-01T13:01:00.000Z' },
      },
    });

    expect(report).toMatchObject({ workflow: 'restore-security-groups', target: EXECUTION.name, outcome: 'REMEDIATED' });
    expect(report.ruleIds).toEqual({ [SSH.SecurityGroupRuleId]: 'sgr-new', [SSH6.SecurityGroupRuleId]: 'sgr-6now' });
    expect(report.actions.map((a) => [a.action, a.before, a.after])).toEqual([
      ['authorize-rule', { ruleId: SSH.SecurityGroupRuleId }, { ruleId: 'sgr-new' }],
      ['remove-replacement-rule', { ruleId: 'sgr-repl' }, { status: 'revoked' }],
    ]);
  });
});
