import { tag } from './harness';
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
