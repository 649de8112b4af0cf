import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { DisableKeyCommand } from '@aws-sdk/client-kms';
import { States } from '../../workflows/encrypt-volumes';
import { SETTLED_AT_ONCE, lockedFailure, mutatingCalls, startHarness, statesEntered, withLockCalls, type Harness } from './harness';

let h: Harness;
let keyArn: string;

beforeAll(async () => {
  h = await startHarness();
  keyArn = await h.seeder.createKey('alias/refusal-test');
});
afterAll(() => h.moto.stop());

const server = (name: string) =>
  h.seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });

/**
 * A refused run ends FAILED with the given error before any state that changes something, having made
 * no mutating call but the lock's own; refused by preflight, it has taken the lock and released it.
 */
async function expectRefused(
  input: Record<string, unknown>, error: string, message: RegExp, by: 'validation' | 'preflight' = 'preflight',
  calls = by === 'validation' ? [] : withLockCalls('instance'),
) {
  const execution = await h.run(input);
  expect(execution.status).toBe('FAILED');
  expect(execution.error).toBe(error);
  expect(execution.cause).toMatch(message);
  expect(mutatingCalls(execution)).toEqual(calls);
  expect(statesEntered(execution)).toEqual(by === 'validation' ? [States.validateInput] : lockedFailure(...SETTLED_AT_ONCE, States.preflight));
  return execution;
}

describe('bad input is refused before anything is read or changed', () => {
  it.each([
    [{ instanceId: 'i-123' }, /instanceId: must look like i-0123456789abcdef0/],
    [{ instanceId: 'i-0123456789abcdef0', colour: 'red' }, /unknown field\(s\) "colour"/],
    [{ instanceId: 'i-0123456789abcdef0', allowStop: 'yes' }, /allowStop/],
    [{ instanceId: 'i-0123456789abcdef0', strategy: 'fast' }, /strategy/],
    [{ instanceId: 'i-0123456789abcdef0', kmsKeyId: 'my key' }, /kmsKeyId: must be a KMS key id/],
    [{}, /instanceId: is required/],
  ])('input %j fails with InvalidInputError', async (input, message) => {
    const execution = await expectRefused(input, 'InvalidInputError', message, 'validation');
    expect(execution.faults.callLog).toEqual([]);
  });
});

describe('the account state is checked before anything is changed', () => {
  it('refuses an instance excluded by tag', async () => {
    const seeded = await server('excluded');
    await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [seeded.instanceId], Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }));
    await expectRefused({ instanceId: seeded.instanceId, allowStop: true }, 'PreconditionFailedError', /excluded by tag remediation:exclude=true/);
  });

  it('refuses an Auto Scaling group member', async () => {
    const seeded = await server('asg-member');
    await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [seeded.instanceId], Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web-asg' }] }));
    await expectRefused({ instanceId: seeded.instanceId, allowStop: true }, 'PreconditionFailedError', /Auto Scaling group web-asg/);
  });

  it('refuses to stop a running instance without allowStop', async () => {
    const seeded = await server('no-stop');
    await expectRefused({ instanceId: seeded.instanceId, kmsKeyId: keyArn }, 'PreconditionFailedError', /allowStop: true/);
    expect((await h.seeder.describe(seeded.instanceId)).State?.Name).toBe('running');
  });

  it('refuses volumeIds that are not attached to the instance', async () => {
    const seeded = await server('wrong-volume');
    await expectRefused(
      { instanceId: seeded.instanceId, allowStop: true, volumeIds: ['vol-0123456789abcdef0'] },
      'PreconditionFailedError',
      /volumeIds not attached to .*: vol-0123456789abcdef0/,
    );
  });

  it('refuses a disabled key and a key that does not exist', async () => {
    const seeded = await server('bad-key');
    const disabled = await h.seeder.createKey('alias/disabled');
    // moto's DisableKey takes the bare key id, not the ARN.
    await h.seeder.kms.send(new DisableKeyCommand({ KeyId: disabled.split('/').pop() }));
    await expectRefused({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: 'alias/disabled' }, 'PreconditionFailedError', /is Disabled/);
    await expectRefused({ instanceId: seeded.instanceId, allowStop: true, kmsKeyId: 'alias/missing' }, 'PreconditionFailedError', /does not exist/);
  });

  it('reports an unknown instance as not found', async () => {
    // The lock tag could not be set on it, and the release (which finds what carries the tag) finds nothing to untag.
    await expectRefused({ instanceId: 'i-0123456789abcdef0', allowStop: true }, 'ResourceNotFoundError', /i-0123456789abcdef0 not found/, 'preflight',
      ['dynamodb:PutItem', 'ec2:CreateTags', 'dynamodb:DeleteItem']);
  });
});
