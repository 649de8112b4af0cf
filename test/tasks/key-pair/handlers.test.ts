import { EXECUTION, INSTANCE, KMS_KEY, NEW_KEY, NEW_NAME, OLD_KEY, OLD_KEY_PAIR, PARAMETER, READER_ROLE, created, rotationPlan } from './fixtures';
import { CreateTagsCommand, DeleteKeyPairCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, EC2Client, ImportKeyPairCommand, type Instance, type KeyPairInfo } from '@aws-sdk/client-ec2';
import { DeleteParameterCommand, DescribeInstanceInformationCommand, GetCommandInvocationCommand, PutParameterCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as validate } from '../../../tasks/key-pair/validate-rotate-input';
import { handler as plan } from '../../../tasks/key-pair/plan-key-rotation';
import { handler as createKeyPair } from '../../../tasks/key-pair/create-key-pair';
import { handler as sendCommand } from '../../../tasks/key-pair/send-key-command';
import { handler as checkCommand } from '../../../tasks/key-pair/check-key-command';
import { handler as verify } from '../../../tasks/key-pair/verify-key-pair';
import { handler as deleteOld } from '../../../tasks/key-pair/delete-old-key-pair';
import { handler as removeNew } from '../../../tasks/key-pair/remove-new-key-pair';
import { handler as report } from '../../../tasks/key-pair/build-rotate-report';
import { rotateKeyPairInputSchema } from '../../../tasks/key-pair/lib/schema';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
beforeEach(() => {
  ec2.reset();
  ssm.reset();
});

const request = (over: Record<string, unknown> = {}) => rotateKeyPairInputSchema.parse({ instanceId: INSTANCE, rotateKeyPair: true, ...over });
const instance = (over: Partial<Instance> = {}): Instance => ({ InstanceId: INSTANCE, KeyName: 'ops', State: { Name: 'running' }, Tags: [], ...over });
const keyPairInfo = (over: Partial<KeyPairInfo> = {}): KeyPairInfo => ({
  KeyName: 'ops', KeyPairId: OLD_KEY_PAIR.keyPairId, KeyFingerprint: 'aa:bb', KeyType: 'rsa', PublicKey: `${OLD_KEY.publicKey}\n`, Tags: [], ...over,
});
const online = { InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'Online' as const, PlatformType: 'Linux' as const }] };
const notFound = () => awsError('InvalidKeyPair.NotFound', "The key pair 'x' does not exist");

