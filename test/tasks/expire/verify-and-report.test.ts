import { DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as verify } from '../../../tasks/expire/verify-expired';
import { FORENSIC_NOTE, handler as report } from '../../../tasks/expire/build-expiry-report';
import { handler as validate } from '../../../tasks/expire/validate-input';
import { judge } from '../../../tasks/expire/lib/judge';
import type { DeleteResult, ExpiryPlan } from '../../../tasks/expire/lib/types';
import { freezeTime } from '../fixtures';
import { EXECUTION, NOW, ORIGINAL, safeOriginal, snap, vol } from './fixtures';

const ec2 = mockClient(EC2Client);
const deleted = (result: 'deleted' | 'already-gone' = 'deleted'): DeleteResult => ({
  deleted: [{ resourceId: ORIGINAL, resourceType: 'volume', result, at: NOW.toISOString() }, { resourceId: 'snap-01', resourceType: 'snapshot', result, at: NOW.toISOString() }],
  refused: [],
});

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('verify-expired', () => {
  it('passes when each is gone, or a volume is deleting', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [vol(ORIGINAL, 'deleting')] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });

    expect(await verify({ deleted: deleted() })).toEqual({ verified: 2, at: NOW.toISOString() });
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, { Filters: [{ Name: 'volume-id', Values: [ORIGINAL] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: ['snap-01'] }] });
  });

  it('fails with VerificationFailedError naming each one still there', async () => {
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [vol(ORIGINAL, 'available')] });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snap('snap-01')] });

    await expect(verify({ deleted: deleted() })).rejects.toMatchObject({
      name: 'VerificationFailedError', message: `not deleted as reported: volume ${ORIGINAL} is still available; snapshot snap-01 still exists (completed)`,
    });
  });
});

describe('build-expiry-report', () => {
  const plan = (outcome: ExpiryPlan['outcome']): ExpiryPlan => ({ ...judge(safeOriginal(), NOW), outcome, region: 'us-east-1', checkedAt: NOW.toISOString() });
  const request = (mode: 'apply' | 'plan') => ({ mode, trigger: { source: 'eventbridge' as const } });

  it('reports each deletion with the resource\'s description before it and why it was safe', async () => {
    const out = await report({ request: request('apply'), execution: EXECUTION, plan: plan('PROCEED'), work: { deleted: { ...deleted(), deleted: deleted().deleted.slice(0, 1) } } });

    expect(out).toMatchObject({ workflow: 'expire-retained', target: 'us-east-1', outcome: 'REMEDIATED', refused: [], deferred: [], notYetDue: [], forensicSnapshots: FORENSIC_NOTE });
    expect(out.actions).toEqual([{
      action: 'delete-volume', resourceId: ORIGINAL, at: NOW.toISOString(), after: { state: 'deleted' },
      before: { kind: 'original-volume', retainUntil: '2026-02-01', why: expect.stringMatching(/^its replacement /), description: expect.objectContaining({ VolumeId: ORIGINAL, State: 'available' }) },
    }]);
    expect(out.wouldDelete).toBeUndefined();
  });

  it('is NO_ACTION when everything planned was already gone, and adds the refusals of the delete step to the plan\'s', async () => {
    const refusal = { resourceId: ORIGINAL, resourceType: 'volume' as const, kind: 'original-volume' as const, retainUntil: '2026-02-01', reason: 'changed since the plan: x' };

    const out = await report({ request: request('apply'), execution: EXECUTION, plan: plan('PROCEED'), work: { deleted: { deleted: deleted('already-gone').deleted.slice(1), refused: [refusal] } } });

    expect([out.outcome, out.actions.map((a) => a.after), out.refused]).toEqual(['NO_ACTION', [{ state: 'already-gone' }], [refusal]]);
  });

  it('in plan mode lists what would go and makes no action', async () => {
    const out = await report({ request: request('plan'), execution: EXECUTION, plan: plan('PLANNED'), work: { deleted: { deleted: [], refused: [] } } });

    expect([out.outcome, out.actions, out.wouldDelete?.map((d) => d.resourceId)]).toEqual(['PLANNED', [], [ORIGINAL]]);
  });
});

describe('validate-input', () => {
  it('fills in apply mode and a console trigger', async () => {
    const out = await validate({ input: {}, execution: EXECUTION });

    expect(out.request).toEqual({ mode: 'apply', trigger: { source: 'console', claimed: true } });
  });

  it.each([
    [{ mode: 'delete' }, /^invalid input: mode: /],
    [{ retentionDays: 1 }, /^invalid input: \(input\): unknown field\(s\) "retentionDays"$/],
    [{ trigger: { source: 'pager' } }, /^invalid input: trigger\.source: /],
  ])('refuses %j with InvalidInputError naming the field', async (input, message) => {
    await expect(validate({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });
});
