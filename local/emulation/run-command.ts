import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeInstancesCommand, DescribeKeyPairsCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';
import { awsError } from '../emulation';

/*
 * SSM Run Command and managed instances, which moto 5.2.1 lacks or gets wrong: DescribeInstanceInformation is not
 * implemented (moto answers 404), SendCommand accepts any instance id and reports Success at once without running
 * anything, and GetCommandInvocation reports Success for any command. Here, as AWS documents:
 * - an instance is managed (PingStatus Online) when it is running, is not Windows and has an instance profile (the
 *   SSM Agent registers with the profile's credentials; the AMIs we seed are Amazon Linux, whose agent is preinstalled);
 * - SendCommand refuses an instance that is not managed (InvalidInstanceId);
 * - AWS-RunShellScript really runs the commands, with bash, in a sandbox per instance: a home directory for the AMI's
 *   default user (ec2-user) whose ~/.ssh/authorized_keys cloud-init seeded with the launch key pair's public key;
 * - GetCommandInvocation reports InProgress on its first call, then the script's end (Success, or Failed with its
 *   exit code and stderr); an unknown command is InvocationDoesNotExist.
 * When moto implements these, drop the interception in local/runner.ts and this module.
 */

const ec2 = new EC2Client({});
/** The login the sandbox's /etc/passwd knows: Amazon Linux's default user. */
export const SANDBOX_USER = 'ec2-user';

interface Invocation { instanceId: string; status: 'Success' | 'Failed'; code: number; stdout: string; stderr: string; polls: number; documentName: string }
const invocations = new Map<string, Invocation>();

/** One sandbox tree per emulator (its port), so test files with moto servers of their own never share one. */
const sandboxRoot = (): string => path.join(os.tmpdir(), 'remediation-local-ssm', (process.env.AWS_ENDPOINT_URL ?? 'default').replace(/[^A-Za-z0-9]/g, '_'));
const homeOf = (instanceId: string): string => path.join(sandboxRoot(), instanceId, 'home', SANDBOX_USER);

/** The sandbox's authorized_keys of the instance's default user (undefined before cloud-init's seeding, i.e. before any command). */
export function sandboxAuthorizedKeys(instanceId: string): string | undefined {
  const file = path.join(homeOf(instanceId), '.ssh', 'authorized_keys');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** Removes this emulator's sandboxes (a test's afterAll; `remediate local` keeps them with the emulator). */
export function removeSandboxes(): void {
  rmSync(sandboxRoot(), { recursive: true, force: true });
}

async function instanceOf(instanceId: string): Promise<Instance | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })).catch(() => undefined);
  return out?.Reservations?.[0]?.Instances?.[0];
}

const managed = (i: Instance | undefined): i is Instance =>
  i?.State?.Name === 'running' && i.Platform?.toLowerCase() !== 'windows' && Boolean(i.IamInstanceProfile?.Arn);

/** What cloud-init does at first boot: the launch key pair's public key in the default user's authorized_keys. */
async function seedSandbox(instance: Instance): Promise<void> {
  const home = homeOf(instance.InstanceId as string);
  if (existsSync(home)) return;
  const ssh = path.join(home, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  const key = instance.KeyName
    ? (await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [instance.KeyName], IncludePublicKey: true })).catch(() => undefined))?.KeyPairs?.[0]
    : undefined;
  writeFileSync(path.join(ssh, 'authorized_keys'), key?.PublicKey ? `${key.PublicKey.trim()} ${instance.KeyName}\n` : '', { mode: 0o600 });
  const bin = path.join(sandboxRoot(), instance.InstanceId as string, 'bin');
  mkdirSync(bin, { recursive: true });
  // The instance's passwd database: only its default user.
  writeFileSync(path.join(bin, 'getent'), `#!/bin/sh\n[ "$1" = passwd ] && [ "$2" = ${SANDBOX_USER} ] && echo '${SANDBOX_USER}:x:1000:1000::${home}:/bin/bash' && exit 0\nexit 2\n`);
  chmodSync(path.join(bin, 'getent'), 0o755);
}