describe('validate-rotate-input', () => {
  it('fills the defaults (report only, ec2-user) and refuses an unsafe osUser, naming the field', async () => {
    const ok = await validate({ input: { instanceId: INSTANCE }, execution: EXECUTION });
    expect(ok.request).toMatchObject({ instanceId: INSTANCE, rotateKeyPair: false, mode: 'apply', approval: false });
    expect(ok.request.osUser).toBeUndefined();
    await expect(validate({ input: { instanceId: INSTANCE, osUser: 'root; rm' }, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('osUser') });
    await expect(validate({ input: { instanceId: 'vol-1' }, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('instanceId') });
  });
});

describe('plan-key-rotation', () => {
  const run = (over: Record<string, unknown> = {}) => plan({ request: request(over), execution: EXECUTION });

  it('an SSM-managed instance whose key pair exists: PROCEED with a deterministic new name and parameter path (PLANNED in plan mode)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo()] });
    ssm.on(DescribeInstanceInformationCommand).resolves(online);

    const proceed = await run();

    expect(proceed).toEqual({ ...rotationPlan(), oldKeyPair: { ...OLD_KEY_PAIR, keyFingerprint: 'aa:bb' } });
    expect(ec2).toHaveReceivedCommandWith(DescribeKeyPairsCommand, { KeyNames: ['ops'], IncludePublicKey: true });
    expect(ssm).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, { Filters: [{ Key: 'InstanceIds', Values: [INSTANCE] }] });
    expect((await run({ mode: 'plan' })).outcome).toBe('PLANNED');
    expect(await run({ caseId: 'case-9' })).toMatchObject({ newKeyName: `ops-rotated-${INSTANCE}-case-9`, parameterName: `/remediation/key-pairs/${INSTANCE}/ops-rotated-${INSTANCE}-case-9` });
    expect(await run({ rotateKeyPair: false })).toMatchObject({ outcome: 'NO_ACTION', reason: 'rotateKeyPair is not true: reported only' });
  });

  it("osUser by the AMI when not given (Ubuntu: ubuntu; an AMI gone: ec2-user); given, as given; a throttle on the AMI is thrown", async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ ImageId: 'ami-0123456789abcdef0' })] }] });
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo()] });
    ssm.on(DescribeInstanceInformationCommand).resolves(online);
    ec2.on(DescribeImagesCommand)
      .resolvesOnce({ Images: [{ Name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240101' }] })
      .rejectsOnce(awsError('InvalidAMIID.NotFound'))
      .rejects(awsError('RequestLimitExceeded'));

    expect((await run()).osUser).toBe('ubuntu');
    expect((await run()).osUser).toBe('ec2-user');
    expect((await run({ osUser: 'admin' })).osUser).toBe('admin');
    await expect(run()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });

  it('no key pair at launch, or the key pair gone: NO_ACTION without asking SSM', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce({ Reservations: [{ Instances: [instance({ KeyName: undefined })] }] }).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeKeyPairsCommand).rejects(notFound());

    expect(await run()).toMatchObject({ outcome: 'NO_ACTION', reason: 'the instance was launched without a key pair' });
    expect(await run()).toMatchObject({ outcome: 'NO_ACTION', keyName: 'ops', reason: expect.stringContaining('no longer exists') });
    expect(ssm).not.toHaveReceivedCommand(DescribeInstanceInformationCommand);
  });

  it('not SSM-managed (not registered, or offline): NO_ACTION with the manual steps', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo()] });
    ssm.on(DescribeInstanceInformationCommand).resolvesOnce({ InstanceInformationList: [] })
      .resolves({ InstanceInformationList: [{ InstanceId: INSTANCE, PingStatus: 'ConnectionLost', PlatformType: 'Linux' }] });

    const outs = [await run(), await run()];
    for (const out of outs) {
      expect(out).toMatchObject({ outcome: 'NO_ACTION', ssmManaged: false, reason: expect.stringContaining('rotation is manual') });
      expect(out.manualSteps?.[out.manualSteps.length - 1]).toBe("The instance's KeyName metadata stays ops: EC2 cannot change it");
    }
  });

  it('excluded or terminated: PreconditionFailedError; a throttle is thrown for Retry', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance({ Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] })] }] })
      .resolvesOnce({ Reservations: [{ Instances: [instance({ State: { Name: 'terminated' } })] }] })
      .rejects(awsError('RequestLimitExceeded'));

    await expect(run()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('remediation:exclude') });
    await expect(run()).rejects.toMatchObject({ name: 'PreconditionFailedError', message: expect.stringContaining('terminated') });
    await expect(run()).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});

describe('create-key-pair', () => {
  const event = { plan: rotationPlan(), executionName: EXECUTION.name, request: { caseId: 'case-9' } };

  it('stores the private key first (SecureString, the stack key), then imports the public key with our tags', async () => {
    const order: string[] = [];
    ec2.on(DescribeKeyPairsCommand).rejects(notFound());
    ssm.on(PutParameterCommand).callsFake(() => order.push('PutParameter') && { Version: 1 });
    ec2.on(ImportKeyPairCommand).callsFake(() => order.push('ImportKeyPair') && { KeyName: NEW_NAME, KeyPairId: 'key-new', KeyFingerprint: 'ff:ee' });

    const out = await createKeyPair(event);

    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: PARAMETER, Type: 'SecureString', KeyId: KMS_KEY, Overwrite: true });
    const imported = ec2.commandCalls(ImportKeyPairCommand)[0]?.args[0].input;
    expect(imported?.TagSpecifications).toEqual([{ ResourceType: 'key-pair', Tags: [
      { Key: 'remediation:workflow', Value: 'rotate-key-pair' }, { Key: 'remediation:execution', Value: EXECUTION.name }, { Key: 'remediation:case', Value: 'case-9' },
    ] }]);
    expect(Buffer.from(imported?.PublicKeyMaterial as Uint8Array).toString()).toBe(out.publicKey);
    const stored = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Value;
    expect(stored).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(out).toMatchObject({ keyName: NEW_NAME, keyPairId: 'key-new', parameterName: PARAMETER, kmsKeyArn: KMS_KEY, created: true });
    // The put came before the import: a private key is never lost behind a key pair.
    expect(order).toEqual(['PutParameter', 'ImportKeyPair']);
  });

  it('a retry finds the key pair this execution imported and changes nothing; one of that name not ours: PreconditionFailedError', async () => {
    ec2.on(DescribeKeyPairsCommand)
      .resolvesOnce({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME, KeyPairId: 'key-new', PublicKey: NEW_KEY.publicKey, Tags: [{ Key: 'remediation:execution', Value: EXECUTION.name }] })] })
      .resolves({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME })] });

    expect(await createKeyPair(event)).toMatchObject({ keyPairId: 'key-new', publicKey: NEW_KEY.publicKey, created: false });
    await expect(createKeyPair(event)).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    expect(ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(ec2).not.toHaveReceivedCommand(ImportKeyPairCommand);
  });
});

