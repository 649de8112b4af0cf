import { DescribeVolumeStatusCommand, EC2Client, type VolumeStatusItem } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler, type InitializationReport } from '../../../tasks/ebs/volume-initialization';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { NOW, awsError, freezeTime, volumeWork } from '../fixtures';

const ec2 = mockClient(EC2Client);
const ROOT_COPY = 'vol-0ccccccccccccccc1';
const DATA_COPY = 'vol-0ccccccccccccccc2';
const root = volumeWork({ newVolumeId: ROOT_COPY, sizeGiB: 8 });
const data = volumeWork({ volumeId: 'vol-0aaaaaaaaaaaaaaa2', device: '/dev/sdf', isRoot: false, newVolumeId: DATA_COPY, sizeGiB: 1024 });
const after = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const iso = (seconds: number) => after(seconds).toISOString();

const status = (VolumeId: string, state: 'initializing' | 'completed', progress?: number, secondsLeft?: number): VolumeStatusItem => ({
  VolumeId,
  VolumeStatus: { Status: 'ok', Details: [{ Name: 'io-enabled', Status: 'passed' }, { Name: 'initialization-state', Status: state }] },
  ...(progress === undefined ? {} : {
    InitializationStatusDetails: { InitializationType: 'volume-copy', Progress: progress, ...(secondsLeft === undefined ? {} : { EstimatedTimeToCompleteInSeconds: secondsLeft }) },
  }),
});

/** A read that came before: the first one, `checks` reads ago, the data copy still initializing. */
const previousRead = (overrides: Partial<InitializationReport> = {}): InitializationReport => ({
  status: 'initializing', startedAt: iso(0), readAt: iso(0), checks: 1, maxChecks: 20, waitSeconds: 60, note: 'earlier',
  volumes: [
    { device: '/dev/xvda', volumeId: ROOT_COPY, sizeGiB: 8, state: 'completed', completedAt: iso(0) },
    { device: '/dev/sdf', volumeId: DATA_COPY, sizeGiB: 1024, state: 'initializing', progressPercent: 1 },
  ],
  ...overrides,
});

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('volume-initialization: the first read, right after the swap', () => {
  it('reads every page of DescribeVolumeStatus by volume id (no MaxResults: EC2 refuses it with VolumeIds) and reports each copy', async () => {
    // Prepare: two pages
    ec2.on(DescribeVolumeStatusCommand, { VolumeIds: [ROOT_COPY, DATA_COPY] })
      .resolvesOnce({ VolumeStatuses: [status(DATA_COPY, 'initializing', 40, 3600)], NextToken: 'page-2' })
      .resolvesOnce({ VolumeStatuses: [status(ROOT_COPY, 'completed', 100, 0)] });

    // Act
    const out = await handler({ volumes: [root, data] });

    // Assess: the budget from the largest copy (1,024 GiB: 12 + 8 reads); the first interval is the shortest
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumeStatusCommand, 2);
    // (the paginator reuses one input object, so each recorded call shows the last NextToken)
    expect(ec2.commandCalls(DescribeVolumeStatusCommand).map((c) => [c.args[0].input.VolumeIds, c.args[0].input.MaxResults]))
      .toEqual([[[ROOT_COPY, DATA_COPY], undefined], [[ROOT_COPY, DATA_COPY], undefined]]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumeStatusCommand, { NextToken: 'page-2' });
    expect(out).toEqual({
      status: 'initializing', startedAt: NOW.toISOString(), readAt: NOW.toISOString(), checks: 1, maxChecks: 20, waitSeconds: 60,
      volumes: [
        { device: '/dev/xvda', volumeId: ROOT_COPY, sizeGiB: 8, state: 'completed', completedAt: NOW.toISOString(),
          initializationType: 'volume-copy', progressPercent: 100, estimatedSecondsToComplete: 0 },
        { device: '/dev/sdf', volumeId: DATA_COPY, sizeGiB: 1024, state: 'initializing',
          initializationType: 'volume-copy', progressPercent: 40, estimatedSecondsToComplete: 3600, expectedCompletionAt: iso(3600) },
      ],
      note: expect.stringMatching(/reduced performance.*reads it again until every copy has initialized/),
    });
  });

  it('reports `unknown` for a copy EC2 gives no status or no initialization detail for, and does not follow it', async () => {
    // Prepare: the data copy has a status without the initialization-state detail; the root copy is missing
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [{ VolumeId: DATA_COPY, VolumeStatus: { Status: 'ok', Details: [{ Name: 'io-enabled', Status: 'passed' }] } }] });

    // Act
    const out = await handler({ volumes: [root, data] });

    // Assess
    expect(out.volumes).toEqual([
      { device: '/dev/xvda', volumeId: ROOT_COPY, sizeGiB: 8, state: 'unknown' },
      { device: '/dev/sdf', volumeId: DATA_COPY, sizeGiB: 1024, state: 'unknown' },
    ]);
    expect(out.status).toBe('unknown');
    expect(out.note).toContain(`aws ec2 describe-volume-status --volume-ids ${ROOT_COPY} ${DATA_COPY}`);
  });

  it('refuses a volume without a replacement recorded, or no volume at all, before any call', async () => {
    await expect(handler({ volumes: [volumeWork()] })).rejects.toThrow(new PreconditionFailedError('volumes: vol-0aaaaaaaaaaaaaaa1 (/dev/xvda) has no replacement recorded'));
    await expect(handler({ volumes: [] })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(ec2).not.toHaveReceivedCommand(DescribeVolumeStatusCommand);
  });

  it('lets an EC2 error through (the state records it and goes on to verify), on any page', async () => {
    ec2.on(DescribeVolumeStatusCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(handler({ volumes: [root] })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });

    ec2.reset();
    ec2.on(DescribeVolumeStatusCommand).resolvesOnce({ VolumeStatuses: [], NextToken: 'page-2' }).rejectsOnce(awsError('InvalidVolume.NotFound'));
    await expect(handler({ volumes: [root] })).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
  });
});

