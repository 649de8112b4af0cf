import { DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateTagsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalExecution, RunOptions } from '../../local/runner';
import type { Report } from '../../tasks/ebs/build-report';
import type { LockState } from '../../tasks/lock/lib/lock';
import { States } from '../../workflows/encrypt-volumes';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { SETTLED_AT_ONCE, mutatingCalls, planned, snapshotsOf, startHarness, statesEntered, tag, volumeAt, type Harness } from './harness';

// DESIGN.md "One at a time", end to end: the real lock handlers against the emulated table, instance and executions.
const CONFIG_BUCKET = 'remediation-config-delivery-lock-test';
let h: Harness;
let table: string;
let runWorkflow: (workflow: string, input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
const dynamodb = () => new DynamoDBClient({});

beforeAll(async () => {
  process.env.CONFIG_BUCKET_NAME = CONFIG_BUCKET;
  h = await startHarness();
  const runner = await import('../../local/runner');
  runner.localWorkflows();
  runWorkflow = runner.runWorkflow;
  table = process.env.LOCK_TABLE_NAME as string;
  expect(table).toMatch(/^Locks/);
});
afterAll(() => h.moto.stop());

const server = (name: string) => h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
const lockItems = async () => (await dynamodb().send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? [];
const lockTag = async (instanceId: string) => tag((await h.seeder.describe(instanceId)).Tags, 'remediation:lock');
const executionArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${name}`;
/** What AcquireLock handed on, as the execution's history shows it. */
const lockOf = (execution: LocalExecution) => {
  const exited = execution.events.find((e) => e.type === 'StateExited' && e.state === S.acquireLock);
  return (exited?.output as { lock?: LockState } | undefined)?.lock;
};
const volumesCreatedBy = async (name: string) =>
  (await h.seeder.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:remediation:execution', Values: [name] }] }))).Volumes ?? [];

describe('one remediation per instance at a time', () => {
  it('a second execution on a locked instance ends ResourceLockedError naming the holder, changing nothing; the holder then finishes', async () => {
    // Prepare: A asks for approval and waits for an answer we control
    const seeded = await server('contended');
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => { answer = resolve; });
    let asked!: (name: string) => void;
    const askedBy = new Promise<string>((resolve) => { asked = resolve; });
    const first = h.run({ instanceId: seeded.instanceId, approval: true }, {
      approver: async (request) => {
        asked(request.execution);
        await answered;
        return { approved: true, principal: 'arn:aws:iam::123456789012:user/alice' };
      },
    });
    const holder = await askedBy;
    expect(await lockItems()).toEqual([expect.objectContaining({ lockKey: { S: seeded.instanceId }, holder: { S: executionArn(holder) }, executionName: { S: holder } })]);
    expect(await lockTag(seeded.instanceId)).toBe(holder);

    // Act: B starts while A waits
    const second = await h.run({ instanceId: seeded.instanceId, allowStop: true });

    // Assess: B refused before any change
    expect({ status: second.status, error: second.error }).toEqual({ status: 'FAILED', error: 'ResourceLockedError' });
    expect(second.cause).toContain(`${seeded.instanceId} is being remediated by execution ${holder} (encrypt-volumes, since `);
    expect(statesEntered(second)).toEqual([S.validateInput, S.routeByMode, S.acquireLock]);
    // its only mutating call is the conditional put that found the lock taken
    expect(mutatingCalls(second)).toEqual(['dynamodb:PutItem']);
    expect(await snapshotsOf(h.seeder, second.name)).toEqual([]);
    expect(await volumesCreatedBy(second.name)).toEqual([]);
    const during = await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf');
    expect({ volumeId: during.volume.VolumeId, state: during.instance.State?.Name }).toEqual({ volumeId: seeded.volumes['/dev/sdf'], state: 'running' });
    expect(await lockTag(seeded.instanceId)).toBe(holder);

    // Act: A is approved
    answer();
    const done = await first;

    // Assess: A succeeded; the lock is gone from the table and from the instance
    expect(done.name).toBe(holder);
    expect(done.status).toBe('SUCCEEDED');
    expect((done.output as Report).outcome).toBe('REMEDIATED');
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
    expect(await lockItems()).toEqual([]);
    expect(await lockTag(seeded.instanceId)).toBeUndefined();
  });

  it('a failed remediation still releases the lock, ending with its own error and cause', async () => {
    // Prepare
    const seeded = await server('rolled-back');

    // Act
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true }, { faults: { snapshotsFail: true } });

    // Assess
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    const cause = JSON.parse(execution.cause as string) as { outcome: string; error: { Error: string; Cause: string } };
    expect(cause).toMatchObject({ outcome: 'ROLLED_BACK', error: { Error: 'SnapshotFailed' } });
    expect(cause.error.Cause).toMatch(/^snapshot snap-[0-9a-f]+ failed: Snapshot failed \(injected\)$/);
    expect(statesEntered(execution).slice(-3)).toEqual([States.rolledBack, S.releaseLockAfterFailure, S.failed]);
    expect(mutatingCalls(execution).slice(-2)).toEqual(['ec2:DeleteTags', 'dynamodb:DeleteItem']);
    expect(await lockItems()).toEqual([]);
    expect(await lockTag(seeded.instanceId)).toBeUndefined();
  });

  it.each([
    ['has ended (SUCCEEDED)', 'ended'],
    ['never ran here (ExecutionDoesNotExist)', 'unknown'],
  ])('a lock left by an execution that %s is taken over', async (_case, kind) => {
    // Prepare: a lock and a tag left behind, valid for another day
    const seeded = await server(`stale-${kind}`);
    const ended = kind === 'ended' ? await h.run({ instanceId: seeded.instanceId, mode: 'plan' }) : undefined;
    const staleName = ended?.name ?? `encrypt-volumes-${seeded.instanceId}-20260101T000000Z`;
    const staleItem: Record<string, AttributeValue> = {
      lockKey: { S: seeded.instanceId }, holder: { S: executionArn(staleName) }, executionName: { S: staleName }, workflow: { S: 'encrypt-volumes' },
      acquiredAt: { S: '2026-01-01T00:00:00.000Z' }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86400) },
    };
    await dynamodb().send(new PutItemCommand({ TableName: table, Item: staleItem }));
    await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [seeded.instanceId], Tags: [{ Key: 'remediation:lock', Value: staleName }] }));

    // Act
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(lockOf(execution)).toMatchObject({ held: true, key: seeded.instanceId, holder: executionArn(execution.name), tookOverFrom: executionArn(staleName) });
    expect(await lockItems()).toEqual([]);
    expect(await lockTag(seeded.instanceId)).toBeUndefined();
  });

  it('plan mode takes no lock: no lock call, nothing in the table, no tag', async () => {
    // Prepare
    const seeded = await server('plan-only');

    // Act
    const execution = await h.run({ instanceId: seeded.instanceId, mode: 'plan' });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('PLANNED');
    // encrypt-volumes routes after the release (volume-copy's initialization follow-up); a plan goes straight to Done.
    const expected = planned(...SETTLED_AT_ONCE, States.preflight, States.initWork, States.routeByPlan, States.buildReport);
    expected.splice(expected.length - 1, 0, States.routeAfterRelease);
    expect(statesEntered(execution)).toEqual(expected);
    expect(lockOf(execution)).toBeUndefined();
    expect(mutatingCalls(execution)).toEqual([]);
    expect(execution.faults.callLog.filter((c) => c.startsWith('dynamodb:'))).toEqual([]);
    expect(await lockItems()).toEqual([]);
    expect(await lockTag(seeded.instanceId)).toBeUndefined();
  });
});

describe('account-level work', () => {
  it('enable-config locks <account>/<region>/enable-config and tags nothing', async () => {
    // Prepare
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: CONFIG_BUCKET }));

    // Act
    const execution = await runWorkflow('enable-config', {});

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(lockOf(execution)).toMatchObject({ held: true, key: '123456789012/us-east-1/enable-config' });
    expect(lockOf(execution)).not.toHaveProperty('taggedInstance');
    // The lock's calls come first and last: the put before any change, the delete after the report.
    const calls = mutatingCalls(execution);
    expect([calls[0], calls.at(-1)]).toEqual(['dynamodb:PutItem', 'dynamodb:DeleteItem']);
    expect(calls.filter((c) => c.startsWith('dynamodb:') || c.startsWith('ec2:'))).toEqual(['dynamodb:PutItem', 'dynamodb:DeleteItem']);
    expect(calls).toContain('config:PutConfigurationRecorder');
    expect(await lockItems()).toEqual([]);
  });
});