describe('send-key-command', () => {
  const event = { kind: 'rotate' as const, plan: rotationPlan(), created, executionName: EXECUTION.name };

  it('sends the script through AWS-RunShellScript to the one instance, with timeouts', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });

    expect(await sendCommand(event)).toMatchObject({ kind: 'rotate', commandId: 'cmd-1', instanceId: INSTANCE });

    const input = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ DocumentName: 'AWS-RunShellScript', InstanceIds: [INSTANCE], TimeoutSeconds: 600, Parameters: { executionTimeout: ['120'] } });
    expect(input?.Parameters?.commands?.join('\n')).toContain(`getent passwd 'ec2-user'`);
  });

  it('before the rotate command re-reads the instance: excluded, stopped or under another key pair since the plan: InstanceChangedError, nothing sent', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance({ Tags: [{ Key: 'remediation:exclude', Value: 'true' }] })] }] })
      .resolvesOnce({ Reservations: [{ Instances: [instance({ State: { Name: 'stopped' } })] }] })
      .resolvesOnce({ Reservations: [{ Instances: [instance({ KeyName: 'other' })] }] });

    for (const changed of ['tagged remediation:exclude=true', 'now stopped', 'launched with other']) {
      await expect(sendCommand(event)).rejects.toMatchObject({ name: 'InstanceChangedError', message: expect.stringContaining(changed) });
    }
    expect(ssm).not.toHaveReceivedCommand(SendCommandCommand);
    // The verify and restore commands change nothing on their own: sent without the re-read.
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    expect(await sendCommand({ ...event, kind: 'restore' })).toMatchObject({ commandId: 'cmd-2' });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
  });

  it('SSM refusing the instance: PreconditionFailedError; a throttle is thrown for Retry', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance()] }] });
    ssm.on(SendCommandCommand).rejectsOnce(awsError('InvalidInstanceId', 'not in a valid state')).rejects(awsError('ThrottlingException'));

    await expect(sendCommand(event)).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    await expect(sendCommand(event)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('check-key-command', () => {
  const command = { kind: 'rotate' as const, commandId: 'cmd-1', instanceId: INSTANCE, sentAt: EXECUTION.startTime };

  it('pending while InProgress (and while not yet visible), completed on Success, error with the exit code and stderr on Failed', async () => {
    ssm.on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('InvocationDoesNotExist'))
      .resolvesOnce({ Status: 'InProgress', ResponseCode: -1 })
      .resolvesOnce({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'rotated\n' })
      .resolves({ Status: 'Failed', ResponseCode: 4, StandardErrorContent: 'no /home/ec2-user/.ssh/authorized_keys' });

    const first = await checkCommand({ command });
    expect(first).toMatchObject({ status: 'pending', commandStatus: 'NotYetVisible', count: 1 });
    const second = await checkCommand({ command, poll: first });
    expect(second).toMatchObject({ status: 'pending', commandStatus: 'InProgress', count: 2 });
    expect(second.exitCode).toBeUndefined();
    expect(await checkCommand({ command, poll: second })).toMatchObject({ status: 'completed', exitCode: 0, output: 'rotated' });
    expect(await checkCommand({ command, poll: second })).toMatchObject({
      status: 'error', exitCode: 4, error: { Error: 'KeyCommandFailedError', Cause: expect.stringContaining('ended Failed (exit code 4): no /home/ec2-user/.ssh/authorized_keys') },
    });
  });

  it('still not visible after the first polls, or pending past the budget: thrown', async () => {
    ssm.on(GetCommandInvocationCommand).rejectsOnce(awsError('InvocationDoesNotExist')).resolves({ Status: 'InProgress' });

    await expect(checkCommand({ command, poll: { status: 'pending', count: 3, startedAt: EXECUTION.startTime, waitSeconds: 5, maxPolls: 30 } })).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
    await expect(checkCommand({ command, poll: { status: 'pending', count: 29, startedAt: EXECUTION.startTime, waitSeconds: 30, maxPolls: 30 } })).rejects.toMatchObject({ name: 'PollBudgetExceededError' });
  });
});

