import { DescribeInstancesCommand, DescribeKeyPairsCommand, EC2Client, ImportKeyPairCommand, RunInstancesCommand, type KeyPairInfo } from '@aws-sdk/client-ec2';
import { CreateInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { generateSshKey, publicKeyBody } from '../../tasks/key-pair/lib/openssh';
import { States } from '../../workflows/rotate-key-pair';
import { locked, lockedFailure, mutatingCalls, planned as plannedPath, statesEntered, tag, withLockCalls } from './harness';

// GIVEN an emulated account (moto) with a Linux instance launched with a key pair, WHEN rotate-key-pair runs through the
// local runner, THEN the account's end state is asserted: key pairs in EC2, the SecureString parameter, and the instance's
// authorized_keys (the Run Command emulation, local/emulation/run-command.ts, runs the real scripts in a sandbox home).
let moto: MotoServer;
let ec2: EC2Client;
let run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
let sandboxAuthorizedKeys: (instanceId: string) => string | undefined;
let removeSandboxes: () => void;
const LINUX_AMI = 'ami-760aaa0f'; // moto's amzn-ami-hvm (its default ami-12c6146b is a Windows image)

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow } = await import('../../local/runner');
  ({ sandboxAuthorizedKeys, removeSandboxes } = await import('../../local/emulation/run-command'));
  run = (input, options) => runWorkflow('rotate-key-pair', input, options);
  ec2 = new EC2Client({});
  await new IAMClient({}).send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ssm-managed' }));
});
afterAll(async () => {
  removeSandboxes?.();
  await moto?.stop();
});

/** A key pair imported as a person would, and an instance launched with it (with an instance profile: SSM-managed). */
async function instanceWithKey(keyName: string, managed: boolean): Promise<{ instanceId: string; old: KeyPairInfo }> {
  await ec2.send(new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: Buffer.from(generateSshKey().publicKey) }));
  return { instanceId: await launch(keyName, managed), old: (await keyPair(keyName)) as KeyPairInfo };
}
const launch = async (keyName: string, managed: boolean): Promise<string> => (await ec2.send(new RunInstancesCommand({
  ImageId: LINUX_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: keyName, ...(managed ? { IamInstanceProfile: { Name: 'ssm-managed' } } : {}),
}))).Instances?.[0]?.InstanceId as string;
const keyPair = async (name: string): Promise<KeyPairInfo | undefined> =>
  ec2.send(new DescribeKeyPairsCommand({ KeyNames: [name], IncludePublicKey: true })).then((o) => o.KeyPairs?.[0], () => undefined);
const parameters = async (instanceId: string) =>
  (await new SSMClient({}).send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: [`/remediation/key-pairs/${instanceId}/`] }] }))).Parameters ?? [];

const PLAN = [States.planKeyRotation, States.initWork, States.routeByPlan];
const poll = (check: string, route: string, wait: string) => [check, route, wait, check, route];
const ROTATE = [
  States.createKeyPair, States.sendRotateCommand, ...poll(States.checkRotateCommand, States.routeRotateCommand, States.waitRotateCommand),
  States.sendVerifyCommand, ...poll(States.checkVerifyCommand, States.routeVerifyCommand, States.waitVerifyCommand),
];
type Report = { outcome: string; keyName: string; ssmManaged: boolean; manualSteps?: string[]; newKeyPair?: { keyName: string }; privateKey?: { parameterName: string }; note?: string; actions: { action: string }[] };

