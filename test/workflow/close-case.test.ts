import {
  CreateSnapshotCommand, CreateTagsCommand, CreateVolumeCommand, DeleteTagsCommand, DescribeSnapshotsCommand, EC2Client, RunInstancesCommand, type Tag,
} from '@aws-sdk/client-ec2';
import type { LocalExecution } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { retainUntil } from '../../tasks/lib/retention';
import { States } from '../../workflows/close-case';
import { States as ExpireStates } from '../../workflows/expire-retained';
import { locked, lockedFailure, mutatingCalls, planned, statesEntered, tag, withLockCalls } from './harness';

// GIVEN an account as isolate-instance leaves a case (the tag contract only: forensic snapshots tagged remediation:case, no
// retain-until; the instance tagged remediation:isolated), WHEN close-case and then expire-retained run through the
// synthesized definitions against moto, THEN the case closes only once released, and its snapshots go only after that.
const CASE = 'case-3c5f1a2b-1111-2222-3333-444455556666';
const AZ = 'us-east-1a';
const RETAIN_DAYS = 30; // retention.days as the test stack is synthesized (the default)
let moto: MotoServer;
let ec2: EC2Client;
let run: (workflow: string, input: Record<string, unknown>) => Promise<LocalExecution>;
const seeded: Record<string, string> = {};

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const FORENSIC = tags({ 'remediation:case': CASE, 'remediation:workflow': 'isolate-instance', 'remediation:execution': 'isolate-instance-i-x-20261201T000000Z' });
const tagsOf = async (id: string): Promise<Tag[] | undefined> =>
  (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: [id] }] }))).Snapshots?.[0]?.Tags;
type Report = { outcome: string; reason: string; closedAt?: string; actions: { action: string; resourceId: string; before?: unknown; after?: Record<string, string> }[]; held: { snapshotId: string }[] };

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  ec2 = new EC2Client({});
  const runner = await import('../../local/runner');
  runner.localStack();
  run = (workflow, input) => runner.runWorkflow(workflow, input);
  seeded.instance = (await ec2.send(new RunInstancesCommand({
    ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: AZ },
    TagSpecifications: [{ ResourceType: 'instance', Tags: tags({ 'remediation:isolated': CASE }) }],
  }))).Instances?.[0]?.InstanceId as string;
  const volume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: AZ, Size: 8 }))).VolumeId as string;
  const snapshot = async (t: Tag[]) => (await ec2.send(new CreateSnapshotCommand({ VolumeId: volume, TagSpecifications: [{ ResourceType: 'snapshot', Tags: t }] }))).SnapshotId as string;
  seeded.evidence = await snapshot(FORENSIC);
  seeded.held = await snapshot([...FORENSIC, { Key: 'remediation:hold', Value: 'true' }]);
});
afterAll(async () => moto?.stop());

