import { DescribeVolumeStatusCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/ebs/volume-initialization';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const root = volumeWork({ newVolumeId: 'vol-0ccccccccccccccc1' });
const data = volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', isRoot: false, newVolumeId: 'vol-0ccccccccccccccc2' });

beforeEach(() => ec2.reset());

describe('volume-initialization', () => {
  it('reports each copy\'s initialization-state, progress and time left as DescribeVolumeStatus gives them', async () => {
    // Prepare
    ec2.on(DescribeVolumeStatusCommand).resolves({
      VolumeStatuses: [
        {
          VolumeId: 'vol-0ccccccccccccccc1',
          VolumeStatus: { Status: 'ok', Details: [{ Name: 'io-enabled', Status: 'passed' }, { Name: 'initialization-state', Status: 'initializing' }] },
          InitializationStatusDetails: { InitializationType: 'volume-copy', Progress: 40, EstimatedTimeToCompleteInSeconds: 3600 },
        },
        { VolumeId: 'vol-0ccccccccccccccc2', VolumeStatus: { Status: 'ok', Details: [{ Name: 'initialization-state', Status: 'completed' }] } },
      ],
    });

    // Act
    const out = await handler({ volumes: [root, data] });

    // Assess
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumeStatusCommand, { VolumeIds: ['vol-0ccccccccccccccc1', 'vol-0ccccccccccccccc2'] });
    expect(out.volumes).toEqual([
      { device: '/dev/xvda', volumeId: 'vol-0ccccccccccccccc1', state: 'initializing', initializationType: 'volume-copy', progressPercent: 40, estimatedSecondsToComplete: 3600 },
      { device: '/dev/sdf', volumeId: 'vol-0ccccccccccccccc2', state: 'completed' },
    ]);
    expect(out.note).toMatch(/reduced performance/);
  });

  it('reports `unknown` for a copy EC2 gives no initialization detail for', async () => {
    // Prepare
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [] });

    // Act
    const out = await handler({ volumes: [root] });

    // Assess
    expect(out.volumes).toEqual([{ device: '/dev/xvda', volumeId: 'vol-0ccccccccccccccc1', state: 'unknown' }]);
  });

  it('refuses a volume without a replacement recorded, before any call', async () => {
    await expect(handler({ volumes: [volumeWork()] })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(ec2).not.toHaveReceivedCommand(DescribeVolumeStatusCommand);
  });

  it('lets an EC2 error through (the state records it and goes on to verify)', async () => {
    ec2.on(DescribeVolumeStatusCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler({ volumes: [root] })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