describe('volume-initialization: the later reads, after the lock is released', () => {
  it('folds each read into the one before: same budget and start, one more check, the interval from the slowest copy\'s progress', async () => {
    // Prepare: 10 minutes after the first read the data copy is half done
    jest.setSystemTime(after(600));
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [status(ROOT_COPY, 'completed', 100, 0), status(DATA_COPY, 'initializing', 50, 700)] });

    // Act
    const out = await handler({ previous: previousRead() });

    // Assess: only the copies, by id; 600 s more at this pace -> wait half of it; the root copy keeps its first completion
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumeStatusCommand, { VolumeIds: [ROOT_COPY, DATA_COPY] });
    expect(out).toMatchObject({ status: 'initializing', startedAt: iso(0), readAt: iso(600), checks: 2, maxChecks: 20, waitSeconds: 300 });
    expect(out.volumes[0]).toMatchObject({ state: 'completed', completedAt: iso(0) });
    expect(out.volumes[1]).toMatchObject({ state: 'initializing', progressPercent: 50, expectedCompletionAt: iso(1300) });
  });

  it('without progress figures the interval doubles (60 s each step) up to an hour', async () => {
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [status(ROOT_COPY, 'completed'), status(DATA_COPY, 'initializing')] });

    const third = await handler({ previous: previousRead({ checks: 2 }) });
    const late = await handler({ previous: previousRead({ checks: 10 }) });

    expect(third.waitSeconds).toBe(240);
    expect(late.waitSeconds).toBe(3600);
  });

  it('completed: every copy initialized, each with the first read that found it so', async () => {
    // Prepare
    jest.setSystemTime(after(5400));
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [status(ROOT_COPY, 'completed', 100, 0), status(DATA_COPY, 'completed', 100, 0)] });

    // Act
    const out = await handler({ previous: previousRead({ checks: 6 }) });

    // Assess
    expect(out.status).toBe('completed');
    expect(out.checks).toBe(7);
    expect(out.volumes.map((v) => [v.volumeId, v.completedAt])).toEqual([[ROOT_COPY, iso(0)], [DATA_COPY, iso(5400)]]);
    expect(out.volumes.some((v) => v.expectedCompletionAt)).toBe(false);
    expect(out.note).toMatch(/full performance/);
  });

  it('still-initializing at the last read of the budget: not a failure, with when EC2 expects it to finish', async () => {
    // Prepare: the 20th read of 20
    jest.setSystemTime(after(86_400));
    ec2.on(DescribeVolumeStatusCommand).resolves({ VolumeStatuses: [status(ROOT_COPY, 'completed', 100, 0), status(DATA_COPY, 'initializing', 90, 7200)] });

    // Act
    const out = await handler({ previous: previousRead({ checks: 19 }) });

    // Assess
    expect(out.status).toBe('still-initializing');
    expect(out.checks).toBe(20);
    expect(out.note).toContain('not a failure');
    expect(out.note).toContain(`EC2 expects the last one to finish by ${iso(86_400 + 7200)}`);
    expect(out.note).toContain(`aws ec2 describe-volume-status --volume-ids ${ROOT_COPY} ${DATA_COPY}`);
  });

  it('lets an EC2 error through (the state machine records it and ends the follow-up)', async () => {
    ec2.on(DescribeVolumeStatusCommand).rejects(awsError('RequestLimitExceeded'));
    await expect(handler({ previous: previousRead() })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
