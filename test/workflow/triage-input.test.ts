import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { States } from '../../workflows/triage-start-instances';
import type { LocalExecution, RunOptions } from '../../local/runner';
import type { AccountSeeder } from '../../local/seed';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { statesEntered } from './harness';
import { startInstancesEvent } from './triage-harness';

let moto: MotoServer;
let seeder: AccountSeeder;
let triage: (event: unknown, options?: RunOptions) => Promise<LocalExecution>;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  const { runWorkflow } = await import('../../local/runner');
  seeder = new Seeder();
  triage = (event, options = {}) => runWorkflow('triage-start-instances', event as Record<string, unknown>, {
    executionName: `triage-${Math.random().toString(36).slice(2, 10)}`, ...options,
  });
});
afterAll(() => moto.stop());

/** `count` well-formed instance ids the emulated account does not have (each assessment finds nothing). */
const idsOf = (count: number, prefix = 'a'): string[] => Array.from({ length: count }, (_, i) => `i-${prefix}${i.toString(16).padStart(16, '0')}`);
/** A distinct CloudTrail event id per test: child triage executions are named by it. */
const eventId = (n: number) => `e0a1b2c3-0000-4000-8000-${String(n).padStart(12, '0')}`;
const assessed = (execution: LocalExecution) => statesEntered(execution).filter((s) => s === States.assessInstance).length;
/** The instances an execution assessed, from the AssessInstance states' inputs. */
const assessedIds = (execution: LocalExecution) => execution.events
  .filter((e) => e.type === 'StateEntered' && e.state === States.assessInstance)
  .map((e) => (e.input as { instanceId: string }).instanceId);
const ec2Calls = (execution: LocalExecution) => execution.faults.callLog.filter((c) => c.startsWith('ec2:'));
/** The largest state input or output, in bytes, after the first state (whose input is the event as delivered). */
function largestState(execution: LocalExecution): number {
  const sizes = execution.events
    .filter((e) => e.type !== 'ExecutionStarted')
    .flatMap((e) => (e.state === States.parseStartEvent ? [e.output] : [e.input, e.output]).filter((v) => v !== undefined))
    .map((v) => Buffer.byteLength(JSON.stringify(v)));
  expect(sizes.length).toBeGreaterThan(0);
  return Math.max(...sizes);
}