describe('verify-key-pair', () => {
  const verifyPoll = { status: 'completed' as const, count: 2, startedAt: EXECUTION.startTime, waitSeconds: 5, maxPolls: 30, commandStatus: 'Success', output: 'verified' };

  it('passes when EC2 holds the new key pair with the installed public key', async () => {
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME, KeyPairId: 'key-new', PublicKey: `${NEW_KEY.publicKey} imported` })] });
    expect(await verify({ created, verifyPoll })).toMatchObject({ keyName: NEW_NAME, keyPairId: 'key-new', onInstance: 'verified' });
  });

  it('the key pair missing or holding another key, or the instance check not passed: VerificationFailedError', async () => {
    ec2.on(DescribeKeyPairsCommand).rejectsOnce(notFound()).resolves({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME })] });
    await expect(verify({ created, verifyPoll })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('not in EC2') });
    await expect(verify({ created, verifyPoll })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('another public key') });
    await expect(verify({ created, verifyPoll: { ...verifyPoll, status: 'error' as const, commandStatus: 'Failed' } })).rejects.toMatchObject({ name: 'VerificationFailedError' });
  });
});

describe('delete-old-key-pair', () => {
  it('deletes the key pair the plan read; already gone (a retry): done; re-created under the name: InstanceChangedError, nothing deleted', async () => {
    ec2.on(DescribeKeyPairsCommand).resolvesOnce({ KeyPairs: [keyPairInfo()] }).rejectsOnce(notFound()).resolves({ KeyPairs: [keyPairInfo({ KeyPairId: 'key-someone-else' })] });
    ec2.on(DeleteKeyPairCommand).resolves({});
    ec2.on(CreateTagsCommand).resolves({});
    // Another instance launched with it, already rotated (its tag names this key pair): no reason to keep it.
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(), instance({ InstanceId: 'i-0fedcba9876543210', Tags: [{ Key: 'remediation:key-rotated', Value: OLD_KEY_PAIR.keyPairId }] })] }] });

    expect(await deleteOld({ plan: rotationPlan() })).toMatchObject({ deleted: OLD_KEY_PAIR, deletedNow: true });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { Resources: [INSTANCE], Tags: [{ Key: 'remediation:key-rotated', Value: OLD_KEY_PAIR.keyPairId }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [
      { Name: 'key-name', Values: ['ops'] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ] });
    expect(ec2).toHaveReceivedCommandTimes(DeleteKeyPairCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteKeyPairCommand, { KeyName: 'ops' });
    expect(await deleteOld({ plan: rotationPlan() })).toMatchObject({ deletedNow: false });
    await expect(deleteOld({ plan: rotationPlan() })).rejects.toMatchObject({ name: 'InstanceChangedError' });
    expect(ec2).toHaveReceivedCommandTimes(DeleteKeyPairCommand, 1);
  });

  it('other live instances launched with it: kept (their rotation needs its public key), and named', async () => {
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo()] });
    ec2.on(CreateTagsCommand).resolves({});
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance(), instance({ InstanceId: 'i-0fedcba9876543210' })] }] });

    expect(await deleteOld({ plan: rotationPlan() })).toMatchObject({ deletedNow: false, keptFor: ['i-0fedcba9876543210'] });
    expect(ec2).not.toHaveReceivedCommand(DeleteKeyPairCommand);
  });
});

