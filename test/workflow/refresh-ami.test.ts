import {
  DeregisterImageCommand, CreateImageCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client, RunInstancesCommand,
  type Image, type Tag,
} from '@aws-sdk/client-ec2';
import { awsError } from '../../local/emulation';
import { createImage } from '../../local/emulation/images';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { locked, lockedFailure, mutatingCalls, planned, statesEntered, tag, withLockCalls } from './harness';

let moto: MotoServer;
let ec2: EC2Client;
let run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow } = await import('../../local/runner');
  run = (input, options) => runWorkflow('refresh-ami', input, options);
  ec2 = new EC2Client({});
});
afterAll(async () => moto?.stop());

/** moto's public images: AL2023 (its SSM parameter names this one), an old AL2, AL2022 (no parameter left), Ubuntu 16.04. */
const AL2023_LATEST = 'ami-0ed094fb1304fd857';
const AL2_OLD = 'ami-04681a1dbd79675a5';
const AL2_LATEST = 'ami-02b9a589195146a8f';
const AL2022 = 'ami-076f415166b04f5fe';
const UBUNTU_XENIAL = 'ami-785db401';

const launch = async (imageId: string, tags: Tag[] = []): Promise<string> => (await ec2.send(new RunInstancesCommand({
  ImageId: imageId, MinCount: 1, MaxCount: 1, ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
}))).Instances?.[0]?.InstanceId as string;
const imagesNamed = async (name: string): Promise<Image[]> =>
  (await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }))).Images ?? [];
const snapshotsOf = async (executionName: string) =>
  (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:remediation:execution', Values: [executionName] }] }))).Snapshots ?? [];
const lockTag = async (instanceId: string) =>
  tag((await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0]?.Tags, 'remediation:lock');

const PLAN = ['PlanRefreshAmi', 'InitWork', 'RouteByPlan'];
type Report = { outcome: string; image?: { imageId: string; name: string; resumed: boolean }; plan: { imageName: string; reboots: boolean; note: string }; actions: { action: string; resourceId: string; after?: Record<string, unknown> }[] };

describe('refresh-ami backup against an emulated account', () => {
  it('plans without a change, takes the image (waiting while it is pending) with the instance\'s tags on image and snapshots, and a re-run finds it: NO_ACTION', async () => {
    // Prepare
    const instanceId = await launch(AL2023_LATEST, [{ Key: 'app', Value: 'billing' }, { Key: 'Name', Value: 'billing-1' }]);

    // Act
    const plan = await run({ action: 'backup', instanceId, mode: 'plan' });
    const backup = await run({ action: 'backup', instanceId }, { faults: { imagePendingPolls: 1 } });
    const again = await run({ action: 'backup', instanceId });

    // Assess
    expect(plan.output).toMatchObject({ outcome: 'PLANNED', plan: { reboots: true, instanceState: 'running' } });
    expect((plan.output as Report).plan.note).toMatch(/reboots it/);
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(...PLAN, 'BuildReport'));

    expect({ status: backup.status, error: backup.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    const report = backup.output as Report;
    const [image, ...others] = await imagesNamed(report.plan.imageName);
    expect(others).toEqual([]);
    expect(report.plan.imageName).toBe(`refresh-ami-${instanceId}-${backup.startDate.slice(0, 10).replace(/-/g, '')}`);
    expect(image).toMatchObject({ ImageId: report.image?.imageId, State: 'available' });
    const expectedTags = { app: 'billing', Name: 'billing-1', 'remediation:workflow': 'refresh-ami', 'remediation:execution': backup.name, 'remediation:source-instance': instanceId };
    expect(Object.fromEntries((image?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(expectedTags);
    const snapshots = await snapshotsOf(backup.name);
    expect(snapshots.map((s) => s.SnapshotId)).toEqual(image?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId));
    expect(Object.fromEntries((snapshots[0]?.Tags ?? []).map((t) => [t.Key, t.Value]))).toEqual(expectedTags);
    expect(report).toMatchObject({ outcome: 'REMEDIATED', actions: [{ action: 'create-image', resourceId: instanceId, after: { imageId: image?.ImageId, noReboot: false, rebooted: true } }] });
    expect(statesEntered(backup)).toEqual(locked(...PLAN, 'CreateImage', 'CheckImage', 'RouteImageState', 'WaitForImage', 'CheckImage', 'RouteImageState', 'VerifyImage', 'BuildReport'));
    expect(backup.faults.injected.map((f) => f.fault)).toEqual(['pending']);
    expect(mutatingCalls(backup)).toEqual(withLockCalls('instance', 'ec2:CreateImage'));
    expect(await lockTag(instanceId)).toBeUndefined();

    expect(again.output).toMatchObject({ outcome: 'NO_ACTION', actions: [], image: { imageId: image?.ImageId, resumed: true } });
    expect(statesEntered(again)).toEqual(locked(...PLAN, 'BuildReport'));
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));
    expect(await imagesNamed(report.plan.imageName)).toHaveLength(1);
  });

  it('an image that fails is deregistered and its snapshots deleted (only those), and the execution fails RemediationRolledBack', async () => {
    // Prepare
    const instanceId = await launch(AL2023_LATEST, [{ Key: 'app', Value: 'ledger' }]);
    const bystander = (await ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: `operator-golden-${instanceId}` }))).ImageId as string;

    // Act
    const failed = await run({ action: 'backup', instanceId, noReboot: true, acknowledgeCrashConsistent: true }, { faults: { imagesFail: true } });

    // Assess
    expect({ status: failed.status, error: failed.error }).toEqual({ status: 'FAILED', error: 'RemediationRolledBack' });
    expect(failed.cause).toMatch(/ImageFailed: ami-\w+ is failed: Internal error \(injected\) — cleaned up: deregistered ami-\w+; deleted snapshots snap-\w+/);
    expect(await imagesNamed(`refresh-ami-${instanceId}-${failed.startDate.slice(0, 10).replace(/-/g, '')}`)).toEqual([]);
    expect(await snapshotsOf(failed.name)).toEqual([]);
    expect(await imagesNamed(`operator-golden-${instanceId}`)).toMatchObject([{ ImageId: bystander, State: 'available' }]);
    expect(statesEntered(failed)).toEqual(lockedFailure(...PLAN, 'CreateImage', 'CheckImage', 'RouteImageState', 'DescribeImageFailure', 'CleanupImage', 'ImageCleanedUp'));
    expect(mutatingCalls(failed)).toEqual(withLockCalls('instance', 'ec2:CreateImage', 'ec2:DeregisterImage', 'ec2:DeleteSnapshot'));
    expect(await lockTag(instanceId)).toBeUndefined();
  });
});

