import { ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { DescribeInstancesCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { installClientHook, type AwsCall, type ClientHook } from '../../../tasks/lib/client-hooks';
import { createEbsClient } from '../../../tasks/lib/clients/ebs';
import { createEc2Client } from '../../../tasks/lib/clients/ec2';
import { createKmsClient } from '../../../tasks/lib/clients/kms';
import { INSTANCE_ID, KEY_ID, awsError } from '../fixtures';

// Real clients, no mocks: every test installs a hook that answers, so no request is signed or sent.
const removers: (() => void)[] = [];
const install = (hook: ClientHook) => {
  const remove = installClientHook(hook);
  removers.push(remove);
  return remove;
};
const answering = (output: unknown, seen: AwsCall[] = []): ClientHook => async (call) => {
  seen.push(call);
  return output;
};

afterEach(() => {
  while (removers.length > 0) removers.pop()?.();
});

describe('installClientHook', () => {
  it('shows the hook the service, command and input, and returns its answer without a request', async () => {
    // Prepare
    const seen: AwsCall[] = [];
    const canned = { Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID }] }] };
    install(answering(canned, seen));
    const ec2 = createEc2Client();

    // Act
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [INSTANCE_ID] }));

    // Assess
    expect(out).toEqual(canned);
    expect(seen).toEqual([{ service: 'ec2', command: 'DescribeInstances', input: { InstanceIds: [INSTANCE_ID] } }]);
  });

  it('names the service of each client factory', async () => {
    // Prepare
    const seen: AwsCall[] = [];
    install(answering({}, seen));

    // Act
    await createKmsClient().send(new DescribeKeyCommand({ KeyId: KEY_ID }));
    await createEbsClient().send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0123456789abcdef0' }));

    // Assess
    expect(seen.map((c) => `${c.service}:${c.command}`)).toEqual(['kms:DescribeKey', 'ebs:ListSnapshotBlocks']);
  });

  it('runs hooks in installation order, each able to pass the call on and change the answer', async () => {
    // Prepare
    const order: string[] = [];
    install(async (_call, next) => {
      order.push('outer');
      const out = (await next()) as { Volumes: unknown[] };
      return { ...out, Volumes: [...out.Volumes, { VolumeId: 'vol-added' }] };
    });
    install(async () => {
      order.push('inner');
      return { Volumes: [{ VolumeId: 'vol-canned' }] };
    });

    // Act
    const out = await createEc2Client().send(new DescribeVolumesCommand({}));

    // Assess
    expect(order).toEqual(['outer', 'inner']);
    expect(out.Volumes).toEqual([{ VolumeId: 'vol-canned' }, { VolumeId: 'vol-added' }]);
  });

  it('rejects with the error a hook throws, keeping its name for Step Functions Retry', async () => {
    // Prepare
    install(async () => {
      throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
    });

    // Act
    const sent = createEc2Client().send(new DescribeVolumesCommand({}));

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'RequestLimitExceeded', message: 'Request limit exceeded.' });
  });

  it('stops calling a hook once it is removed, and removing twice removes nothing else', async () => {
    // Prepare: a spy that passes calls on, in front of a hook that answers.
    const spied: AwsCall[] = [];
    const removeSpy = install(async (call, next) => {
      spied.push(call);
      return next();
    });
    install(answering({ Volumes: [] }));
    const ec2 = createEc2Client();
    await ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0aaaaaaaaaaaaaaa1'] }));

    // Act
    removeSpy();
    removeSpy();
    const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: ['vol-0aaaaaaaaaaaaaaa2'] }));

    // Assess: the spy saw only the first call; the answering hook is still installed.
    expect(spied.map((c) => c.input)).toEqual([{ VolumeIds: ['vol-0aaaaaaaaaaaaaaa1'] }]);
    expect(out).toEqual({ Volumes: [] });
  });

  it('applies hooks installed after the client was created', async () => {
    // Prepare
    const ec2 = createEc2Client();
    const removeFirst = install(answering({ Volumes: [{ VolumeId: 'vol-first' }] }));
    const first = await ec2.send(new DescribeVolumesCommand({}));

    // Act
    removeFirst();
    install(answering({ Volumes: [{ VolumeId: 'vol-second' }] }));
    const second = await ec2.send(new DescribeVolumesCommand({}));

    // Assess
    expect(first.Volumes).toEqual([{ VolumeId: 'vol-first' }]);
    expect(second.Volumes).toEqual([{ VolumeId: 'vol-second' }]);
  });
});
