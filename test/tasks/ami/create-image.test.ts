import { CreateImageCommand, DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ami/create-image';
import { awsError } from '../fixtures';
import { EXECUTION, IMAGE_ID, IMAGE_NAME, INSTANCE_ID, TAGS, backupPlan, image, instance } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
  ec2.on(CreateImageCommand).resolves({ ImageId: IMAGE_ID });
});

describe('create-image', () => {
  it('looks for the name, re-checks the instance, then creates the image with the tags on image and snapshots (NoReboot as planned)', async () => {
    // Act
    const out = await handler({ plan: backupPlan(), execution: EXECUTION });

    // Assess
    expect(out).toEqual({ imageId: IMAGE_ID, imageName: IMAGE_NAME, resumed: false, at: expect.any(String) });
    expect(ec2.calls().map((c) => c.args[0].constructor.name)).toEqual(['DescribeImagesCommand', 'DescribeInstancesCommand', 'CreateImageCommand']);
    expect(ec2).toHaveReceivedCommandWith(CreateImageCommand, {
      InstanceId: INSTANCE_ID, Name: IMAGE_NAME, NoReboot: false, Description: `refresh-ami backup of ${INSTANCE_ID} by ${EXECUTION.name}`,
      TagSpecifications: [{ ResourceType: 'image', Tags: TAGS }, { ResourceType: 'snapshot', Tags: TAGS }],
    });
  });

  it('a retry finds the image by name instead of making a second; a planned existing image makes no call at all', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ State: 'pending' })] });

    // Act
    const retried = await handler({ plan: backupPlan({ noReboot: true }), execution: EXECUTION });
    const calls = ec2.calls().length;
    const resumed = await handler({ plan: backupPlan({ existing: { imageId: 'ami-0fedcba9876543210', state: 'pending' } }), execution: EXECUTION });

    // Assess
    expect(retried).toMatchObject({ imageId: IMAGE_ID, resumed: true });
    expect(resumed).toMatchObject({ imageId: 'ami-0fedcba9876543210', resumed: true });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 0);
    expect(ec2.calls()).toHaveLength(calls);
  });

  it('InvalidAMIName.Duplicate (a create that raced this one) answers with the image found by name', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolvesOnce({ Images: [] }).resolves({ Images: [image()] });
    ec2.on(CreateImageCommand).rejects(awsError('InvalidAMIName.Duplicate'));

    // Act
    const out = await handler({ plan: backupPlan(), execution: EXECUTION });

    // Assess
    expect(out).toMatchObject({ imageId: IMAGE_ID, resumed: true });
  });

  it('passes other errors on for the state machine (Retry, or cleanup)', async () => {
    // Prepare
    ec2.on(CreateImageCommand).rejects(awsError('RequestLimitExceeded'));

    // Act
    const created = handler({ plan: backupPlan(), execution: EXECUTION });

    // Assess
    await expect(created).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });

  it.each([
    ['was stopped meanwhile', instance({ State: { Name: 'stopped' } }), 'PlanChangedError', 'was running when planned and is stopped now'],
    ['was excluded meanwhile', instance({ Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }), 'PreconditionFailedError', 'remediation:exclude=true'],
  ])('the instance %s: no image is taken', async (_what, now, name, message) => {
    // Prepare
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [now] }] });

    // Act
    const created = handler({ plan: backupPlan(), execution: EXECUTION });

    // Assess
    await expect(created).rejects.toMatchObject({ name, message: expect.stringContaining(message) });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 0);
  });

  it('never adopts an image of that name that refresh-ami did not make', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [image({ Tags: [{ Key: 'team', Value: 'ops' }] })] });

    // Act
    const created = handler({ plan: backupPlan(), execution: EXECUTION });

    // Assess
    await expect(created).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    expect(ec2).toHaveReceivedCommandTimes(CreateImageCommand, 0);
  });
});