describe('refresh-ami report against an emulated account', () => {
  it('reports not-latest, retired-family and deregistered AMIs (SSM parameters and DescribeImages), changing nothing and taking no lock', async () => {
    // Prepare
    const source = await launch(AL2023_LATEST);
    const own = (await ec2.send(new CreateImageCommand({ InstanceId: source, Name: `golden-${source}` }))).ImageId as string;
    const ids = {
      old: await launch(AL2_OLD), current: await launch(AL2023_LATEST), retired: await launch(AL2022), ubuntu: await launch(UBUNTU_XENIAL), gone: await launch(own),
    };
    await ec2.send(new DeregisterImageCommand({ ImageId: own }));

    // Act
    const execution = await run({ action: 'report', instanceIds: Object.values(ids), maxAgeDays: 30 });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as { outcome: string; freshness: { counts: Record<string, number>; instances: { instanceId: string; family?: string; findings: string[]; latest?: { imageId?: string; source: string; retired?: string } }[] } };
    const byId = new Map(report.freshness.instances.map((i) => [i.instanceId, i]));
    expect(report.outcome).toBe('NO_ACTION');
    expect(byId.get(ids.old)).toMatchObject({ family: 'amzn2-hvm-gp2', findings: ['not-latest'], latest: { imageId: AL2_LATEST, source: 'ssm:/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2' } });
    expect(byId.get(ids.current)).toMatchObject({ family: 'al2023-kernel-6.1', findings: [], latest: { imageId: AL2023_LATEST } });
    expect(byId.get(ids.retired)?.findings).toEqual(['family-retired']);
    expect(byId.get(ids.retired)?.latest?.retired).toMatch(/al2022-ami-kernel-5.15-x86_64 no longer exists/);
    expect(byId.get(ids.ubuntu)).toMatchObject({
      family: 'ubuntu-xenial-16.04', findings: [], latest: { imageId: UBUNTU_XENIAL, source: 'describe-images:099720109477:ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*' },
    });
    expect(byId.get(ids.gone)).toMatchObject({ imageId: own, findings: ['deregistered'] });
    expect(report.freshness.counts).toEqual({ instances: 5, flagged: 3, old: 0, deprecated: 0, deregistered: 1, notLatest: 1, familyRetired: 1 });
    expect(statesEntered(execution)).toEqual(planned(...PLAN, 'BuildReport'));
    expect(mutatingCalls(execution)).toEqual([]);
  });
});

describe('the local CreateImage emulation (moto allows duplicate names and cannot tag snapshots on CreateImage)', () => {
  it('refuses a second image of the same name as EC2 does, and tags the image\'s snapshots from TagSpecifications', async () => {
    // Prepare
    const instanceId = await launch(AL2023_LATEST);
    const Tags = [{ Key: 'app', Value: 'emulated' }];
    const call = { service: 'ec2', command: 'CreateImage', input: { InstanceId: instanceId, Name: `dup-${instanceId}`, TagSpecifications: [{ ResourceType: 'image', Tags }, { ResourceType: 'snapshot', Tags }] } };

    // Act
    const first = await createImage(ec2, call, awsError) as { ImageId: string };
    const second = createImage(ec2, call, awsError);

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'InvalidAMIName.Duplicate', message: `AMI name dup-${instanceId} is already in use by AMI ${first.ImageId}` });
    const [made, ...others] = await imagesNamed(`dup-${instanceId}`);
    expect(others).toEqual([]);
    const snapshotIds = made?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId as string) ?? [];
    const snapshots = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }))).Snapshots ?? [];
    expect(snapshots.map((snapshot) => tag(snapshot.Tags, 'app'))).toEqual(snapshotIds.map(() => 'emulated'));
    expect(snapshots.length).toBeGreaterThan(0);
  });
});
