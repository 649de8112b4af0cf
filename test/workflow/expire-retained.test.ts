import {
  AttachVolumeCommand, CreateSnapshotCommand, CreateTagsCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client,
  RunInstancesCommand, type Tag,
} from '@aws-sdk/client-ec2';
import type { LocalExecution } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { States } from '../../workflows/expire-retained';
import { locked, mutatingCalls, planned, statesEntered, withLockCalls } from './harness';

// GIVEN an account seeded directly (as encrypt-volumes and its rollbacks leave it, one unsafe case per original),
// WHEN expire-retained runs through the synthesized definition against moto, THEN it deletes only what is safe.
let moto: MotoServer;
let ec2: EC2Client;
let run: (input: Record<string, unknown>) => Promise<LocalExecution>;
const PAST = '2020-01-01';
const AZ = 'us-east-1a';

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const ours = (t: Record<string, string> = {}) => tags({ 'remediation:workflow': 'encrypt-volumes', 'remediation:retain-until': PAST, ...t });
async function volume(encrypted: boolean, t: Tag[] = []): Promise<string> {
  const out = await ec2.send(new CreateVolumeCommand({
    AvailabilityZone: AZ, Size: 8, Encrypted: encrypted, ...(t.length ? { TagSpecifications: [{ ResourceType: 'volume', Tags: t }] } : {}),
  }));
  return out.VolumeId as string;
}
async function attach(volumeId: string, instanceId: string, device: string): Promise<void> {
  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: device }));
}
async function snapshot(volumeId: string, t: Tag[]): Promise<string> {
  return (await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: 'snapshot', Tags: t }] }))).SnapshotId as string;
}
const exists = async (id: string): Promise<boolean> => (id.startsWith('vol-')
  ? ((await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: [id] }] }))).Volumes ?? []).length > 0
  : ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: [id] }] }))).Snapshots ?? []).length > 0);

type Report = {
  outcome: string; target: string; actions: { action: string; resourceId: string; before?: { kind: string; description: { Tags?: Tag[] } }; after?: unknown }[];
  wouldDelete?: { resourceId: string }[]; refused: { resourceId: string; reason: string }[];
};
const ids = (items: { resourceId: string }[] | undefined) => (items ?? []).map((i) => i.resourceId).sort();

const seeded: Record<string, string> = {};
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  ec2 = new EC2Client({});
  ({ runWorkflow: run } = await import('../../local/runner').then((m) => ({ runWorkflow: (input: Record<string, unknown>) => m.runWorkflow('expire-retained', input) })));
  const instanceId = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: AZ } }))).Instances?.[0]?.InstanceId as string;
  const replaced = async (device: string, replacement: string, t: Record<string, string> = {}) =>
    volume(false, ours({ 'remediation:replaced-by': replacement, 'remediation:replaced-on': `${instanceId}:${device}`, ...t }));

  // Safe: detached original, its encrypted replacement in use where it went, encrypted kept copy (no retain-until of its own).
  const r1 = await volume(true);
  await attach(r1, instanceId, '/dev/sdf');
  seeded.original = await replaced('/dev/sdf', r1);
  seeded.keptCopy = await snapshot(r1, tags({ 'remediation:workflow': 'encrypt-volumes', 'remediation:source-volume': seeded.original }));
  // Unsafe: attached again (someone put it back), replacement gone, replacement unencrypted, on hold.
  const r2 = await volume(true);
  seeded.attached = await replaced('/dev/sdg', r2);
  await attach(seeded.attached, instanceId, '/dev/sdg');
  seeded.replacementMissing = await replaced('/dev/sdh', 'vol-0123456789abcdef0');
  const r4 = await volume(false);
  await attach(r4, instanceId, '/dev/sdi');
  seeded.replacementUnencrypted = await replaced('/dev/sdi', r4);
  const r5 = await volume(true);
  await attach(r5, instanceId, '/dev/sdj');
  seeded.onHold = await replaced('/dev/sdj', r5, { 'remediation:hold': 'true' });
  for (const [original, replacement] of [[seeded.attached, r2], [seeded.replacementMissing, r1], [seeded.replacementUnencrypted, r4], [seeded.onHold, r5]] as const) {
    await snapshot(replacement, tags({ 'remediation:workflow': 'encrypt-volumes', 'remediation:source-volume': original }));
  }
  // After a rollback: the original is back in use; the new volume and encrypted snapshot kept go (the original holds the data).
  const live = await volume(false);
  await attach(live, instanceId, '/dev/sdk');
  seeded.rolledBackVolume = await volume(true, ours({ 'remediation:rolled-back': 'true', 'remediation:source-volume': live }));
  seeded.rolledBackSnapshot = await snapshot(seeded.rolledBackVolume, ours({ 'remediation:rolled-back': 'true', 'remediation:source-volume': live }));
  // The last encrypted copy of a volume that no longer exists, and a forensic snapshot: refused.
  seeded.lastCopy = await snapshot(r5, ours({ 'remediation:rolled-back': 'true', 'remediation:source-volume': 'vol-0fedcba9876543210' }));
  seeded.forensic = await snapshot(r5, ours({ 'remediation:case': 'case-42', 'remediation:source-volume': r5 }));
  await ec2.send(new CreateTagsCommand({ Resources: [seeded.forensic], Tags: tags({ 'remediation:workflow': 'isolate-instance' }) }));
});
afterAll(async () => moto?.stop());