describe('triage refuses what is not its stack\'s to act on', () => {
  it('reports an event of another account and acts on nothing: no assessment, no child', async () => {
    // GIVEN an instance with an unencrypted volume, named by an event of another account
    const seeded = await seeder.createInstance({ name: 'foreign-account', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const event = startInstancesEvent('assumed-role', [seeded.instanceId, ...idsOf(119)], { eventId: eventId(1) });
    event.account = '210987654321';
    event.detail.recipientAccountId = '210987654321';

    // WHEN
    const execution = await triage(event);

    // THEN it is reported with the reason, and not one call touched an instance
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as TriageReport;
    expect(report).toMatchObject({
      outcome: 'NO_ACTION', actions: [], findings: [],
      refused: "event from account 210987654321 (this stack's is 123456789012): reported, not acted on",
      coverage: { instances: 120, assessed: 0, childTriages: [] },
    });
    expect(statesEntered(execution)).toEqual([States.parseStartEvent, States.initInstances, States.routeEvent, States.buildTriageReport, States.done]);
    expect(execution.children).toEqual([]);
    expect(execution.faults.callLog).toEqual([]);
  });

  it('reports an event of another region and acts on nothing', async () => {
    // GIVEN
    const seeded = await seeder.createInstance({ name: 'foreign-region', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    const event = startInstancesEvent('iam-user', [seeded.instanceId], { eventId: eventId(2) });
    event.region = 'eu-west-1';
    event.detail.awsRegion = 'eu-west-1';

    // WHEN
    const execution = await triage(event);

    // THEN
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as TriageReport).refused).toBe("event from region eu-west-1 (this stack's is us-east-1): reported, not acted on");
    expect(statesEntered(execution)).not.toContain(States.assessInstances);
    expect(execution.children).toEqual([]);
    expect(ec2Calls(execution)).toEqual([]);
  });

  it('fails malformed instance ids with InvalidInputError naming the value, before any child starts', async () => {
    // GIVEN 120 instances, the 101st (in the last chunk) not an EC2 id
    const ids = idsOf(120);
    ids[100] = 'i-../../etc';
    const event = startInstancesEvent('iam-user', ids, { eventId: eventId(3) });

    // WHEN
    const execution = await triage(event);

    // THEN
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidInputError');
    expect(execution.cause).toContain('"i-../../etc"');
    expect(statesEntered(execution)).toEqual([States.parseStartEvent]);
    expect(execution.children).toEqual([]);
    expect(execution.faults.callLog).toEqual([]);
  });
});

describe('triage assesses at most 50 instances per execution', () => {
  it('assesses 50 of 120 and hands the other 70 to two child triage executions, which split nothing again', async () => {
    // GIVEN
    const ids = idsOf(120);
    const event = startInstancesEvent('iam-user', ids, { eventId: eventId(4) });

    // WHEN
    const parent = await triage(event);

    // THEN the parent assessed the first 50 and started chunks 1 and 2 of triage itself
    expect(parent.status).toBe('SUCCEEDED');
    expect(assessedIds(parent)).toEqual(ids.slice(0, 50));
    // (locally each child runs to its end inside StartExecution: the shorter chunk may finish first)
    const children = [...(parent.children ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    expect(children.map((c) => [c.workflow, c.name, c.status])).toEqual([
      ['triage-start-instances', `triage-start-instances-${eventId(4)}-chunk-1`, 'SUCCEEDED'],
      ['triage-start-instances', `triage-start-instances-${eventId(4)}-chunk-2`, 'SUCCEEDED'],
    ]);
    expect(children.map(assessed)).toEqual([50, 20]);
    // every instance assessed exactly once, across the three executions
    expect([...assessedIds(parent), ...children.flatMap(assessedIds)].sort()).toEqual([...ids].sort());
    // the chunks start nothing further
    for (const child of children) {
      expect(child.children).toEqual([]);
      expect(statesEntered(child)).not.toContain(States.startChunkTriages);
      expect(child.input).toMatchObject({ triageChunk: { of: 3, parentExecution: expect.stringContaining(`:${parent.name}`) } });
    }
    expect((parent.output as TriageReport).coverage).toEqual({
      instances: 120, assessed: 50, chunk: { index: 0, of: 3 }, childTriages: children.map((c) => c.name),
      summary: '120 instance(s) in the event: 50 assessed here; the other 70 in 2 child triage execution(s) of at most 50 each',
    });
    expect((children[1]?.output as TriageReport).coverage.summary).toBe("chunk 3 of 3 of the event's instances (20 in it): 20 assessed here");
  });

  it('starts no duplicate when a start\'s answer is lost and retried, nor when the event is delivered again', async () => {
    // GIVEN the first StartExecution takes effect but its answer is lost
    const event = startInstancesEvent('iam-user', idsOf(120, 'b'), { eventId: eventId(5) });

    // WHEN
    const parent = await triage(event, { faults: { failAfterSuccessOnce: ['StartExecution'] } });

    // THEN the retry found the execution it had started (ExecutionAlreadyExists): two children, not three
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.faults.injected).toEqual([{ fault: 'answer-lost', command: 'sfn:StartExecution' }]);
    expect(parent.events.filter((e) => e.type === 'StateRetried' && e.state === States.startChunkTriages)).toHaveLength(1);
    // both chunks asked for in the first attempt and again in the retry
    expect(parent.faults.callLog.filter((c) => c === 'sfn:StartExecution')).toHaveLength(4);
    expect(parent.children?.map((c) => c.name).sort()).toEqual([1, 2].map((i) => `triage-start-instances-${eventId(5)}-chunk-${i}`));

    // AND EventBridge delivering the same event again starts no second set of chunks
    const again = await triage(event);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.children).toEqual([]);
    expect(again.faults.callLog.filter((c) => c === 'sfn:StartExecution')).toHaveLength(2);
  });

  it('keeps a 12,000-instance event\'s state far under Step Functions\' 256 KB: 50 assessed, 239 chunks started', async () => {
    // GIVEN an event naming 12,000 instances (request and response)
    const event = startInstancesEvent('iam-user', idsOf(12_000, 'c'), { eventId: eventId(6) });
    expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(256 * 1024);

    // WHEN triage runs (its children are started, as Step Functions would, and not run here)
    const parent = await triage(event, { children: 'record' });

    // THEN
    expect(parent.status).toBe('SUCCEEDED');
    expect(assessed(parent)).toBe(50);
    const started = parent.startedNotRun ?? [];
    expect(started).toHaveLength(239);
    expect(new Set(started.map((c) => c.name)).size).toBe(239);
    expect(started.every((c) => c.workflow === 'triage-start-instances')).toBe(true);
    // each child gets a chunk of at most 50
    const chunkSizes = started.map((c) => ((c.input as { detail: { requestParameters: { instancesSet: { items: unknown[] } } } }).detail.requestParameters.instancesSet.items.length));
    expect(Math.max(...chunkSizes)).toBe(50);
    expect(chunkSizes.reduce((a, b) => a + b, 0)).toBe(12_000 - 50);
    // no state after the first grows with the event: the largest is the facts and the 50 assessments
    expect(largestState(parent)).toBeLessThan(64 * 1024);
    expect((parent.output as TriageReport).coverage).toMatchObject({ instances: 12_000, assessed: 50, chunk: { index: 0, of: 240 } });
  }, 300_000);
});
