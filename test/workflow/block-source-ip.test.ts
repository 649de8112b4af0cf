import { locked, lockedFailure, mutatingCalls, planned, statesEntered, withLockCalls } from './harness';
import { blockTags, entries, startBlockHarness, type BlockHarness } from './block-source-ip-harness';

let h: BlockHarness;
beforeAll(async () => {
  h = await startBlockHarness();
});
afterAll(async () => h?.moto.stop());

const ALLOWS: [number, string, string][] = [[100, 'allow', '0.0.0.0/0'], [101, 'allow', '::/0']];
const APPLY = ['PlanBlock', 'InitWork', 'RouteByPlan', 'ApplyBlocks', 'VerifyBlocks', 'BuildReport'];
const EXPIRY = ['RouteByExpiry', 'WaitUntilExpiry', 'StartExpiry'];
/** A block that changed something: the lock's states, then its expiry (the Wait, after the lock is released). */
const blockPath = (...body: string[]) => [...locked(...body).slice(0, -1), ...EXPIRY, 'Done'];
type Report = { outcome: string; expiresAt: string; startedAt: string; served: unknown; nacls: { naclId: string; subnets: string[]; instances: string[] }[]; actions: { action: string; resourceId: string; before?: unknown; after?: unknown }[] };

describe('block-source-ip against an emulated account', () => {
  it('denies an IPv4 and an IPv6 CIDR below the first ALLOW, records each expiry on the NACL and lists every subnet and instance it serves', async () => {
    // Prepare
    const n = await h.network('10.20.0.0/16', 2);

    // Act
    const execution = await h.block({ cidrs: ['203.0.113.7/32', '2001:db8::/64'], subnetIds: [n.subnetIds[0]], durationMinutes: 60 });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const nacl = await h.nacl(n.naclId);
    expect(entries(nacl)).toEqual([[1, 'deny', '203.0.113.7/32'], [2, 'deny', '2001:db8::/64'], ...ALLOWS]);
    expect(entries(nacl, true)).toEqual(ALLOWS);
    const report = execution.output as Report;
    // Exactly an hour after the start the execution saw ($$.Execution.StartTime, the report's startedAt): the local
    // runner's own startDate is taken earlier, and on a loaded machine seconds earlier.
    expect(report.expiresAt).toBe(new Date(Date.parse(report.startedAt) + 3_600_000).toISOString());
    expect(Math.abs(Date.parse(report.startedAt) - Date.parse(execution.startDate))).toBeLessThan(60_000);
    expect(blockTags(nacl)).toEqual({
      'remediation:block:ingress:203.0.113.7/32': `1 ${report.expiresAt} ${execution.name}`,
      'remediation:block:ingress:2001:db8::/64': `2 ${report.expiresAt} ${execution.name}`,
    });
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.served).toEqual({ subnets: 2, instances: 1 });
    expect(report.nacls).toMatchObject([{ naclId: n.naclId, subnets: [...n.subnetIds].sort(), instances: [n.instanceId] }]);
    expect(report.actions.map((a) => [a.action, a.resourceId, a.after])).toEqual([
      ['create-deny-entry', n.naclId, { cidr: '203.0.113.7/32', ruleNumber: 1, direction: 'ingress', expiresAt: report.expiresAt }],
      ['create-deny-entry', n.naclId, { cidr: '2001:db8::/64', ruleNumber: 2, direction: 'ingress', expiresAt: report.expiresAt }],
    ]);
    expect(statesEntered(execution)).toEqual(blockPath(...APPLY));
    // Locally the Wait lasts no time: the removal it starts finds nothing expired yet and changes nothing.
    expect(execution.children?.map((c) => [c.workflow, c.status, (c.output as Report).outcome])).toEqual([['unblock-source-ip', 'SUCCEEDED', 'NO_ACTION']]);
    // The lock is released before the Wait; the removal it starts takes the lock again (its calls pass through this run's log).
    expect(mutatingCalls(execution)).toEqual([
      ...withLockCalls('account', 'ec2:CreateTags', 'ec2:CreateNetworkAclEntry', 'ec2:CreateNetworkAclEntry'), 'sfn:StartExecution', ...withLockCalls('account'),
    ]);
  });

  it('a re-run only moves the expiry later (NO_ACTION with the extensions), and with the same expiry changes nothing', async () => {
    // Prepare
    const n = await h.network('10.21.0.0/16');
    const first = await h.block({ cidrs: ['198.51.100.0/24'], subnetIds: n.subnetIds, durationMinutes: 60 });
    const before = await h.nacl(n.naclId);

    // Act
    const again = await h.block({ cidrs: ['198.51.100.0/24'], subnetIds: n.subnetIds, durationMinutes: 600 });
    const later = (again.output as Report).expiresAt;
    const same = await h.block({ cidrs: ['198.51.100.0/24'], subnetIds: n.subnetIds, expiresAt: later });

    // Assess
    expect(first.status).toBe('SUCCEEDED');
    const after = await h.nacl(n.naclId);
    expect(entries(after)).toEqual(entries(before));
    expect(entries(after)).toEqual([[1, 'deny', '198.51.100.0/24'], ...ALLOWS]);
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', actions: [{ action: 'extend-expiry', resourceId: n.naclId, before: { expiresAt: (first.output as Report).expiresAt }, after: { expiresAt: later } }] });
    expect(blockTags(after)).toEqual({ 'remediation:block:ingress:198.51.100.0/24': `1 ${later} ${again.name}` });
    expect(mutatingCalls(again)).toEqual([...withLockCalls('account', 'ec2:CreateTags'), 'sfn:StartExecution', ...withLockCalls('account')]);
    expect(same.output).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(statesEntered(same)).toEqual(locked('PlanBlock', 'InitWork', 'RouteByPlan', 'BuildReport').slice(0, -1).concat('RouteByExpiry', 'Done'));
    expect(mutatingCalls(same)).toEqual(withLockCalls('account'));
  });

  it('plan mode reports what apply would do and makes no mutating call', async () => {
    // Prepare
    const n = await h.network('10.22.0.0/16');

    // Act
    const execution = await h.block({ cidrs: ['192.0.2.1/32'], instanceId: n.instanceId, direction: 'egress', mode: 'plan' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ outcome: 'PLANNED', direction: 'egress', nacls: [{ naclId: n.naclId, create: [{ cidr: '192.0.2.1/32', ruleNumber: 1 }] }], actions: [] });
    expect(mutatingCalls(execution)).toEqual([]);
    expect(entries(await h.nacl(n.naclId), true)).toEqual(ALLOWS);
    expect(statesEntered(execution)).toEqual(planned('PlanBlock', 'InitWork', 'RouteByPlan', 'BuildReport').slice(0, -1).concat('RouteByExpiry', 'Done'));
  });

  it('above the approval threshold it waits for a person: no answer is ApprovalRejected, nothing changed', async () => {
    // Prepare
    const n = await h.network('10.23.0.0/16', 2);

    // Act
    const execution = await h.block({ cidrs: ['192.0.2.9/32'], subnetIds: n.subnetIds, approvalThreshold: 2 });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(statesEntered(execution)).toContain('RequestApproval');
    expect(statesEntered(execution)).not.toContain('ApplyBlocks');
    expect(entries(await h.nacl(n.naclId))).toEqual(ALLOWS);
    expect(blockTags(await h.nacl(n.naclId))).toEqual({});
  });

  it('a failure after the first entry: the entry and its record are removed, the execution FAILED RemediationRolledBack', async () => {
    // Prepare
    const n = await h.network('10.24.0.0/16');
    const failCall = { command: 'CreateNetworkAclEntry', nth: 2, errorName: 'UnauthorizedOperation', message: 'not allowed (injected)' };

    // Act
    const execution = await h.block({ cidrs: ['192.0.2.20/32', '192.0.2.21/32'], subnetIds: n.subnetIds }, { faults: { failCall } });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    expect(execution.cause).toContain('UnauthorizedOperation');
    expect(execution.cause).toContain(`removed ${n.naclId} 192.0.2.20/32, ${n.naclId} 192.0.2.21/32`);
    expect(entries(await h.nacl(n.naclId))).toEqual(ALLOWS);
    expect(blockTags(await h.nacl(n.naclId))).toEqual({});
    expect(statesEntered(execution)).toEqual(lockedFailure('PlanBlock', 'InitWork', 'RouteByPlan', 'ApplyBlocks', 'UndoBlocks', 'BlockRolledBack'));
  });

  it('refuses a malformed CIDR with InvalidInputError naming the field, before anything is read', async () => {
    // Act
    const execution = await h.block({ cidrs: ['10.0.0.300/32'], subnetIds: ['subnet-0123456789abcdef0'] });

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidInputError');
    expect(execution.cause).toContain('cidrs.0');
    expect(execution.faults.callLog).toEqual([]);
  });
});
