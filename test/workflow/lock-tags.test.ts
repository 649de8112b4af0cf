import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import type { LocalExecution } from '../../local/runner';
import type { Report } from '../../tasks/ebs/build-report';
import type { LockReleased } from '../../tasks/lock/release-lock';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import { expectBefore, startHarness, statesEntered, tag, type Harness } from './harness';

// DESIGN.md "One at a time": while an execution holds the lock, the instance and each volume it replaces
// carry remediation:lock = its name (the IAM conditions of the mutating roles rest on it); no ending leaves one.
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.moto.stop());

const server = (name: string) => h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
/** Everything in the emulated account that carries a remediation:lock tag, whatever its value. */
async function lockTagged(): Promise<string[]> {
  const filters = [{ Name: 'tag-key', Values: ['remediation:lock'] }];
  const instances = (await h.seeder.ec2.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const volumes = (await h.seeder.ec2.send(new DescribeVolumesCommand({ Filters: filters }))).Volumes ?? [];
  return [...instances.map((i) => i.InstanceId as string), ...volumes.map((v) => v.VolumeId as string)];
}
const lockTagOf = async (volumeId: string) =>
  tag((await h.seeder.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0]?.Tags, 'remediation:lock');
/** What ReleaseLockAfterFailure untagged, as the execution's history shows it. */
const untaggedAfterFailure = (execution: LocalExecution) => {
  const exited = execution.events.find((e) => e.type === 'StateExited' && e.state === S.releaseLockAfterFailure);
  return (exited?.output as { released?: LockReleased } | undefined)?.released?.untagged;
};

describe('the lock tags what it holds', () => {
  it('before the approval the instance and each volume to replace carry remediation:lock = the execution; after success nothing does', async () => {
    // Prepare
    const seeded = await server('tags-approved');
    const originals = [seeded.rootVolumeId, seeded.volumes['/dev/sdf'] as string];
    let seen: { execution: string; instance?: string; volumes: (string | undefined)[] } | undefined;

    // Act: the approver looks at the account while the execution waits for its answer
    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, {
      approver: async (request) => {
        seen = {
          execution: request.execution,
          instance: tag((await h.seeder.describe(seeded.instanceId)).Tags, 'remediation:lock'),
          volumes: await Promise.all(originals.map(lockTagOf)),
        };
        return { approved: true, principal: 'arn:aws:iam::123456789012:user/alice' };
      },
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    expect(seen).toEqual({ execution: execution.name, instance: execution.name, volumes: [execution.name, execution.name] });
    expectBefore(statesEntered(execution), S.lockResources, S.requestApproval);
    // LockResources tags the volumes (the second CreateTags, after AcquireLock's) before approval is asked
    const calls = execution.faults.callLog;
    expect(calls.filter((c) => c === 'ec2:CreateTags').length).toBeGreaterThanOrEqual(2);
    expect(calls.indexOf('sns:Publish')).toBeGreaterThan(calls.indexOf('ec2:CreateTags', calls.indexOf('ec2:CreateTags') + 1));
    expect(await lockTagged()).toEqual([]);
  });

  it('a failed swap still leaves no lock tag, on the instance, the originals or the replacements (created with it)', async () => {
    // Prepare
    const seeded = await server('tags-failed');
    const originals = [seeded.rootVolumeId, seeded.volumes['/dev/sdf'] as string];

    // Act: the first attach of a replacement is refused
    const execution = await h.run({ instanceId: seeded.instanceId, allowStop: true }, {
      faults: { failCall: { command: 'AttachVolume', nth: 1, errorName: 'IncorrectState', message: 'refused (injected)' } },
    });

    // Assess
    expect(execution.status).toBe('FAILED');
    const replacements = (await h.seeder.ec2.send(new DescribeVolumesCommand({
      Filters: [{ Name: 'tag:remediation:execution', Values: [execution.name] }],
    }))).Volumes?.map((v) => v.VolumeId as string) ?? [];
    expect(replacements).toHaveLength(2);
    // The release found (by tag) and untagged the instance, both originals and both replacements.
    expect([...(untaggedAfterFailure(execution) ?? [])].sort()).toEqual([seeded.instanceId, ...originals, ...replacements].sort());
    expect(await lockTagged()).toEqual([]);
  });

  it('a plan tags nothing', async () => {
    // Prepare
    const seeded = await server('tags-plan');

    // Act
    const execution = await h.run({ instanceId: seeded.instanceId, mode: 'plan' });

    // Assess
    expect((execution.output as Report).outcome).toBe('PLANNED');
    expect(statesEntered(execution)).not.toContain(S.lockResources);
    expect(execution.faults.callLog.filter((c) => c === 'ec2:CreateTags')).toEqual([]);
    expect(await lockTagged()).toEqual([]);
  });
});
