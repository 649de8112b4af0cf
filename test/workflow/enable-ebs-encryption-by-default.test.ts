import { DisableKeyCommand, CreateKeyCommand, CreateAliasCommand, KMSClient } from '@aws-sdk/client-kms';
import { DisableEbsEncryptionByDefaultCommand, EC2Client, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import type { EbsDefaultReport } from '../../tasks/ebs-default/build-ebs-default-report';
import { States } from '../../workflows/enable-ebs-encryption-by-default';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { locked, lockedFailure, mutatingCalls, planned, statesEntered, withLockCalls } from './harness';

// GIVEN a region with EBS encryption by default off (moto's default) and the AWS managed key as default,
// WHEN enable-ebs-encryption-by-default runs through the local runner, THEN the emulated region's settings are as asserted.
let moto: MotoServer;
let run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
let ec2: EC2Client;
let kms: KMSClient;
/** GetEbsDefaultKmsKeyId as the runs see it (moto lacks it: local/emulation/account-settings.ts answers). */
let defaultKey: () => Promise<string>;
/** The local stand-in for aws/ebs: what GetEbsDefaultKmsKeyId answers until a key is set. */
let awsManagedKey: string;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow } = await import('../../local/runner');
  const { Emulation } = await import('../../local/emulation');
  const { accountSettingsCall } = await import('../../local/emulation/account-settings');
  const emulation = new Emulation();
  run = (input, options) => runWorkflow('enable-ebs-encryption-by-default', input, options);
  ec2 = new EC2Client({});
  kms = new KMSClient({});
  const managed = async () => (await emulation.ebsDefaultKmsKeyId()).KmsKeyId;
  defaultKey = async () => ((await accountSettingsCall({ service: 'ec2', command: 'GetEbsDefaultKmsKeyId', input: {} }, async () => ({}), managed)) as { KmsKeyId: string }).KmsKeyId;
  awsManagedKey = await managed();
});
afterAll(() => moto.stop());
// Each case starts from the region as AWS leaves it: encryption off, the AWS managed key (ResetEbsDefaultKmsKeyId, emulated).
afterEach(async () => {
  const { accountSettingsCall } = await import('../../local/emulation/account-settings');
  await accountSettingsCall({ service: 'ec2', command: 'ResetEbsDefaultKmsKeyId', input: {} }, async () => ({}), async () => awsManagedKey);
  await ec2.send(new DisableEbsEncryptionByDefaultCommand({}));
});

const encryptionByDefault = async () => (await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault;
async function customerKey(alias: string): Promise<{ arn: string; id: string }> {
  const key = (await kms.send(new CreateKeyCommand({ Description: alias }))).KeyMetadata!;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));
  return { arn: key.Arn!, id: key.KeyId! };
}
const body = [States.planEbsDefault, States.initWork, States.routeByPlan];
const report = (e: LocalExecution) => e.output as EbsDefaultReport;

describe('enable-ebs-encryption-by-default', () => {
  it('plans without changing anything, applies the given key, verifies, and a re-run is NO_ACTION', async () => {
    const { arn: keyArn } = await customerKey('alias/ebs-default');

    const plan = await run({ kmsKeyId: 'alias/ebs-default', mode: 'plan' });
    expect(plan.status).toBe('SUCCEEDED');
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(...body, States.buildReport));
    expect(report(plan)).toMatchObject({
      outcome: 'PLANNED', target: 'us-east-1', changes: ['enable-encryption-by-default', 'set-default-kms-key'],
      before: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, after: { encryptionByDefault: true, kmsKeyArn: keyArn },
    });
    expect(report(plan).warnings[0]).toMatch(new RegExp(`every new EBS volume in this region is encrypted with ${keyArn}.*kms:CreateGrant`));
    expect(await encryptionByDefault()).toBe(false);

    const apply = await run({ kmsKeyId: 'alias/ebs-default' });
    expect(apply.status).toBe('SUCCEEDED');
    expect(statesEntered(apply)).toEqual(locked(...body, States.enableEncryptionByDefault, States.setDefaultKmsKey, States.verifyEbsDefault, States.buildReport));
    expect(mutatingCalls(apply)).toEqual(withLockCalls('account', 'ec2:EnableEbsEncryptionByDefault', 'ec2:ModifyEbsDefaultKmsKeyId'));
    expect(await encryptionByDefault()).toBe(true);
    expect(await defaultKey()).toBe(keyArn);
    expect(report(apply)).toMatchObject({
      outcome: 'REMEDIATED', before: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, after: { encryptionByDefault: true, kmsKeyId: keyArn, kmsKeyArn: keyArn },
    });
    expect(report(apply).actions.map((a) => [a.action, a.before, a.after])).toEqual([
      ['enable-ebs-encryption-by-default', { encryptionByDefault: false }, { encryptionByDefault: true }],
      ['set-ebs-default-kms-key', { kmsKeyId: awsManagedKey }, { kmsKeyId: keyArn }],
    ]);

    const again = await run({ kmsKeyId: keyArn });
    expect(again.status).toBe('SUCCEEDED');
    expect(report(again)).toMatchObject({ outcome: 'NO_ACTION', changes: [], actions: [] });
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
  });

  it('puts back the prior settings when setting the key fails after enabling: FAILED RemediationRolledBack', async () => {
    await customerKey('alias/ebs-rollback');

    const execution = await run({ kmsKeyId: 'alias/ebs-rollback' }, {
      // A permanent refusal (a transient InternalError is retried and the run succeeds).
      faults: { failCall: { command: 'ModifyEbsDefaultKmsKeyId', nth: 1, errorName: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation (injected)' } },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    expect(statesEntered(execution)).toEqual(lockedFailure(
      ...body, States.enableEncryptionByDefault, States.setDefaultKmsKey, States.restoreEbsDefault, States.ebsDefaultRolledBack,
    ));
    expect(await encryptionByDefault()).toBe(false);
    expect(await defaultKey()).toBe(awsManagedKey);
    const cause = JSON.parse(String(execution.cause));
    expect(cause).toMatchObject({
      restored: true, whatToDo: [], before: { encryptionByDefault: false, kmsKeyId: awsManagedKey },
      after: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, undone: [{ action: 'disable-encryption-by-default', status: 'restored' }],
    });
    expect(cause.error.error).toBe('UnauthorizedOperation');
  });

  it('refuses a disabled key before any change: PreconditionFailedError', async () => {
    const { arn: keyArn, id } = await customerKey('alias/ebs-disabled');
    // moto's DisableKey takes the key id only (an ARN answers 404).
    await kms.send(new DisableKeyCommand({ KeyId: id }));

    const execution = await run({ kmsKeyId: keyArn });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('PreconditionFailedError');
    expect(execution.cause).toMatch(/is Disabled, not Enabled/);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('account'));
    expect(await encryptionByDefault()).toBe(false);
  });
});
