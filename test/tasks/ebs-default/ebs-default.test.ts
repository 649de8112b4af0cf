import {
  DisableEbsEncryptionByDefaultCommand, EC2Client, EnableEbsEncryptionByDefaultCommand, GetEbsDefaultKmsKeyIdCommand, GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand, ResetEbsDefaultKmsKeyIdCommand,
} from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KEY_ARN, awsError } from '../fixtures';
import { handler as validate } from '../../../tasks/ebs-default/validate-ebs-default-input';
import { handler as plan, type EbsDefaultPlan } from '../../../tasks/ebs-default/plan-ebs-default';
import { handler as enable } from '../../../tasks/ebs-default/enable-encryption-by-default';
import { handler as setKey } from '../../../tasks/ebs-default/set-default-kms-key';
import { handler as verify } from '../../../tasks/ebs-default/verify-ebs-default';
import { handler as restore } from '../../../tasks/ebs-default/restore-ebs-default';
import { handler as report } from '../../../tasks/ebs-default/build-ebs-default-report';

const ec2 = mockClient(EC2Client);
const kms = mockClient(KMSClient);
beforeEach(() => {
  ec2.reset();
  kms.reset();
});

const EXECUTION = { name: 'enable-ebs-encryption-by-default-account-20260301T120000Z', startTime: '2026-03-01T12:00:00Z' };
const MANAGED_ARN = 'arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-0000-0000-0000-000000000000';
const request = (over: Record<string, unknown> = {}) => ({ mode: 'apply' as const, trigger: { source: 'console' as const }, ...over });
const region = (enabled: boolean, kmsKeyId = 'alias/aws/ebs') => {
  ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: enabled });
  ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: kmsKeyId });
};
const key = (KeyId: string, Arn: string, over: Record<string, unknown> = {}) =>
  kms.on(DescribeKeyCommand, { KeyId }).resolves({ KeyMetadata: { KeyId: Arn, Arn, KeyState: 'Enabled', KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', ...over } });
const planOf = (over: Partial<EbsDefaultPlan> = {}): EbsDefaultPlan => ({
  outcome: 'PROCEED', region: 'us-east-1', before: { encryptionByDefault: false, kmsKeyId: 'alias/aws/ebs', kmsKeyArn: MANAGED_ARN },
  desired: { encryptionByDefault: true, kmsKeyArn: KEY_ARN }, changes: ['enable-encryption-by-default', 'set-default-kms-key'], warnings: [], ...over,
});

describe('validate-ebs-default-input', () => {
  it.each([
    [{ kmsKeyId: 'not a key' }, /kmsKeyId: must be a KMS key id/],
    [{ kmsKeyId: 'alias/ebs', extra: 1 }, /unknown field\(s\) "extra"/],
    [{ mode: 'dry-run' }, /mode:/],
  ])('refuses %j naming the field', async (input, message) => {
    await expect(validate({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });

  it('accepts {} with the defaults', async () => {
    expect((await validate({ input: {}, execution: EXECUTION })).request).toMatchObject({ mode: 'apply', trigger: { source: 'console' } });
  });
});

describe('plan-ebs-default', () => {
  it('off with the AWS managed key, a key given: both changes, and the warning about who creates volumes', async () => {
    region(false);
    key('alias/ebs', KEY_ARN);
    key('alias/aws/ebs', MANAGED_ARN);

    const out = await plan({ request: request({ kmsKeyId: 'alias/ebs' }), execution: EXECUTION });

    expect(out).toMatchObject({
      outcome: 'PROCEED', region: 'us-east-1', changes: ['enable-encryption-by-default', 'set-default-kms-key'],
      before: { encryptionByDefault: false, kmsKeyId: 'alias/aws/ebs', kmsKeyArn: MANAGED_ARN }, desired: { encryptionByDefault: true, kmsKeyArn: KEY_ARN },
    });
    expect(out.warnings).toHaveLength(2);
    expect(out.warnings[0]).toContain(`every new EBS volume in this region is encrypted with ${KEY_ARN}`);
    expect(ec2).not.toHaveReceivedCommand(EnableEbsEncryptionByDefaultCommand);
  });

  it('no key given: keeps the current one, only enabling; plan mode PLANNED', async () => {
    region(false, KEY_ARN);
    key(KEY_ARN, KEY_ARN);

    const out = await plan({ request: request({ mode: 'plan' }), execution: EXECUTION });

    expect(out).toMatchObject({ outcome: 'PLANNED', changes: ['enable-encryption-by-default'], desired: { kmsKeyArn: KEY_ARN } });
  });

  it('already on with the wanted key (named by alias): NO_ACTION, no warning', async () => {
    region(true, KEY_ARN);
    key('alias/ebs', KEY_ARN);
    key(KEY_ARN, KEY_ARN);

    expect(await plan({ request: request({ kmsKeyId: 'alias/ebs' }), execution: EXECUTION })).toMatchObject({ outcome: 'NO_ACTION', changes: [], warnings: [] });
  });

  it('a current key that no longer resolves is replaced', async () => {
    region(true, 'arn:aws:kms:us-east-1:111122223333:key/gone');
    key('alias/ebs', KEY_ARN);
    kms.on(DescribeKeyCommand, { KeyId: 'arn:aws:kms:us-east-1:111122223333:key/gone' }).rejects(awsError('NotFoundException'));

    const out = await plan({ request: request({ kmsKeyId: 'alias/ebs' }), execution: EXECUTION });
    expect(out).toMatchObject({ outcome: 'PROCEED', changes: ['set-default-kms-key'] });
    expect(out.before.kmsKeyArn).toBeUndefined();
  });

  it.each([
    [{ KeyState: 'Disabled' }, /is Disabled, not Enabled/],
    [{ KeyState: 'PendingDeletion' }, /is PendingDeletion/],
    [{ KeyUsage: 'SIGN_VERIFY' }, /EBS needs ENCRYPT_DECRYPT/],
    [{ KeySpec: 'RSA_2048' }, /EBS needs a symmetric key/],
  ])('refuses a key EBS cannot use (%j): PreconditionFailedError', async (metadata, message) => {
    region(false);
    key('alias/ebs', KEY_ARN, metadata);
    await expect(plan({ request: request({ kmsKeyId: 'alias/ebs' }), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringMatching(message) });
  });

  it('refuses a key that does not exist', async () => {
    region(false);
    kms.on(DescribeKeyCommand).rejects(awsError('NotFoundException'));
    await expect(plan({ request: request({ kmsKeyId: 'alias/missing' }), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError', message: 'KMS key alias/missing does not exist' });
  });

  it('rethrows throttling for the Retry', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).rejects(awsError('RequestLimitExceeded'));
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: KEY_ARN });
    await expect(plan({ request: request(), execution: EXECUTION })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('enable-encryption-by-default and set-default-kms-key', () => {
  it('enable: calls EnableEbsEncryptionByDefault when still off; a re-run finds it on and changes nothing', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolvesOnce({ EbsEncryptionByDefault: false }).resolves({ EbsEncryptionByDefault: true });
    ec2.on(EnableEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });

    expect(await enable({ plan: planOf() })).toMatchObject({ status: 'changed' });
    expect(await enable({ plan: planOf() })).toMatchObject({ status: 'unchanged' });
    expect(ec2).toHaveReceivedCommandTimes(EnableEbsEncryptionByDefaultCommand, 1);
  });

  it('enable: nothing when the plan does not ask for it', async () => {
    expect(await enable({ plan: planOf({ changes: ['set-default-kms-key'] }) })).toMatchObject({ status: 'unchanged' });
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('set key: ModifyEbsDefaultKmsKeyId with the planned ARN; a re-run finds it set', async () => {
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolvesOnce({ KmsKeyId: 'alias/aws/ebs' }).resolves({ KmsKeyId: KEY_ARN });
    ec2.on(ModifyEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: KEY_ARN });

    expect(await setKey({ plan: planOf() })).toMatchObject({ status: 'changed', kmsKeyId: KEY_ARN });
    expect(await setKey({ plan: planOf() })).toMatchObject({ status: 'unchanged', kmsKeyId: KEY_ARN });
    expect(ec2).toHaveReceivedCommandTimes(ModifyEbsDefaultKmsKeyIdCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(ModifyEbsDefaultKmsKeyIdCommand, { KmsKeyId: KEY_ARN });
  });

  it('set key: a refusal is thrown (the state machine rolls back)', async () => {
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: 'alias/aws/ebs' });
    ec2.on(ModifyEbsDefaultKmsKeyIdCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(setKey({ plan: planOf() })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('verify-ebs-default', () => {
  it('on, with the planned key: the settings as read', async () => {
    region(true, KEY_ARN);
    expect(await verify({ plan: planOf() })).toMatchObject({ encryptionByDefault: true, kmsKeyId: KEY_ARN, kmsKeyArn: KEY_ARN });
    expect(kms).not.toHaveReceivedAnyCommand();
  });

  it('still off, or another key: VerificationFailedError', async () => {
    region(false, KEY_ARN);
    await expect(verify({ plan: planOf() })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('still reports false') });
    ec2.reset();
    region(true, 'alias/aws/ebs');
    key('alias/aws/ebs', MANAGED_ARN);
    await expect(verify({ plan: planOf() })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining(`not ${KEY_ARN}`) });
  });
});

describe('restore-ebs-default', () => {
  const error = { Error: 'UnauthorizedOperation', Cause: 'denied' };

  it('the AWS managed key was the default and encryption was off: resets the key and disables again, RemediationRolledBack', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolvesOnce({ EbsEncryptionByDefault: true }).resolves({ EbsEncryptionByDefault: false });
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolvesOnce({ KmsKeyId: KEY_ARN }).resolves({ KmsKeyId: 'alias/aws/ebs' });
    ec2.on(ResetEbsDefaultKmsKeyIdCommand).resolves({});
    ec2.on(DisableEbsEncryptionByDefaultCommand).resolves({});

    const out = await restore({ plan: planOf(), execution: EXECUTION, error });

    expect(out.error).toBe('RemediationRolledBack');
    expect(JSON.parse(out.cause)).toMatchObject({
      restored: true, whatToDo: [], error: { error: 'UnauthorizedOperation', cause: 'denied' },
      undone: [{ action: 'restore-default-kms-key', status: 'restored' }, { action: 'disable-encryption-by-default', status: 'restored' }],
    });
    expect(ec2).not.toHaveReceivedCommand(ModifyEbsDefaultKmsKeyIdCommand);
  });

  it('a customer key was the default and encryption was on: modifies back to it and never disables', async () => {
    const prior = 'arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-0000-0000-0000-000000000000';
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolvesOnce({ KmsKeyId: KEY_ARN }).resolves({ KmsKeyId: prior });
    ec2.on(ModifyEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: prior });

    const out = await restore({ plan: planOf({ before: { encryptionByDefault: true, kmsKeyId: prior, kmsKeyArn: prior }, changes: ['set-default-kms-key'] }), execution: EXECUTION, error });

    expect(out.error).toBe('RemediationRolledBack');
    expect(ec2).toHaveReceivedCommandTimes(ModifyEbsDefaultKmsKeyIdCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(ModifyEbsDefaultKmsKeyIdCommand, { KmsKeyId: prior });
    expect(ec2).not.toHaveReceivedCommand(DisableEbsEncryptionByDefaultCommand);
  });

  it('nothing had changed (the first change failed): changes nothing, RemediationRolledBack', async () => {
    region(false);
    const out = await restore({ plan: planOf(), execution: EXECUTION, error });
    expect(out.error).toBe('RemediationRolledBack');
    expect(JSON.parse(out.cause).undone).toEqual([]);
  });

  it('a step that fails is reported, the other still attempted: RollbackFailedError with what to do', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    ec2.on(GetEbsDefaultKmsKeyIdCommand).resolves({ KmsKeyId: 'alias/aws/ebs' });
    ec2.on(DisableEbsEncryptionByDefaultCommand).rejects(awsError('UnauthorizedOperation', 'denied'));

    const out = await restore({ plan: planOf(), execution: EXECUTION, error });

    expect(out.error).toBe('RollbackFailedError');
    expect(JSON.parse(out.cause)).toMatchObject({
      restored: false, whatToDo: ['aws ec2 disable-ebs-encryption-by-default'],
      undone: [{ action: 'disable-encryption-by-default', status: 'failed', error: 'UnauthorizedOperation: denied' }],
    });
  });
});

describe('build-ebs-default-report', () => {
  const at = '2026-03-01T12:00:01.000Z';

  it('apply: before, after as verified, and each change made', async () => {
    const verified = { encryptionByDefault: true, kmsKeyId: KEY_ARN, kmsKeyArn: KEY_ARN, at };
    const out = await report({
      request: request(), execution: EXECUTION, plan: planOf(),
      work: { enabled: { status: 'changed', at }, key: { status: 'changed', kmsKeyId: KEY_ARN, at }, verified },
    });
    expect(out).toMatchObject({
      workflow: 'enable-ebs-encryption-by-default', target: 'us-east-1', outcome: 'REMEDIATED', before: planOf().before, after: verified,
      changes: ['enable-encryption-by-default', 'set-default-kms-key'],
    });
    expect(out.actions).toEqual([
      { action: 'enable-ebs-encryption-by-default', resourceId: 'us-east-1', before: { encryptionByDefault: false }, after: { encryptionByDefault: true }, at },
      { action: 'set-ebs-default-kms-key', resourceId: 'us-east-1', before: { kmsKeyId: 'alias/aws/ebs' }, after: { kmsKeyId: KEY_ARN }, at },
    ]);
  });

  it('a step that found the setting already made (a retry) is no action; plan: what apply would set, no actions', async () => {
    const retried = await report({
      request: request(), execution: EXECUTION, plan: planOf(),
      work: { enabled: { status: 'unchanged', at }, key: { status: 'changed', kmsKeyId: KEY_ARN, at }, verified: { encryptionByDefault: true, kmsKeyId: KEY_ARN, kmsKeyArn: KEY_ARN, at } },
    });
    expect(retried.actions.map((a) => a.action)).toEqual(['set-ebs-default-kms-key']);
    const planned = await report({ request: request({ mode: 'plan' }), execution: EXECUTION, plan: planOf({ outcome: 'PLANNED' }), work: {} });
    expect(planned).toMatchObject({ outcome: 'PLANNED', actions: [], after: { encryptionByDefault: true, kmsKeyArn: KEY_ARN } });
  });
});
