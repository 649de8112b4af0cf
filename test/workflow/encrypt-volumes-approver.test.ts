import type { Report } from '../../tasks/ebs/build-report';
import type { LocalExecution } from '../../local/runner';
import type { LocalIdentity } from '../../local/identities';
import { signIdentityProof } from '../../tasks/lib/identity/sign';
import { States } from '../../workflows/encrypt-volumes';
import { SkeletonStates } from '../../workflows/lib/skeleton';
import { SETTLED_AT_ONCE, lockedFailure, mutatingCalls, startHarness, statesEntered, volumeAt, withLockCalls, type Harness } from './harness';

// Who approved is who signed the answer's identity proof (STS GetCallerIdentity presigned for
// approve:<execution>), verified against the emulator; who started it, likewise from the trigger's proof.
let h: Harness;
let alice: LocalIdentity;
let bob: LocalIdentity;
beforeAll(async () => {
  h = await startHarness();
  const { localIdentity } = await import('../../local/identities');
  alice = await localIdentity('alice');
  bob = await localIdentity('bob');
});
afterAll(() => h.moto.stop());

const server = (name: string) => h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
let sequence = 0;
/** A name of our own, so a proof can be bound to the execution's ARN before it starts. */
const named = (instanceId: string) => {
  const name = `encrypt-volumes-${instanceId}-approver-${++sequence}`;
  return { name, arn: `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${name}` };
};
/** The output of the first exit of `state`, as the history keeps it. */
const exitOutput = (execution: LocalExecution, state: string) => execution.events.find((e) => e.type === 'StateExited' && e.state === state)?.output as Record<string, unknown> | undefined;
const REJECTED_BEFORE_ANY_CHANGE = [...SETTLED_AT_ONCE, States.preflight, States.initWork, States.routeByPlan, SkeletonStates.lockResources, SkeletonStates.routeAfterLock,
  States.requestApproval, States.requestApprovalAnswered, States.requestApprovalVerifyApprover, States.requestApprovalRejected];

async function expectNothingChanged(execution: LocalExecution, instanceId: string, original: string | undefined) {
  expect(statesEntered(execution)).toEqual(lockedFailure(...REJECTED_BEFORE_ANY_CHANGE));
  expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
  expect((await h.seeder.describe(instanceId)).State?.Name).toBe('running');
  expect((await volumeAt(h.seeder, instanceId, '/dev/sdf')).volume.VolumeId).toBe(original);
}

describe('the approver of encrypt-volumes, from the identity proof', () => {
  it('approved with a valid proof: the verified approver is in the report and the history, the trigger proven', async () => {
    const seeded = await server('proven');
    const { name, arn } = named(seeded.instanceId);
    const proof = await signIdentityProof('start', arn, { credentials: alice.credentials });

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, trigger: { source: 'cli', principal: 'someone-else', proof } }, {
      executionName: name, approver: async () => ({ approved: true, as: bob, reason: 'CHG-42' }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as Report;
    expect(report.trigger).toEqual({ source: 'cli', principal: alice.arn, verified: true });
    expect(report.approval).toEqual({
      approved: true, approver: bob.arn, approverPrincipal: bob.arn, verifiedAt: expect.any(String), reason: 'CHG-42', requester: alice.arn,
    });
    expect((exitOutput(execution, States.requestApprovalVerifyApprover)?.work as { approval: unknown }).approval).toEqual(report.approval);
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
  });

  it('the requester approving their own request is a rejection, nothing changed', async () => {
    const seeded = await server('self-approved');
    const { name, arn } = named(seeded.instanceId);
    const proof = await signIdentityProof('start', arn, { credentials: alice.credentials });

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, trigger: { source: 'cli', proof } }, {
      executionName: name, approver: async () => ({ approved: true, as: alice }),
    });

    expect(execution.error).toBe('ApprovalRejected');
    expect(execution.cause).toBe(`the requester cannot approve their own request (${alice.arn} started this execution): treated as rejected; nothing was changed`);
    await expectNothingChanged(execution, seeded.instanceId, seeded.volumes['/dev/sdf']);
  });

  it.each([
    ['no proof', { taskSuccess: { approved: true, principal: 'arn:aws:iam::123456789012:user/ciso' } },
      /no valid identity proof \(no identity proof \(an STS GetCallerIdentity request presigned by the caller\)\)/],
    ['an expired proof', { approved: true, proof: { signingDate: new Date(Date.now() - 600_000), expiresInSeconds: 60 } }, /the identity proof expired at /],
    ['a proof bound to another execution', { approved: true, proof: { bindTo: 'arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:another' } },
      /STS refused the identity proof \(SignatureDoesNotMatch\)/],
  ] as const)('an approval with %s is a rejection, nothing changed', async (_, answer, cause) => {
    const seeded = await server(`proof-${_.replace(/\W/g, '')}`);

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, { approver: async () => answer as never });

    expect(execution.error).toBe('ApprovalRejected');
    expect(execution.cause).toMatch(cause);
    expect(execution.cause).toMatch(/: treated as rejected; nothing was changed$/);
    await expectNothingChanged(execution, seeded.instanceId, seeded.volumes['/dev/sdf']);
  });

  it('a trigger without a proof is kept but claimed, and its principal is no requester: that principal may approve', async () => {
    const seeded = await server('claimed');

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true, trigger: { source: 'eventbridge', principal: alice.arn } }, {
      approver: async () => ({ approved: true, as: alice }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    const report = execution.output as Report;
    expect(report.trigger).toEqual({ source: 'eventbridge', principal: alice.arn, claimed: true });
    expect(report.approval).toMatchObject({ approver: alice.arn });
    expect(report.approval).not.toHaveProperty('requester');
  });

  it('a trigger proof bound to another execution proves nothing: claimed, with the reason', async () => {
    const seeded = await server('replayed-trigger');
    const proof = await signIdentityProof('start', named('i-other').arn, { credentials: alice.credentials });

    const execution = await h.run({ instanceId: seeded.instanceId, mode: 'plan', trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:role/ciso', proof } });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).trigger).toEqual({
      source: 'cli', principal: 'arn:aws:iam::123456789012:role/ciso', claimed: true, unverified: expect.stringMatching(/SignatureDoesNotMatch/),
    });
    expect(statesEntered(execution)[0]).toBe(SkeletonStates.validateInput);
  });

  it('STS not answering the proof is retried, never taken for a verdict', async () => {
    const seeded = await server('sts-down-once');

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, {
      faults: { failCall: { command: 'GetCallerIdentity', nth: 1, errorName: 'ServiceUnavailable', message: 'STS unavailable (injected)' } },
      approver: async () => ({ approved: true, as: bob }),
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.faults.injected).toEqual([expect.objectContaining({ fault: 'fail', command: 'sts:GetCallerIdentity' })]);
    expect(execution.invocations['tasks/approval/verify-approver.ts']).toBe(2);
    expect((execution.output as Report).approval).toMatchObject({ approver: bob.arn });
  });
});
