import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Report } from '../../tasks/ebs/build-report';
import { States } from '../../workflows/encrypt-volumes';
import type { ApprovalRequest } from '../../local/runner';
import { DEFAULT_LOCAL_APPROVER } from '../../local/approvals';
import { signIdentityProof } from '../../tasks/lib/identity/sign';
import { expectBefore, mutatingCalls, startHarness, statesEntered, volumeAt, withLockCalls, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.moto.stop());

const proofOf = async (executionArn: string) => {
  const { localIdentity } = await import('../../local/identities');
  return signIdentityProof('approve', executionArn, { credentials: (await localIdentity(DEFAULT_LOCAL_APPROVER)).credentials });
};
const server = (name: string) => h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

describe('the approval gate of encrypt-volumes (input approval: true)', () => {
  it('asks before any change, with the plan and the commands that answer it; approved, it runs to the end', async () => {
    const seeded = await server('approved');
    const requests: ApprovalRequest[] = [];

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, {
      approver: async (request) => {
        requests.push(request);
        // Nothing has been changed while the question is open.
        expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.VolumeId).toBe(seeded.volumes['/dev/sdf']);
        // A principal in the answer is only a claim: the approver is who signed its identity proof.
        return { taskSuccess: { approved: true, principal: 'arn:aws:iam::123456789012:user/ciso', identityProof: await proofOf(request.executionArn) } };
      },
    });

    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as Report).outcome).toBe('REMEDIATED');
    expect((execution.output as Report).approval).toMatchObject({ approved: true, approver: 'arn:aws:iam::123456789012:user/local-approver' });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.state).toBe(States.requestApproval);
    expect(requests[0]?.payload).toMatchObject({
      workflow: 'encrypt-volumes', executionName: execution.name, executionArn: requests[0]?.executionArn, target: seeded.instanceId, timeoutSeconds: 86400,
    });
    expect(requests[0]?.executionArn).toBe(`arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${execution.name}`);
    expect(requests[0]?.payload.taskToken).toBe(`local-task-token:${execution.name}`);
    const path = statesEntered(execution);
    expectBefore(path, States.requestApproval, States.preCopySnapshots);
    expectBefore(execution.faults.callLog, 'sns:Publish', 'ec2:CreateSnapshot');
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
    const topics = (await new SNSClient({}).send(new ListTopicsCommand({}))).Topics ?? [];
    expect(topics.map((t) => t.TopicArn)).toEqual(expect.arrayContaining([expect.stringMatching(/ApprovalRequests/)]));
  });

  it('a rejection ends the execution FAILED with ApprovalRejected and the reason, having changed nothing', async () => {
    const seeded = await server('rejected');

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, {
      approver: async () => ({ approved: false, reason: 'change freeze until Monday', principal: 'arn:aws:iam::123456789012:user/bob' }),
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ApprovalRejected');
    expect(JSON.parse(execution.cause as string)).toMatchObject({ approved: false, reason: 'change freeze until Monday', principal: 'arn:aws:iam::123456789012:user/bob' });
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });

  it.each([
    ['"approved": false', { approved: false }],
    ['no "approved" field', { ok: true }],
    ['"approved" as a string', { approved: 'true' }],
  ])('a SendTaskSuccess whose output has %s is a rejection: FAILED ApprovalRejected, nothing changed', async (_, output) => {
    const seeded = await server(`answered-${JSON.stringify(output).replace(/\W/g, '')}`);

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, { approver: async () => ({ taskSuccess: output }) });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ApprovalRejected');
    expect(execution.cause).toBe('the answer did not say "approved": true: treated as rejected; nothing was changed');
    expect(statesEntered(execution)).toContain(States.requestApprovalNotApproved);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
    expect((await volumeAt(h.seeder, seeded.instanceId, '/dev/sdf')).volume.VolumeId).toBe(seeded.volumes['/dev/sdf']);
  });

  it('no answer within the timeout counts as a rejection', async () => {
    const seeded = await server('unanswered');

    const execution = await h.run({ instanceId: seeded.instanceId, approval: true }, { approver: async () => ({ timeout: true }) });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('ApprovalRejected');
    expect(execution.cause).toBe('no answer within 1 day: treated as rejected; nothing was changed');
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance and volumes', 'sns:Publish'));
  });

  it('without approval and without allowStop a running instance is still refused', async () => {
    const seeded = await server('neither');

    const execution = await h.run({ instanceId: seeded.instanceId });

    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toMatch(/allowStop: true \(or approval: true to be asked first\)/);
  });
});
