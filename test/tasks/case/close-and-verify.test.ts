import { CASE, EXECUTION, closurePlan, forensic, request } from './fixtures';
import { CreateTagsCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as close } from '../../../tasks/case/close-snapshots';
import { handler as verify } from '../../../tasks/case/verify-closure';
import { handler as report } from '../../../tasks/case/build-close-report';
import { handler as validate } from '../../../tasks/case/validate-close-input';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
const NOW = new Date('2026-12-01T12:00:00.000Z');
beforeAll(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] }));
afterAll(() => jest.useRealTimers());

describe('close-snapshots', () => {
  it('tags each planned snapshot case-closed (now) and retain-until (now + RETAIN_DAYS), only those two keys', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [forensic('snap-0a'), forensic('snap-0b')] });
    ec2.on(CreateTagsCommand).resolves({});

    const out = await close({ plan: closurePlan({ toClose: [{ snapshotId: 'snap-0a', tags: {} }, { snapshotId: 'snap-0b', tags: {} }] }) });

    const after = { caseClosed: NOW.toISOString(), retainUntil: '2026-12-08' };
    expect(out).toEqual({ closedAt: NOW.toISOString(), skipped: [], closed: [
      { snapshotId: 'snap-0a', before: {}, after, at: NOW.toISOString() }, { snapshotId: 'snap-0b', before: {}, after, at: NOW.toISOString() },
    ] });
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 2);
    expect(ec2).toHaveReceivedNthCommandWith(2, CreateTagsCommand, {
      Resources: ['snap-0a'], Tags: [{ Key: 'remediation:case-closed', Value: NOW.toISOString() }, { Key: 'remediation:retain-until', Value: '2026-12-08' }],
    });
  });

  it('re-checks first: one put on hold, closed (a retry) or gone since the plan is skipped with its reason, untouched', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [
      forensic('snap-0held', { 'remediation:hold': 'true' }), forensic('snap-0closed', { 'remediation:case-closed': '2026-12-01T11:59:00.000Z' }),
    ] });

    const out = await close({ plan: closurePlan({ toClose: ['snap-0held', 'snap-0closed', 'snap-0gone'].map((snapshotId) => ({ snapshotId, tags: {} })) }) });

    expect(out.skipped).toEqual([
      { snapshotId: 'snap-0held', reason: 'tagged remediation:hold=true since the plan: not changed' },
      { snapshotId: 'snap-0closed', reason: 'already closed at 2026-12-01T11:59:00.000Z' },
      { snapshotId: 'snap-0gone', reason: 'no longer exists' },
    ]);
    expect(ec2).not.toHaveReceivedCommand(CreateTagsCommand);
  });
});

describe('verify-closure', () => {
  const closed = { closedAt: NOW.toISOString(), skipped: [], closed: [{ snapshotId: 'snap-0a', before: {}, after: { caseClosed: NOW.toISOString(), retainUntil: '2026-12-08' }, at: NOW.toISOString() }] };

  it('re-reads each snapshot reported closed and passes when its tags are as set', async () => {
    ec2.on(DescribeSnapshotsCommand, { SnapshotIds: ['snap-0a'] }).resolves({ Snapshots: [forensic('snap-0a', { 'remediation:case-closed': NOW.toISOString(), 'remediation:retain-until': '2026-12-08' })] });

    expect(await verify({ closed })).toEqual({ verified: 1, at: NOW.toISOString() });
  });

  it('fails VerificationFailedError when a tag is not as reported', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [forensic('snap-0a', { 'remediation:case-closed': NOW.toISOString() })] });

    await expect(verify({ closed })).rejects.toMatchObject({
      name: 'VerificationFailedError', message: `case snapshots not closed as reported: snap-0a carries case-closed=${NOW.toISOString()}, retain-until=undefined`,
    });
  });
});

describe('build-close-report', () => {
  it('one close-case-snapshot action per snapshot, tags before and after, with the reason and the force note', async () => {
    const after = { caseClosed: NOW.toISOString(), retainUntil: '2026-12-08' };
    const out = await report({
      request: request({ force: true }), execution: EXECUTION, plan: closurePlan({ principalStillContained: 'alice: keys Inactive' }),
      work: { closed: { closedAt: NOW.toISOString(), skipped: [], closed: [{ snapshotId: 'snap-0a', before: {}, after, at: NOW.toISOString() }] } },
    });

    expect(out).toMatchObject({
      workflow: 'close-case', target: CASE, caseId: CASE, outcome: 'REMEDIATED', reason: 'investigation done: no data taken', closedAt: NOW.toISOString(),
      actions: [{ action: 'close-case-snapshot', resourceId: 'snap-0a', before: {}, after, at: NOW.toISOString() }],
      alreadyClosed: [], held: [], skipped: [], principalStillContained: 'alice: keys Inactive',
    });
  });

  it('a proceeding run that marked nothing (all skipped on the re-check) is NO_ACTION; plan mode lists what it would close', async () => {
    const skipped = { closedAt: NOW.toISOString(), closed: [], skipped: [{ snapshotId: 'snap-0a', reason: 'no longer exists' }] };
    expect((await report({ request: request(), execution: EXECUTION, plan: closurePlan(), work: { closed: skipped } })).outcome).toBe('NO_ACTION');
    const planned = await report({ request: request({ mode: 'plan' }), execution: EXECUTION, plan: closurePlan({ outcome: 'PLANNED' }), work: { closed: { closedAt: '', closed: [], skipped: [] } } });
    expect(planned).toMatchObject({ outcome: 'PLANNED', wouldClose: [{ snapshotId: 'snap-0a', tags: {} }], actions: [] });
    expect(planned).not.toHaveProperty('closedAt');
  });
});

describe('validate-close-input', () => {
  it('locks on <account>/<region>/close-case/<caseId>', async () => {
    const out = await validate({ input: { caseId: CASE, reason: 'done' }, execution: EXECUTION });

    expect(out.lockTarget).toBe(`111122223333/us-east-1/close-case/${CASE}`);
    expect(out.request).toMatchObject({ caseId: CASE, reason: 'done', force: false, approval: false, mode: 'apply' });
  });

  it.each([
    [{ caseId: CASE }, 'reason'], [{ caseId: CASE, reason: '   ' }, 'reason'], [{ caseId: CASE, reason: 'x'.repeat(501) }, 'reason'],
    [{ caseId: 'case with spaces', reason: 'done' }, 'caseId'], [{ reason: 'done' }, 'caseId'], [{ caseId: CASE, reason: 'done', extra: 1 }, 'extra'],
  ])('refuses %j naming %s', async (input, field) => {
    await expect(validate({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(field) });
  });
});