function runScript(instanceId: string, commands: string[]): Pick<Invocation, 'status' | 'code' | 'stdout' | 'stderr'> {
  const bin = path.join(sandboxRoot(), instanceId, 'bin');
  const run = spawnSync('bash', ['-c', commands.join('\n')], { encoding: 'utf8', timeout: 10_000, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const code = run.status ?? 1;
  return { status: code === 0 ? 'Success' : 'Failed', code, stdout: run.stdout ?? '', stderr: run.stderr ?? String(run.error ?? '') };
}

async function sendCommand(input: Record<string, unknown>, nth: number, failAfterRunning: number[]): Promise<unknown> {
  const documentName = input.DocumentName as string;
  const instanceIds = (input.InstanceIds ?? []) as string[];
  const instances = await Promise.all(instanceIds.map(instanceOf));
  const unmanaged = instanceIds.filter((_, i) => !managed(instances[i]));
  if (unmanaged.length > 0) throw awsError('InvalidInstanceId', `Instances [[${unmanaged.join(', ')}]] not in a valid state for account`);
  const commandId = randomUUID();
  for (const instance of instances as Instance[]) {
    await seedSandbox(instance);
    const commands = ((input.Parameters as Record<string, string[]> | undefined)?.commands ?? []);
    const result = runScript(instance.InstanceId as string, commands);
    // The fault layer's "the command ran, then failed": its changes stay, as a script that fails half-way leaves them.
    const failed = failAfterRunning.includes(nth) ? { status: 'Failed' as const, code: 1, stderr: `${result.stderr}injected: the command failed after running` } : {};
    invocations.set(`${commandId}/${instance.InstanceId as string}`, { instanceId: instance.InstanceId as string, ...result, ...failed, polls: 0, documentName });
  }
  const now = new Date();
  return {
    Command: { CommandId: commandId, DocumentName: documentName, InstanceIds: instanceIds, Status: 'Pending', RequestedDateTime: now, TargetCount: instanceIds.length },
    $metadata: {},
  };
}

function getCommandInvocation(input: Record<string, unknown>): unknown {
  const invocation = invocations.get(`${input.CommandId as string}/${input.InstanceId as string}`);
  if (!invocation) throw awsError('InvocationDoesNotExist', 'An error occurred (InvocationDoesNotExist)');
  invocation.polls += 1;
  const running = invocation.polls === 1;
  return {
    CommandId: input.CommandId, InstanceId: input.InstanceId, DocumentName: invocation.documentName, PluginName: 'aws:runShellScript',
    Status: running ? 'InProgress' : invocation.status, StatusDetails: running ? 'InProgress' : invocation.status,
    ResponseCode: running ? -1 : invocation.code,
    StandardOutputContent: running ? '' : invocation.stdout, StandardErrorContent: running ? '' : invocation.stderr,
    $metadata: {},
  };
}

async function describeInstanceInformation(input: Record<string, unknown>): Promise<unknown> {
  const filters = (input.Filters ?? []) as { Key?: string; Values?: string[] }[];
  const ids = filters.find((f) => f.Key === 'InstanceIds')?.Values ?? [];
  const instances = await Promise.all(ids.map(instanceOf));
  return {
    InstanceInformationList: instances.filter(managed).map((i) => ({
      InstanceId: i.InstanceId, PingStatus: 'Online', PlatformType: 'Linux', PlatformName: 'Amazon Linux', ResourceType: 'EC2Instance',
      AgentVersion: '3.3.0.0', IsLatestVersion: true, LastPingDateTime: new Date(),
    })),
    $metadata: {},
  };
}

/** One run's Run Command emulation: counts its SendCommands for the fault plan (`commandFailsAfterRunning`). */
export class RunCommandEmulation {
  private sent = 0;

  constructor(private readonly failAfterRunning: readonly number[] = []) {}

  /** The SSM calls answered here (undefined: not one of them; it goes to moto). */
  async answer(call: AwsCall): Promise<unknown> {
    if (call.service !== 'ssm') return undefined;
    if (call.command === 'DescribeInstanceInformation') return describeInstanceInformation(call.input);
    if (call.command === 'SendCommand' && call.input.DocumentName === 'AWS-RunShellScript') return sendCommand(call.input, ++this.sent, [...this.failAfterRunning]);
    if (call.command === 'GetCommandInvocation') return getCommandInvocation(call.input);
    return undefined;
  }
}