describe('remove-new-key-pair', () => {
  const error = { Error: 'KeyCommandFailedError', Cause: 'rotate command ended Failed' };

  it('deletes the key pair this execution imported and its parameter, and reports the rollback', async () => {
    ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME, Tags: [{ Key: 'remediation:execution', Value: EXECUTION.name }] })] });
    ec2.on(DeleteKeyPairCommand).resolves({});
    ssm.on(DeleteParameterCommand).resolves({});

    const out = await removeNew({ plan: rotationPlan(), executionName: EXECUTION.name, error });

    expect(ec2).toHaveReceivedCommandWith(DeleteKeyPairCommand, { KeyName: NEW_NAME });
    expect(ssm).toHaveReceivedCommandWith(DeleteParameterCommand, { Name: PARAMETER });
    expect(out).toMatchObject({ error, newKeyPair: { keyName: NEW_NAME, deleted: true }, parameter: { name: PARAMETER, deleted: true }, oldKeyPair: 'ops kept' });
  });

  it('nothing created yet, or a key pair of that name not ours: nothing deleted but the missing parameter is fine; other errors thrown', async () => {
    ec2.on(DescribeKeyPairsCommand).rejectsOnce(notFound()).resolves({ KeyPairs: [keyPairInfo({ KeyName: NEW_NAME })] });
    ssm.on(DeleteParameterCommand).rejectsOnce(awsError('ParameterNotFound')).rejectsOnce(awsError('ParameterNotFound')).rejects(awsError('AccessDeniedException'));

    expect(await removeNew({ plan: rotationPlan(), executionName: EXECUTION.name, error })).toMatchObject({ newKeyPair: { deleted: false }, parameter: { deleted: false } });
    expect(await removeNew({ plan: rotationPlan(), executionName: EXECUTION.name, error })).toMatchObject({ newKeyPair: { deleted: false } });
    expect(ec2).not.toHaveReceivedCommand(DeleteKeyPairCommand);
    await expect(removeNew({ plan: rotationPlan(), executionName: EXECUTION.name, error })).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('build-rotate-report', () => {
  const base = { request: request(), execution: EXECUTION };

  it('REMEDIATED: each change with its before and after, the parameter and who may read it, and the KeyName note', async () => {
    const deletedOld = { deleted: OLD_KEY_PAIR, deletedNow: true, at: '2026-12-01T12:01:00.000Z' };
    const verified = { keyName: NEW_NAME, keyPairId: created.keyPairId, onInstance: 'verified', at: '2026-12-01T12:00:50.000Z' };

    const out = await report({ ...base, plan: rotationPlan(), work: { created, verified, deletedOld } });

    expect(out).toMatchObject({
      workflow: 'rotate-key-pair', outcome: 'REMEDIATED', keyName: 'ops', oldKeyPair: OLD_KEY_PAIR,
      privateKey: { parameterName: PARAMETER, type: 'SecureString', kmsKeyArn: KMS_KEY, readableBy: READER_ROLE },
      note: `the instance's KeyName metadata stays ops: EC2 cannot change it; the key that logs in is now ${NEW_NAME}`,
    });
    expect(out.actions).toEqual([
      { action: 'import-key-pair', resourceId: NEW_NAME, after: { keyPairId: created.keyPairId, keyFingerprint: 'cc:dd' }, at: created.at },
      { action: 'put-private-key-parameter', resourceId: PARAMETER, after: { type: 'SecureString', kmsKeyArn: KMS_KEY }, at: created.at },
      { action: 'replace-authorized-keys', resourceId: `${INSTANCE}:~ec2-user/.ssh/authorized_keys`, before: { key: 'aa:bb' }, after: { key: 'cc:dd', onInstance: 'verified' }, at: verified.at },
      { action: 'delete-key-pair', resourceId: 'ops', before: { keyPairId: OLD_KEY_PAIR.keyPairId, keyFingerprint: 'aa:bb', publicKey: OLD_KEY.publicKey }, after: { present: false }, at: deletedOld.at },
    ]);
  });

  it('NO_ACTION for a not-managed instance carries the manual steps and no note; PLANNED names what apply would create', async () => {
    const manual = await report({ ...base, plan: rotationPlan({ outcome: 'NO_ACTION', ssmManaged: false, manualSteps: ['step'], reason: 'manual' }), work: {} });
    expect(manual).toMatchObject({ outcome: 'NO_ACTION', manualSteps: ['step'], reason: 'manual', actions: [] });
    expect(manual.note).toBeUndefined();
    const kept = await report({ ...base, plan: rotationPlan(), work: { created, deletedOld: { deleted: OLD_KEY_PAIR, deletedNow: false, keptFor: ['i-0fedcba9876543210'], at: created.at } } });
    expect(kept.oldKeyPairKeptFor).toEqual(['i-0fedcba9876543210']);
    expect(kept.actions.map((a) => a.action)).toEqual(['import-key-pair', 'put-private-key-parameter']);
    const planned = await report({ ...base, plan: rotationPlan({ outcome: 'PLANNED' }), work: {} });
    expect(planned.planned).toEqual({ newKeyName: NEW_NAME, parameterName: PARAMETER, osUser: 'ec2-user' });
  });
});
