import { CreateNetworkAclEntryCommand, DeleteNetworkAclEntryCommand } from '@aws-sdk/client-ec2';
import { locked, mutatingCalls, statesEntered, withLockCalls } from './harness';
import { blockTags, entries, startBlockHarness, type BlockHarness } from './block-source-ip-harness';

let h: BlockHarness;
beforeAll(async () => {
  h = await startBlockHarness();
});
afterAll(async () => h?.moto.stop());

const ALLOWS: [number, string, string][] = [[100, 'allow', '0.0.0.0/0'], [101, 'allow', '::/0']];
const REMOVE = ['PlanUnblock', 'InitWork', 'RouteByPlan', 'RemoveBlocks', 'VerifyUnblocked', 'StopBlockExecutions', 'BuildReport'];

describe('unblock-source-ip, the expiry and the quota against an emulated account', () => {
  it('removes a block early by its execution name, an entry already missing counting as removed; a re-run is NO_ACTION', async () => {
    // Prepare
    const n = await h.network('10.31.0.0/16');
    const block = await h.block({ cidrs: ['198.51.100.7/32', '198.51.100.8/32'] , subnetIds: n.subnetIds });
    // Someone deleted one entry by hand (moto would answer a second delete with a 500; EC2 with InvalidNetworkAclEntry.NotFound).
    await h.ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: n.naclId, RuleNumber: 2, Egress: false }));

    // Act
    const execution = await h.unblock({ blockExecution: block.name });
    const again = await h.unblock({ blockExecution: block.name });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { outcome: string; actions: { before: unknown; after: unknown }[] }).actions.map((a) => [a.before, a.after])).toEqual([
      [{ cidr: '198.51.100.7/32', ruleNumber: 1 }, { entry: 'deleted' }],
      [{ cidr: '198.51.100.8/32', ruleNumber: 2 }, { entry: 'already-missing' }],
    ]);
    expect(statesEntered(execution)).toEqual(locked(...REMOVE));
    const nacl = await h.nacl(n.naclId);
    expect(entries(nacl)).toEqual(ALLOWS);
    expect(blockTags(nacl)).toEqual({});
    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    // The block had already ended (locally its Wait is over at once): nothing to stop, no error.
    expect((execution.output as { blockExecutions: unknown }).blockExecutions).toEqual([{ blockExecution: block.name, status: 'already-ended' }]);
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
  });

  it('by CIDR and NACL removes only entries this product manages, leaving someone else\'s DENY', async () => {
    // Prepare
    const n = await h.network('10.32.0.0/16');
    await h.ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: n.naclId, RuleNumber: 50, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: '192.0.2.50/32' }));
    await h.block({ cidrs: ['192.0.2.51/32'], subnetIds: n.subnetIds });

    // Act
    const execution = await h.unblock({ cidrs: ['192.0.2.50/32', '192.0.2.51/32'], naclIds: [n.naclId] });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ outcome: 'REMEDIATED', skipped: [{ naclId: n.naclId, cidr: '192.0.2.50/32', reason: 'denied by a rule this product does not manage' }] });
    expect(entries(await h.nacl(n.naclId))).toEqual([[50, 'deny', '192.0.2.50/32'], ...ALLOWS]);
  });

  it('at the 20-entry quota it refuses with PreconditionFailedError; with evictOldest it replaces the oldest entry it manages', async () => {
    // Prepare: 18 IPv4 ingress entries of someone else's, and two blocks of ours (the first expiring sooner).
    const n = await h.network('10.33.0.0/16');
    for (let i = 0; i < 17; i++) {
      await h.ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: n.naclId, RuleNumber: 200 + i, Egress: false, RuleAction: 'allow', Protocol: '6', CidrBlock: `10.99.${i}.0/24`, PortRange: { From: 443, To: 443 } }));
    }
    const older = await h.block({ cidrs: ['203.0.113.1/32'], subnetIds: n.subnetIds, durationMinutes: 60 });
    await h.block({ cidrs: ['203.0.113.2/32'], subnetIds: n.subnetIds, durationMinutes: 120 });
    const full = entries(await h.nacl(n.naclId));

    // Act
    const refused = await h.block({ cidrs: ['203.0.113.3/32'], subnetIds: n.subnetIds });
    const evicting = await h.block({ cidrs: ['203.0.113.3/32'], subnetIds: n.subnetIds, evictOldest: true });

    // Assess
    expect(older.status).toBe('SUCCEEDED');
    expect(full.filter(([, , cidr]) => !cidr.includes(':'))).toHaveLength(20);
    expect({ status: refused.status, error: refused.error }).toEqual({ status: 'FAILED', error: 'PreconditionFailedError' });
    expect(refused.cause).toContain('quota of 20');
    expect(mutatingCalls(refused)).toEqual(withLockCalls('account'));
    expect(evicting.status).toBe('SUCCEEDED');
    expect(evicting.output).toMatchObject({ outcome: 'REMEDIATED' });
    expect((evicting.output as { actions: { action: string; before?: { cidr: string } }[] }).actions.map((a) => a.action)).toEqual(['evict-deny-entry', 'create-deny-entry']);
    const after = await h.nacl(n.naclId);
    expect(entries(after).filter(([n]) => n < 100)).toEqual([[1, 'deny', '203.0.113.3/32'], [2, 'deny', '203.0.113.2/32']]);
    expect(Object.keys(blockTags(after)).sort()).toEqual(['remediation:block:ingress:203.0.113.2/32', 'remediation:block:ingress:203.0.113.3/32']);
  });
  it('a block expires by itself: the removal its Wait starts deletes the entries and their records, verified', async () => {
    // Prepare
    const n = await h.network('10.30.0.0/16');
    // Not the file's first run: that one synthesizes the stack first, which may take longer than the block lasts.
    const expiresAt = new Date(Date.now() + 1200).toISOString();

    // Act: the Wait lasts as long as the block (the real clock), then the removal runs.
    const execution = await h.block({ cidrs: ['203.0.113.8/32', '2001:db8:1::/48'], instanceId: n.instanceId, expiresAt }, { waitMs: 1500 });

    // Assess
    expect({ status: execution.status, error: execution.error, cause: execution.cause }).toEqual({ status: 'SUCCEEDED', error: undefined, cause: undefined });
    expect(execution.output).toMatchObject({ outcome: 'REMEDIATED', expiresAt });
    const [removal] = execution.children ?? [];
    expect({ workflow: removal?.workflow, status: removal?.status, input: removal?.input }).toEqual({
      workflow: 'unblock-source-ip', status: 'SUCCEEDED',
      input: { blockExecution: execution.name, onlyExpired: true, trigger: { source: 'eventbridge', parentExecution: expect.stringContaining(execution.name) } },
    });
    expect(statesEntered(removal as never)).toEqual(locked(...REMOVE));
    expect((removal?.output as { actions: { action: string; after: unknown }[] }).actions.map((a) => [a.action, a.after]))
      .toEqual([['remove-deny-entry', { entry: 'deleted' }], ['remove-deny-entry', { entry: 'deleted' }]]);
    const nacl = await h.nacl(n.naclId);
    expect(entries(nacl)).toEqual(ALLOWS);
    expect(blockTags(nacl)).toEqual({});
  });

  it('an early unblock of some entries leaves the block waiting; of the last one, stops it, naming the unblock', async () => {
    // Prepare: a block still in its Wait (locally 60 s, unless something stops it).
    const n = await h.network('10.34.0.0/16');
    let waiting: () => void = () => undefined;
    const inWait = new Promise<void>((resolve) => { waiting = resolve; });
    const running = h.block({ cidrs: ['198.51.100.20/32', '198.51.100.21/32'], subnetIds: n.subnetIds }, {
      waitMs: 60_000, onEvent: (e) => { if (e.type === 'StateEntered' && e.state === 'WaitUntilExpiry') waiting(); },
    });
    await inWait;
    let ended = false;
    void running.then(() => { ended = true; });

    // Act
    const some = await h.unblock({ cidrs: ['198.51.100.20/32'], naclIds: [n.naclId] });
    const stillWaiting = !ended;
    const rest = await h.unblock({ cidrs: ['198.51.100.21/32'], naclIds: [n.naclId] });
    const block = await running;

    // Assess
    expect([some.status, rest.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect((some.output as { blockExecutions: unknown }).blockExecutions).toEqual([
      { blockExecution: block.name, status: 'still-waiting', remaining: [{ naclId: n.naclId, cidr: '198.51.100.21/32' }] },
    ]);
    expect(stillWaiting).toBe(true);
    expect((rest.output as { blockExecutions: unknown }).blockExecutions).toEqual([{ blockExecution: block.name, status: 'stopped' }]);
    expect({ status: block.status, error: block.error, cause: block.cause }).toEqual({
      status: 'ABORTED', error: 'UnblockedEarly',
      cause: `every entry of this block was removed early by unblock-source-ip execution ${rest.name}: nothing is left for its expiry to remove`,
    });
    // It never woke: no removal of its own was started.
    expect(statesEntered(block)).not.toContain('StartExpiry');
    expect(entries(await h.nacl(n.naclId))).toEqual(ALLOWS);
  });
});