const SAFE = () => [seeded.original!, seeded.rolledBackSnapshot!, seeded.rolledBackVolume!].sort();
const REFUSED = () => [seeded.attached, seeded.replacementMissing, seeded.replacementUnencrypted, seeded.onHold, seeded.lastCopy, seeded.forensic].map(String).sort();
const PLAN = [States.planExpiry, States.initWork, States.routeByPlan, States.buildReport];

describe('expire-retained against an emulated account', () => {
  it('plan mode lists what it would delete and every refusal with its reason, and deletes nothing', async () => {
    const execution = await run({ mode: 'plan', trigger: { source: 'cli' } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const report = execution.output as Report;
    expect(report.outcome).toBe('PLANNED');
    expect(ids(report.wouldDelete)).toEqual(SAFE());
    expect(ids(report.refused)).toEqual(REFUSED());
    const reason = (id: string | undefined) => report.refused.find((r) => r.resourceId === id)?.reason;
    expect(reason(seeded.attached)).toMatch(/^is in-use \(attached to i-[0-9a-f]+ at \/dev\/sdg\): only a detached original is deleted$/);
    expect(reason(seeded.replacementMissing)).toBe('its replacement vol-0123456789abcdef0 no longer exists');
    expect(reason(seeded.replacementUnencrypted)).toMatch(/^its replacement vol-[0-9a-f]+ is not encrypted$/);
    expect(reason(seeded.onHold)).toBe('tagged remediation:hold=true: kept until a person removes the hold');
    expect(reason(seeded.lastCopy)).toMatch(/^the last encrypted copy of vol-0fedcba9876543210's data \(vol-0fedcba9876543210 no longer exists; taken .+\): never deleted$/);
    expect(reason(seeded.forensic)).toMatch(/^forensic snapshot of case case-42: its case is not closed \(no remediation:case-closed\)/);
    expect(report.actions).toEqual([]);
    expect(await Promise.all([...SAFE(), ...REFUSED()].map(exists))).toEqual([...SAFE(), ...REFUSED()].map(() => true));
    expect(mutatingCalls(execution)).toEqual([]);
    expect(statesEntered(execution)).toEqual(planned(...PLAN));
  });

  it('deletes what is safe under the account lock, reports each with its before-state, keeps every refused one, and a re-run is NO_ACTION', async () => {
    const execution = await run({ trigger: { source: 'cli' } });

    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const report = execution.output as Report;
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.target).toBe('us-east-1');
    expect(report.actions.map((a) => [a.action, a.resourceId, a.after]).sort()).toEqual([
      ['delete-snapshot', seeded.rolledBackSnapshot, { state: 'deleted' }],
      ['delete-volume', seeded.original, { state: 'deleted' }],
      ['delete-volume', seeded.rolledBackVolume, { state: 'deleted' }],
    ].sort());
    const original = report.actions.find((a) => a.resourceId === seeded.original);
    expect(original?.before?.kind).toBe('original-volume');
    expect(original?.before?.description.Tags).toEqual(expect.arrayContaining([{ Key: 'remediation:retain-until', Value: PAST }]));
    expect(ids(report.refused)).toEqual(REFUSED());
    expect(await Promise.all(SAFE().map(exists))).toEqual([false, false, false]);
    expect(await Promise.all(REFUSED().map(exists))).toEqual(REFUSED().map(() => true));
    expect(await exists(seeded.keptCopy!)).toBe(true);
    expect(mutatingCalls(execution).sort()).toEqual(withLockCalls('account', 'ec2:DeleteSnapshot', 'ec2:DeleteVolume', 'ec2:DeleteVolume').sort());
    expect(statesEntered(execution)).toEqual(locked(States.planExpiry, States.initWork, States.routeByPlan, States.deleteExpired, States.verifyDeleted, States.buildReport));

    const again = await run({ trigger: { source: 'cli' } });

    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as Report).outcome).toBe('NO_ACTION');
    expect(ids((again.output as Report).refused)).toEqual(REFUSED());
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
  });
});