describe('rotate-key-pair against an emulated account', () => {
  it('a not SSM-managed instance: reports the key pair and the manual steps, and changes nothing', async () => {
    const { instanceId, old } = await instanceWithKey('ops-unmanaged', false);

    const execution = await run({ instanceId, rotateKeyPair: true });

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesEntered(execution)).toEqual(locked(...PLAN, States.buildReport));
    const report = execution.output as Report;
    expect(report).toMatchObject({ outcome: 'NO_ACTION', keyName: 'ops-unmanaged', ssmManaged: false, actions: [] });
    expect(report.manualSteps?.some((s) => s.includes('aws ec2 delete-key-pair --key-name ops-unmanaged'))).toBe(true);
    expect(report.manualSteps?.some((s) => s.includes('~/.ssh/authorized_keys'))).toBe(true);
    expect(mutatingCalls(execution)).toEqual(withLockCalls('instance'));
    expect((await keyPair('ops-unmanaged'))?.KeyPairId).toBe(old.KeyPairId);
  });

  it('rotates: new key pair and its SecureString, authorized_keys replaced, the old key pair deleted; a re-run is NO_ACTION', async () => {
    const { instanceId, old } = await instanceWithKey('ops', true);
    const input = { instanceId, rotateKeyPair: true, caseId: 'case-17' };
    const planned = await run({ ...input, mode: 'plan' });
    expect(planned.status).toBe('SUCCEEDED');
    expect(planned.output).toMatchObject({ outcome: 'PLANNED', planned: { newKeyName: `ops-rotated-${instanceId}-case-17`, parameterName: `/remediation/key-pairs/${instanceId}/ops-rotated-${instanceId}-case-17`, osUser: 'ec2-user' } });
    expect(statesEntered(planned)).toEqual(plannedPath(...PLAN, States.buildReport));
    expect(mutatingCalls(planned)).toEqual([]);

    const execution = await run(input);

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesEntered(execution)).toEqual(locked(...PLAN, ...ROTATE, States.verifyKeyPair, States.deleteOldKeyPair, States.buildReport));
    const report = execution.output as Report;
    expect(report).toMatchObject({ outcome: 'REMEDIATED', keyName: 'ops', newKeyPair: { keyName: `ops-rotated-${instanceId}-case-17` }, privateKey: { parameterName: `/remediation/key-pairs/${instanceId}/ops-rotated-${instanceId}-case-17` } });
    expect(report.actions.map((a) => a.action)).toEqual(['import-key-pair', 'put-private-key-parameter', 'replace-authorized-keys', 'delete-key-pair']);
    expect(report.note).toContain("KeyName metadata stays ops");
    // EC2: the old key pair is gone, the new one is there with our tags.
    expect(await keyPair('ops')).toBeUndefined();
    const created = await keyPair(`ops-rotated-${instanceId}-case-17`);
    expect(tag(created?.Tags, 'remediation:workflow')).toBe('rotate-key-pair');
    expect(tag(created?.Tags, 'remediation:execution')).toBe(execution.name);
    expect(tag(created?.Tags, 'remediation:case')).toBe('case-17');
    // SSM: one SecureString under the instance's path, encrypted with the stack's key.
    const stored = await parameters(instanceId);
    expect(stored.map((p) => [p.Name, p.Type])).toEqual([[`/remediation/key-pairs/${instanceId}/ops-rotated-${instanceId}-case-17`, 'SecureString']]);
    expect(stored[0]?.KeyId).toMatch(/^arn:aws:kms:[a-z0-9-]+:123456789012:key\/KeyPairVaultKey/);
    // The instance: the new key in authorized_keys, the old one gone.
    const keys = sandboxAuthorizedKeys(instanceId) as string;
    expect(keys).toContain(publicKeyBody(created?.PublicKey as string));
    expect(keys).not.toContain(publicKeyBody(old.PublicKey as string));

    const again = await run(input);
    expect(again.status).toBe('SUCCEEDED');
    expect((again.output as Report).outcome).toBe('NO_ACTION');
    expect(mutatingCalls(again)).toEqual(withLockCalls('instance'));
  });

  it('a key pair other instances were launched with too is kept until the last of them is rotated', async () => {
    const { instanceId: first } = await instanceWithKey('shared', true);
    const second = await launch('shared', true);

    const one = await run({ instanceId: first, rotateKeyPair: true });
    expect(one.output).toMatchObject({ outcome: 'REMEDIATED', oldKeyPairKeptFor: [second] });
    expect(await keyPair('shared')).toBeDefined();

    const two = await run({ instanceId: second, rotateKeyPair: true });
    expect((two.output as Report).actions.map((a) => a.action)).toContain('delete-key-pair');
    expect(await keyPair('shared')).toBeUndefined();
    const firstTags = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [first] }))).Reservations?.[0]?.Instances?.[0]?.Tags;
    expect(tag(firstTags, 'remediation:key-rotated')).toMatch(/^key-/);
  });

  it('a command that fails rolls back: authorized_keys restored, new key pair and parameter removed, the old key pair kept', async () => {
    const { instanceId, old } = await instanceWithKey('ops-fails', true);

    const execution = await run({ instanceId, rotateKeyPair: true }, { faults: { commandFailsAfterRunning: [1] } });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    expect(statesEntered(execution)).toEqual(lockedFailure(
      ...PLAN, States.createKeyPair, States.sendRotateCommand, ...poll(States.checkRotateCommand, States.routeRotateCommand, States.waitRotateCommand),
      States.rotateCommandFailed, States.routeRollback, States.sendRestoreCommand,
      ...poll(States.checkRestoreCommand, States.routeRestoreCommand, States.waitRestoreCommand), States.removeNewKeyPair, States.describeRollback, States.rolledBack,
    ));
    const cause = JSON.parse(execution.cause as string) as { error: { Error: string }; newKeyPair: { keyName: string; deleted: boolean }; parameter: { deleted: boolean } };
    expect(cause.error.Error).toBe('KeyCommandFailedError');
    expect(cause.newKeyPair.deleted).toBe(true);
    expect(cause.parameter.deleted).toBe(true);
    expect(await keyPair(cause.newKeyPair.keyName)).toBeUndefined();
    expect(await parameters(instanceId)).toEqual([]);
    expect((await keyPair('ops-fails'))?.KeyPairId).toBe(old.KeyPairId);
    // The rotate script had run (its changes stay on a failure): the restore put the original file back.
    expect(sandboxAuthorizedKeys(instanceId)).toBe(`${(old.PublicKey as string).trim()} ops-fails\n`);
  });
});

