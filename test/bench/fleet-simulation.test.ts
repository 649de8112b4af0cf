import { EC2_REFILL_PER_SECOND, extrapolate, fleetReport, mergeFigures, type FleetFigures } from '../../bench/fleet-simulation';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

// CI-sized: 4 instances × 2 volumes through the fleet workflow, 4 at a time, 30% of attempts throttled (far above the
// bench's 5%, so that throttles exhaust the SDK's attempts and the state machine's Retry must absorb them too).
// `npm run bench` prints the full fleet's saved figures (bench/fleet-figures.json) and runs 40 × 2.
let moto: MotoServer;
let figures: FleetFigures;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { AccountSeeder } = await import('../../local/seed');
  const { runFleetLocally } = await import('../../local/fleet');
  const { simulateFleet } = await import('../../bench/fleet-simulation');
  figures = await simulateFleet(new AccountSeeder(), runFleetLocally, { instances: 4, concurrency: 4, rates: { '*': 0.3 }, seed: 1 });
}, 120_000);
afterAll(() => moto.stop());

describe('fleet simulation under throttling', () => {
  it('loses no item: every child remediated, none failed to throttling', () => {
    // Assess: the fleet run succeeded and its own summary counts every child remediated
    expect(figures.fleet).toEqual({ status: ['SUCCEEDED'], counts: { total: 4, REMEDIATED: 4, NO_ACTION: 0, PLANNED: 0, FAILED: {}, PENDING: 0 } });
    expect(figures.outcomes).toEqual({ REMEDIATED: 4 });
    expect(figures.lost).toEqual([]);
    expect(figures.failedToThrottling).toBe(0);
  });

  it('leaves the account remediated: every attached volume encrypted, every instance running again', () => {
    // Assess
    expect(figures.endState).toEqual({ unencryptedAttached: 0, notRunning: 0 });
  });

  it('absorbed throttles both in the SDK\'s retries and in the state machine\'s Retry', () => {
    // Assess: some throttles exhausted the SDK's attempts (or hit a create sent once) and were retried by the state machine.
    expect(figures.throttles.throttled).toBeGreaterThan(figures.throttles.toStateMachine);
    expect(figures.throttles.toStateMachine).toBeGreaterThan(0);
    expect(figures.throttles.stateRetries).toBeGreaterThanOrEqual(figures.throttles.toStateMachine);
    expect(figures.throttles.perAction['ec2:CreateSnapshot']?.throttled ?? 0).toBeGreaterThan(0);
  });

  it('counts the calls per action and per item, and reports them', () => {
    // Assess: each item stopped, snapshotted and swapped both volumes, and started again.
    expect(figures.calls.perAction['ec2:StopInstances']).toBeGreaterThanOrEqual(4);
    expect(figures.calls.perAction['ec2:AttachVolume']).toBeGreaterThanOrEqual(8);
    // the fleet's own calls: the items manifest, the results and the summary in S3
    expect(figures.calls.perAction['s3:PutObject']).toBeGreaterThanOrEqual(3);
    expect(figures.calls.perItem).toBe(figures.calls.total / 4);
    const report = fleetReport(figures);
    expect(report).toContain('items lost: 0, failed to throttling: 0 (target 0)');
    expect(report).toContain('4 instances × 2 volumes (8 volumes) of encrypt-volumes through the fleet workflow (one fleet run)');
    expect(report).toContain('fleet: SUCCEEDED; summary counts: total 4, REMEDIATED 4, NO_ACTION 0, FAILED 0, PENDING 0');
    expect(report).toContain('extrapolated to 1,000 instances × 2 volumes');
  });

  it('extrapolates per-item figures to a fleet, and the floor EC2\'s refill rates put under it', () => {
    // Act
    const x = extrapolate(figures, 1000);

    // Assess
    const perAction = Object.entries(figures.calls.perAction);
    const mutating = perAction.filter(([a]) => a.startsWith('ec2:') && !/^ec2:(Describe|Get|List)/.test(a)).reduce((n, [, c]) => n + c, 0);
    expect(x.calls).toBe(figures.calls.total * 250);
    expect(x.ec2Mutating).toBe(mutating * 250);
    expect(x.toStateMachine).toBe(figures.throttles.toStateMachine * 250);
    expect(x.refillFloorSeconds).toBeGreaterThanOrEqual(x.ec2Mutating / EC2_REFILL_PER_SECOND.mutating);
    expect(x.refillFloorSeconds).toBeGreaterThanOrEqual(x.ec2Reads / EC2_REFILL_PER_SECOND.describe);
  });

  it('merges shards as one fleet: counts summed, wall time the longest shard\'s', () => {
    // Arrange: a second shard like the first, slower, with one item lost
    const lost = { instanceId: 'i-lost', status: 'FAILED' as const, error: 'RequestLimitExceeded', retries: 0 };
    const second: FleetFigures = { ...figures, wallSeconds: figures.wallSeconds + 10, lost: [lost], failedToThrottling: 1, outcomes: { REMEDIATED: 3, 'FAILED (RequestLimitExceeded)': 1 } };

    // Act
    const merged = mergeFigures([figures, second]);

    // Assess
    expect(merged).toMatchObject({ instances: 8, volumes: 16, concurrency: 8, shards: 2, wallSeconds: figures.wallSeconds + 10, failedToThrottling: 1, lost: [lost] });
    expect(merged.outcomes).toEqual({ REMEDIATED: 7, 'FAILED (RequestLimitExceeded)': 1 });
    expect(merged.fleet.status).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(merged.fleet.counts.REMEDIATED).toBe(8);
    expect(merged.calls).toEqual({ total: figures.calls.total * 2, perItem: figures.calls.perItem, perAction: Object.fromEntries(Object.entries(figures.calls.perAction).map(([a, n]) => [a, n * 2])) });
    expect(merged.throttles.toStateMachine).toBe(figures.throttles.toStateMachine * 2);
    expect(merged.throttles.perAction['ec2:CreateSnapshot']?.throttled).toBe((figures.throttles.perAction['ec2:CreateSnapshot']?.throttled ?? 0) * 2);
    expect(() => mergeFigures([])).toThrow('no shard to merge');
  });
});
