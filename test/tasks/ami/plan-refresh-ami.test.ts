import { DescribeImagesCommand, DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ami/plan-refresh-ami';
import { REPORT_LIMIT } from '../../../tasks/ami/lib/report-plan';
import { IMAGE_ID, IMAGE_NAME, INSTANCE_ID, NOW, OURS, TAGS, context, image, instance } from './fixtures';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
const withInstance = (i: Instance) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [i] }] });
beforeEach(() => {
  ec2.reset();
  ssm.reset();
  withInstance(instance());
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: 'vol-0aaaaaaaaaaaaaaa1', Size: 8 }, { VolumeId: 'vol-0aaaaaaaaaaaaaaa2', Size: 100 }] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
});

describe('plan-refresh-ami: backup', () => {
  it('plans the image: its name from the execution\'s UTC date, the reboot said plainly, the instance\'s own tags and ours, the volumes\' size', async () => {
    // Act
    const plan = await handler(context({ action: 'backup', instanceId: INSTANCE_ID }));

    // Assess
    expect(plan).toEqual({
      action: 'backup', outcome: 'PROCEED', target: INSTANCE_ID, instanceId: INSTANCE_ID, instanceState: 'running', imageName: IMAGE_NAME, noReboot: false, reboots: true,
      note: 'EC2 shuts the instance down cleanly and reboots it to take a consistent image: it is unavailable for the reboot (set noReboot with acknowledgeCrashConsistent to avoid it)',
      tags: TAGS, workGiB: 108,
      volumes: [{ device: '/dev/xvda', volumeId: 'vol-0aaaaaaaaaaaaaaa1', sizeGiB: 8 }, { device: '/dev/sdf', volumeId: 'vol-0aaaaaaaaaaaaaaa2', sizeGiB: 100 }],
    });
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, { Owners: ['self'], Filters: [{ Name: 'name', Values: [IMAGE_NAME] }], IncludeDeprecated: true });
  });

  it('noReboot: no reboot, a crash-consistent image tagged so; a stopped instance never reboots; plan mode says PLANNED', async () => {
    // Act
    const noReboot = await handler(context({ action: 'backup', instanceId: INSTANCE_ID, noReboot: true, acknowledgeCrashConsistent: true }));
    withInstance(instance({ State: { Name: 'stopped' } }));
    const stopped = await handler(context({ action: 'backup', instanceId: INSTANCE_ID, mode: 'plan' }));

    // Assess
    expect(noReboot).toMatchObject({ reboots: false, noReboot: true, tags: [...TAGS, { Key: 'remediation:no-reboot', Value: 'true' }] });
    expect(noReboot.action === 'backup' && noReboot.note).toMatch(/crash-consistent/);
    expect(stopped).toMatchObject({ outcome: 'PLANNED', reboots: false, note: 'the instance is stopped: the image is consistent and nothing reboots' });
  });

  it('an image of today\'s name made by refresh-ami: available is NO_ACTION, pending resumes the wait', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolvesOnce({ Images: [image()] }).resolvesOnce({ Images: [image({ State: 'pending' })] });

    // Act
    const available = await handler(context({ action: 'backup', instanceId: INSTANCE_ID }));
    const pending = await handler(context({ action: 'backup', instanceId: INSTANCE_ID }));

    // Assess
    expect(available).toMatchObject({ outcome: 'NO_ACTION', reboots: false, existing: { imageId: IMAGE_ID, state: 'available', execution: OURS[1]?.Value } });
    expect(pending).toMatchObject({ outcome: 'PROCEED', reboots: false, existing: { imageId: IMAGE_ID, state: 'pending' } });
    expect(pending.action === 'backup' && pending.note).toBe(`an image named ${IMAGE_NAME} exists (${IMAGE_ID}, pending): the wait resumes on it`);
  });

  it.each([
    ['excluded', instance({ Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] }), 'is tagged remediation:exclude=true'],
    ['instance-store backed', instance({ RootDeviceType: 'instance-store' }), 'CreateImage needs an EBS-backed instance'],
    ['stopping', instance({ State: { Name: 'stopping' } }), 'is stopping'],
    ['terminated', instance({ State: { Name: 'terminated' } }), 'is terminated'],
  ])('refuses an instance that is %s with PreconditionFailedError, before anything', async (_what, refused, message) => {
    // Prepare
    withInstance(refused);

    // Act
    const planned = handler(context({ action: 'backup', instanceId: INSTANCE_ID }));

    // Assess
    await expect(planned).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining(message) });
  });

  it('refuses when an image of that name is someone else\'s, and names a missing instance', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ Tags: [] })] });

    // Act
    const theirs = handler(context({ action: 'backup', instanceId: INSTANCE_ID }));

    // Assess
    await expect(theirs).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('was not made by refresh-ami') });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(handler(context({ action: 'backup', instanceId: INSTANCE_ID }))).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('plan-refresh-ami: report', () => {
  const vm = (n: number, imageId: string): Instance => ({ InstanceId: `i-${String(n).padStart(17, '0')}`, ImageId: imageId, State: { Name: 'running' } });
  const old = { ImageId: 'ami-00000000000000001', Name: 'golden', OwnerId: '123456789012', CreationDate: new Date(NOW.getTime() - 400 * 86_400_000).toISOString() };

  it('every live instance over every page: flagged ones listed first, counted, NO_ACTION (it changes nothing)', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [{ Instances: [vm(2, 'ami-00000000000000002')] }], NextToken: 'p2' })
      .resolvesOnce({ Reservations: [{ Instances: [vm(1, 'ami-00000000000000001')] }] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [old] });

    // Act
    const plan = await handler(context({ action: 'report', allInstances: true }));

    // Assess
    expect(plan).toMatchObject({
      action: 'report', outcome: 'NO_ACTION', target: 'all-instances', maxAgeDays: 90, omitted: 0,
      counts: { instances: 2, flagged: 2, old: 1, deprecated: 0, deregistered: 1, notLatest: 0, familyRetired: 0 },
    });
    expect(plan.action === 'report' && plan.instances.map((i) => [i.instanceId, i.findings])).toEqual([
      ['i-00000000000000001', ['old']], ['i-00000000000000002', ['deregistered']],
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }] });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
  });

  it('lists at most REPORT_LIMIT instances and counts the rest; plan mode is PLANNED', async () => {
    // Prepare
    const many = Array.from({ length: REPORT_LIMIT + 5 }, (_, n) => vm(n + 1, 'ami-00000000000000001'));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: many }] });
    ec2.on(DescribeImagesCommand).resolves({ Images: [old] });

    // Act
    const plan = await handler(context({ action: 'report', allInstances: true, mode: 'plan' }));

    // Assess
    expect(plan).toMatchObject({ outcome: 'PLANNED', omitted: 5, counts: { instances: REPORT_LIMIT + 5, flagged: REPORT_LIMIT + 5 } });
    expect(plan.action === 'report' && plan.instances.length).toBe(REPORT_LIMIT);
  });

  it('instanceIds: filters by id, and names any it cannot find (ResourceNotFoundError)', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [vm(1, 'ami-00000000000000001')] }] });

    // Act
    const planned = handler(context({ action: 'report', instanceIds: ['i-00000000000000001', 'i-0fedcba9876543210'] }));

    // Assess
    await expect(planned).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: expect.stringContaining('i-0fedcba9876543210') });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }, { Name: 'instance-id', Values: ['i-00000000000000001', 'i-0fedcba9876543210'] },
    ] });
  });
});