describe('rotate-key-pair when the rotate command ran but its answer was lost', () => {
  it('rolls back as if it had run: the backup restored, the new key pair removed', async () => {
    const { instanceId, old } = await instanceWithKey('ops-lost', true);

    const execution = await run({ instanceId, rotateKeyPair: true }, { faults: { noAnswerAfterSuccessOnce: ['SendCommand'] } });

    expect(execution.error).toBe('RemediationRolledBack');
    // The rotate command reached the instance (the emulation ran it) and only its answer was lost.
    expect(execution.faults.injected.filter((f) => f.fault === 'no-answer').length).toBe(1);
    const path = statesEntered(execution);
    expect(path.slice(path.indexOf(States.sendRotateCommand))).toEqual([
      States.sendRotateCommand, States.routeRotateSendFailure, States.rotateMaybeSent, States.routeRollback, States.sendRestoreCommand,
      ...poll(States.checkRestoreCommand, States.routeRestoreCommand, States.waitRestoreCommand), States.removeNewKeyPair, States.describeRollback, States.rolledBack,
      'ReleaseLockAfterFailure', 'Failed',
    ]);
    expect(sandboxAuthorizedKeys(instanceId)).toBe(`${(old.PublicKey as string).trim()} ops-lost\n`);
    expect((await keyPair('ops-lost'))?.KeyPairId).toBe(old.KeyPairId);
  });
});

describe('the Run Command emulation (moto lacks it), as AWS documents it', () => {
  const call = (command: string, input: Record<string, unknown>) => ({ service: 'ssm', command, input });

  it('an instance is managed only when running, not Windows and with an instance profile; SendCommand refuses the others', async () => {
    const { RunCommandEmulation } = await import('../../local/emulation/run-command');
    const emulation = new RunCommandEmulation();
    const { instanceId: managed } = await instanceWithKey('emu-managed', true);
    const { instanceId: bare } = await instanceWithKey('emu-bare', false);

    const info = await emulation.answer(call('DescribeInstanceInformation', { Filters: [{ Key: 'InstanceIds', Values: [managed, bare] }] })) as { InstanceInformationList: { InstanceId: string; PingStatus: string; PlatformType: string }[] };

    expect(info.InstanceInformationList.map((i) => [i.InstanceId, i.PingStatus, i.PlatformType])).toEqual([[managed, 'Online', 'Linux']]);
    await expect(emulation.answer(call('SendCommand', { DocumentName: 'AWS-RunShellScript', InstanceIds: [bare], Parameters: { commands: ['true'] } })))
      .rejects.toMatchObject({ name: 'InvalidInstanceId' });
  });

  it('runs the script against the seeded sandbox: InProgress first, then its end with exit code and output; unknown commands do not exist', async () => {
    const { RunCommandEmulation } = await import('../../local/emulation/run-command');
    const emulation = new RunCommandEmulation([2]);
    const { instanceId, old } = await instanceWithKey('emu-run', true);
    const send = async (commands: string[]) => ((await emulation.answer(call('SendCommand', { DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands } }))) as { Command: { CommandId: string } }).Command.CommandId;
    const get = (CommandId: string) => emulation.answer(call('GetCommandInvocation', { CommandId, InstanceId: instanceId })) as Promise<{ Status: string; ResponseCode: number; StandardOutputContent: string }>;

    const ok = await send(['cat "$(getent passwd ec2-user | cut -d: -f6)/.ssh/authorized_keys"']);
    const failing = await send(['echo ran']);

    expect(await get(ok)).toMatchObject({ Status: 'InProgress', ResponseCode: -1 });
    expect(await get(ok)).toMatchObject({ Status: 'Success', ResponseCode: 0, StandardOutputContent: `${(old.PublicKey as string).trim()} emu-run\n` });
    await get(failing);
    // The fault plan's second command ran (its output is there) and then reports Failed.
    expect(await get(failing)).toMatchObject({ Status: 'Failed', ResponseCode: 1, StandardOutputContent: 'ran\n' });
    await expect(get('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
  });
});
