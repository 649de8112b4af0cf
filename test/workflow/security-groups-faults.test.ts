import { statesEntered, tag } from './harness';
import { rulesOf, seedOpenVpc, startSecurityGroupsHarness, withoutIds, worldOpen, type SecurityGroupsHarness } from './security-groups-harness';

let h: SecurityGroupsHarness;
beforeAll(async () => {
  h = await startSecurityGroupsHarness();
});
afterAll(async () => h?.moto.stop());

type Actions = { actions: { action: string }[] };

describe('restrict and restore when AWS answers badly', () => {
  it('a revoke and an authorize that took effect but lost their answer: the retries find them done, and the group still ends as it began', async () => {
    // Prepare
    const vpc = await seedOpenVpc(h.ec2, '10.30.0.0/16');
    const before = await rulesOf(h.ec2, vpc.openGroupId);

    // Act
    const restrict = await h.restrict({ groupIds: [vpc.openGroupId], replacementCidrs: ['10.0.0.0/8'] }, {
      faults: { failAfterSuccessOnce: ['RevokeSecurityGroupIngress', 'AuthorizeSecurityGroupIngress'] },
    });
    const between = await rulesOf(h.ec2, vpc.openGroupId);
    const restore = await h.restore({ restrictExecution: restrict.name }, { faults: { failAfterSuccessOnce: ['AuthorizeSecurityGroupIngress'] } });

    // Assess
    expect([restrict.status, restore.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(restrict.faults.injected.map((f) => f.command).sort()).toEqual(['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress']);
    // The retried revoke found the rules gone (InvalidPermission.NotFound) and counted them done.
    expect((restrict.output as Actions).actions.map((a) => a.action)).toContain('rule-already-gone');
    // Each replacement exactly once (IPv4 rules only: no IPv6 CIDR given), though the first answer was lost.
    expect(between.filter((r) => tag(r.Tags, 'remediation:execution') === restrict.name).map((r) => r.FromPort).sort((a, b) => Number(a) - Number(b))).toEqual([22, 443, 3389]);
    expect(worldOpen(between).filter((r) => !r.IsEgress)).toEqual([]);
    // The retried authorize met InvalidPermission.Duplicate (the emulation answers as EC2) and counted it restored.
    expect((restore.output as Actions).actions.map((a) => a.action)).toContain('rule-already-present');
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(withoutIds(before));
  });

  it('every call throttled once: retried by the state machine, the same end state', async () => {
    const vpc = await seedOpenVpc(h.ec2, '10.31.0.0/16');
    const before = await rulesOf(h.ec2, vpc.openGroupId);

    const restrict = await h.restrict({ vpcId: vpc.vpcId, allowedPorts: [443] }, { faults: { throttleEachCallOnce: true } });
    const restore = await h.restore({ restrictExecution: restrict.name }, { faults: { throttleEachCallOnce: true } });

    expect([restrict.status, restore.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(restrict.faults.injected.map((f) => f.command)).toEqual(expect.arrayContaining(['ec2:RevokeSecurityGroupIngress', 'ec2:DescribeSecurityGroupRules', 'dynamodb:PutItem']));
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(withoutIds(before));
  });
});


type RollbackReport = {
  outcome: string; error: { Error: string }; whatToDo: string[]; recordedRolledBack: string[];
  rules: { groupId: string; savedRuleId: string; state: string }[]; actions: { action: string; resourceId: string }[];
};
const REFUSED = { errorName: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation. (injected)' };
const ROLLBACK = ['RollBack', 'FinishRollback', 'RouteRollbackOutcome'];

// The open group and the default group of one VPC: RevokeRules revokes them in two calls (one per group), and the 2nd fails.
describe('restrict-security-groups rolls itself back after a failure past its first change', () => {
  it('the 2nd revoke refused: the revoked rules come back with their descriptions and tags, the replacements go, RemediationRolledBack; restore then has nothing to do', async () => {
    // Prepare
    const vpc = await seedOpenVpc(h.ec2, '10.40.0.0/16');
    const [openBefore, defaultBefore] = [await rulesOf(h.ec2, vpc.openGroupId), await rulesOf(h.ec2, vpc.defaultGroupId)];

    // Act
    const restrict = await h.restrict({ vpcId: vpc.vpcId, includeDefaultGroup: true, replacementCidrs: ['10.0.0.0/8'] }, {
      faults: { failCalls: [{ command: 'RevokeSecurityGroupIngress', from: 2, to: 2, ...REFUSED }] },
    });
    const restore = await h.restore({ restrictExecution: restrict.name });

    // Assess
    expect({ status: restrict.status, error: restrict.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    expect(restrict.faults.injected.map((f) => f.command)).toEqual(['ec2:RevokeSecurityGroupIngress']);
    const entered = statesEntered(restrict);
    expect(entered).toEqual(expect.arrayContaining(['RevokeRules', ...ROLLBACK, 'RolledBack', 'ReleaseLockAfterFailure']));
    expect(entered.indexOf('RevokeRules')).toBeLessThan(entered.indexOf('RollBack'));
    const report = JSON.parse(restrict.cause as string) as RollbackReport;
    expect(report).toMatchObject({ outcome: 'ROLLED_BACK', error: { Error: 'UnauthorizedOperation' }, whatToDo: [] });
    expect(report.recordedRolledBack.sort()).toEqual([vpc.openGroupId, vpc.defaultGroupId].sort());
    // One group's rules were revoked and come back; the other's were never touched.
    const reauthorized = report.rules.filter((r) => r.state === 'reauthorized').map((r) => r.groupId);
    const untouched = report.rules.filter((r) => r.state === 'untouched').map((r) => r.groupId);
    expect(reauthorized.length).toBeGreaterThan(0);
    expect(untouched.length).toBeGreaterThan(0);
    expect(new Set(reauthorized).size).toBe(1);
    expect(untouched.some((g) => reauthorized.includes(g))).toBe(false);
    expect(report.actions.filter((a) => a.action === 'remove-replacement-rule').map((a) => a.resourceId).sort())
      .toEqual([...Array(3).fill(vpc.openGroupId), vpc.defaultGroupId].sort());
    // Equal to the start, apart from rule ids: descriptions, tags, and no replacement left.
    expect(withoutIds(await rulesOf(h.ec2, vpc.openGroupId))).toEqual(withoutIds(openBefore));
    expect(withoutIds(await rulesOf(h.ec2, vpc.defaultGroupId))).toEqual(withoutIds(defaultBefore));
    // The saved record says so: restore does not authorize a second time.
    expect({ status: restore.status, outcome: (restore.output as { outcome: string }).outcome }).toEqual({ status: 'SUCCEEDED', outcome: 'NO_ACTION' });
  });

  it('the rollback refused too: RollbackFailedError saying rule by rule what to put back; restore of the run finishes it', async () => {
    // Prepare: RevokeRules goes group by group in id order, so the first group's rules are the ones revoked.
    const vpc = await seedOpenVpc(h.ec2, '10.41.0.0/16');
    const [first, second] = [vpc.openGroupId, vpc.defaultGroupId].sort() as [string, string];
    const before = await rulesOf(h.ec2, first);
    const revokedIds = worldOpen(before).filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId).sort();

    // Act: the second group's revoke is refused, and so is every authorize on the first group.
    const restrict = await h.restrict({ vpcId: vpc.vpcId, includeDefaultGroup: true }, {
      faults: { failCalls: [
        { command: 'RevokeSecurityGroupIngress', from: 2, to: 2, ...REFUSED },
        { command: 'AuthorizeSecurityGroupIngress', match: { GroupId: first }, ...REFUSED },
      ] },
    });
    const between = await rulesOf(h.ec2, first);
    const restore = await h.restore({ restrictExecution: restrict.name });

    // Assess
    expect({ status: restrict.status, error: restrict.error }).toEqual({ status: 'FAILED', error: 'RollbackFailedError' });
    const report = JSON.parse(restrict.cause as string) as RollbackReport;
    expect(report.outcome).toBe('ROLLBACK_INCOMPLETE');
    const missing = report.rules.filter((r) => r.state === 'missing');
    expect(missing.map((r) => r.savedRuleId).sort()).toEqual(revokedIds);
    expect(revokedIds.length).toBeGreaterThan(0);
    expect(report.whatToDo).toHaveLength(revokedIds.length);
    expect(report.whatToDo.every((w) => w.startsWith(`authorize again in ${first}: inbound tcp`) && w.endsWith('(injected))'))).toBe(true);
    // The second group was untouched, so it is recorded rolled back; the first is not, so restore still can put it back.
    expect(report.recordedRolledBack).toEqual([second]);
    expect(worldOpen(between).filter((r) => !r.IsEgress)).toEqual([]);
    expect({ status: restore.status, outcome: (restore.output as { outcome: string }).outcome }).toEqual({ status: 'SUCCEEDED', outcome: 'REMEDIATED' });
    expect(withoutIds(await rulesOf(h.ec2, first))).toEqual(withoutIds(before));
  });
});