describe('close-case, then expire-retained, against an emulated account', () => {
  it('refuses while an instance of the case is isolated, naming it and its release command, and changes nothing', async () => {
    const execution = await run('close-case', { caseId: CASE, reason: 'investigation done', trigger: { source: 'cli' } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toContain(`remediate start isolate-instance --input '{"instanceId":"${seeded.instance}","caseId":"${CASE}","release":true}'`);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
    expect(statesEntered(execution)).toEqual(lockedFailure(States.planClosure));
    expect(tag(await tagsOf(seeded.evidence!), 'remediation:case-closed')).toBeUndefined();

    // Meanwhile expire-retained lists the open case's snapshot as refused (it has no retain-until yet) and keeps it.
    const expiry = await run('expire-retained', { mode: 'plan', trigger: { source: 'cli' } });

    expect((expiry.output as { refused: { resourceId: string; reason: string }[] }).refused).toContainEqual(expect.objectContaining({
      resourceId: seeded.evidence, reason: `forensic snapshot of case ${CASE}: its case is not closed (no remediation:case-closed); deleted only once close-case has closed it and its retention has passed`,
    }));
  });

  it('once released: plan changes nothing; apply marks the open snapshot closed (never the held one); a re-run is NO_ACTION', async () => {
    // What isolate-instance's release does to the instance's tags.
    await ec2.send(new DeleteTagsCommand({ Resources: [seeded.instance!], Tags: [{ Key: 'remediation:isolated' }] }));

    const plan = await run('close-case', { caseId: CASE, reason: 'investigation done', mode: 'plan', trigger: { source: 'cli' } });

    expect([plan.status, (plan.output as Report).outcome]).toEqual(['SUCCEEDED', 'PLANNED']);
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(States.planClosure, States.initWork, States.routeByPlan, States.buildReport));

    const execution = await run('close-case', { caseId: CASE, reason: 'investigation done', trigger: { source: 'cli' } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const report = execution.output as Report;
    const closedAt = report.closedAt as string;
    const after = { caseClosed: closedAt, retainUntil: retainUntil(new Date(closedAt), RETAIN_DAYS) };
    expect(report).toMatchObject({ outcome: 'REMEDIATED', reason: 'investigation done', held: [{ snapshotId: seeded.held }] });
    expect(report.actions.map((a) => [a.action, a.resourceId, a.before, a.after])).toEqual([['close-case-snapshot', seeded.evidence, {}, after]]);
    const evidence = await tagsOf(seeded.evidence!);
    expect([tag(evidence, 'remediation:case-closed'), tag(evidence, 'remediation:retain-until')]).toEqual([after.caseClosed, after.retainUntil]);
    const held = await tagsOf(seeded.held!);
    expect([tag(held, 'remediation:case-closed'), tag(held, 'remediation:retain-until')]).toEqual([undefined, undefined]);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account', 'ec2:CreateTags'));
    expect(statesEntered(execution)).toEqual(locked(States.planClosure, States.initWork, States.routeByPlan, States.closeSnapshots, States.verifyClosure, States.buildReport));

    const again = await run('close-case', { caseId: CASE, reason: 'investigation done', trigger: { source: 'cli' } });

    expect([again.status, (again.output as Report).outcome]).toEqual(['SUCCEEDED', 'NO_ACTION']);
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
  });

  it('expire-retained keeps the closed case\'s snapshot until its retain-until has passed, then deletes it; the held one stays', async () => {
    const early = await run('expire-retained', { trigger: { source: 'cli' } });

    expect([early.status, (early.output as { outcome: string }).outcome]).toEqual(['SUCCEEDED', 'NO_ACTION']);
    expect((early.output as { notYetDue: { resourceId: string }[] }).notYetDue.map((n) => n.resourceId)).toEqual([seeded.evidence]);

    // The retention passes (the test moves the date back rather than wait 30 days); the held one gets a past date too.
    for (const id of [seeded.evidence!, seeded.held!]) await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: tags({ 'remediation:retain-until': '2020-01-01' }) }));
    await ec2.send(new CreateTagsCommand({ Resources: [seeded.held!], Tags: tags({ 'remediation:case-closed': '2019-12-01T00:00:00.000Z' }) }));
    const execution = await run('expire-retained', { trigger: { source: 'cli' } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const report = execution.output as { outcome: string; actions: { action: string; resourceId: string; before?: { kind: string } }[]; refused: { resourceId: string; reason: string }[] };
    expect(report.actions.map((a) => [a.action, a.resourceId, a.before?.kind])).toEqual([['delete-snapshot', seeded.evidence, 'forensic-snapshot']]);
    expect(report.refused).toEqual([expect.objectContaining({ resourceId: seeded.held, reason: 'tagged remediation:hold=true: kept until a person removes the hold' })]);
    expect(await tagsOf(seeded.evidence!)).toBeUndefined();
    expect(await tagsOf(seeded.held!)).toBeDefined();
    expect(statesEntered(execution)).toEqual(locked(ExpireStates.planExpiry, ExpireStates.initWork, ExpireStates.routeByPlan, ExpireStates.deleteExpired, ExpireStates.verifyDeleted, ExpireStates.buildReport));
  });
});
