import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pendingTask } from '../../local/approvals';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AccountSeeder } from '../../local/seed';
import { loadExecutions } from '../../local/store';
import { States } from '../../workflows/encrypt-volumes';
import { NOW, NO_EMULATOR, cli } from './cli';

// A local run that waits for approval, answered by `remediate approve|reject --local` in another process.
let moto: MotoServer;
let dir: string;
let seeder: AccountSeeder;
const ME = userInfo().username;
/** Local identities are moto IAM users (local/identities.ts): the requester is the OS user, unless --as says otherwise. */
const userArn = (name: string) => `arn:aws:iam::123456789012:user/${name}`;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-local-approval-'));
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  seeder = new Seeder();
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `remediate <args>` as its own process (the bin), on this store and emulator. */
async function remediateProcess(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, REMEDIATION_LOCAL_DIR: dir, REMEDIATION_EMULATOR_STATE: NO_EMULATOR, AWS_ENDPOINT_URL: moto.endpoint };
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [path.join(__dirname, '..', '..', 'cli', 'remediate.js'), ...args], { env });
    return { code: 0, out: stdout.trim(), err: stderr.trim() };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout.trim(), err: failed.stderr.trim() };
  }
}

/** Starts encrypt-volumes with approval on a fresh instance; resolves once the run waits for its answer. */
async function startWaiting(name: string, minute: number) {
  const seeded = await seeder.createInstance({ name, dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
  const at = new Date(NOW.getTime() + minute * 60_000);
  const execution = `encrypt-volumes-${seeded.instanceId}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
  // The real local signer (not the tests' stand-in): the run verifies the start proof against the emulator.
  const finished = cli(['start', 'encrypt-volumes', '--local', '--wait', '--instance', seeded.instanceId, '--input', '{"approval":true}'], { localDir: dir, now: () => at, proofSigner: undefined });
  // Waits for a condition, not for a time: the pending record appears when the run reaches the gate.
  while (!pendingTask(dir, execution)) await new Promise((resolve) => setTimeout(resolve, 100));
  return { seeded, execution, finished };
}

const stateOutput = (execution: string, state: string) => {
  const stored = loadExecutions(dir).find((e) => e.name === execution);
  const exited = stored?.history.find((e) => e.type === 'TaskStateExited' && (e.stateExitedEventDetails as { name: string }).name === state);
  return JSON.parse((exited?.stateExitedEventDetails as { output: string }).output) as Record<string, unknown>;
};

describe('remediate approve|reject --local from another process', () => {
  it('approve --as another identity: the waiting run shows RUNNING, verifies the proof, records approver and requester, runs to the end', async () => {
    const { seeded, execution, finished } = await startWaiting('approve-me', 0);
    const waiting = await cli(['status', execution, '--local', '--json'], { localDir: dir });
    expect(JSON.parse(waiting.out)).toMatchObject({ name: execution, status: 'RUNNING' });

    const approve = await remediateProcess(['approve', execution, '--local', '--as', 'alice']);

    expect(approve).toMatchObject({ code: 0, out: `approved ${States.requestApproval} of ${execution} as ${userArn('alice')}` });
    const run = await finished;
    expect(run.code).toBe(0);
    expect(run.out).toContain(`${execution} waits at ${States.requestApproval} for an answer. In another shell:`);
    expect(run.out).toContain('status     SUCCEEDED  outcome REMEDIATED');
    expect((stateOutput(execution, States.requestApprovalVerifyApprover).work as { approval: unknown }).approval)
      .toMatchObject({ approved: true, approver: userArn('alice'), requester: userArn(ME) });
    expect(pendingTask(dir, execution)).toBeUndefined();
    expect((await seeder.describe(seeded.instanceId)).BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId)).not.toContain(seeded.volumes['/dev/sdf']);
  }, 180_000); // the first run synthesizes the stack

  it('reject: the run ends FAILED ApprovalRejected with the reason and the OS user, nothing changed; a second answer is refused', async () => {
    const { seeded, execution, finished } = await startWaiting('reject-me', 1);

    const reject = await remediateProcess(['reject', execution, '--local', '--reason', 'change freeze']);

    expect(reject.code).toBe(0);
    const run = await finished;
    expect(run.code).toBe(1);
    const status = JSON.parse((await cli(['status', execution, '--local', '--json'], { localDir: dir })).out) as { status: string; error: string; cause: string };
    expect(status).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(JSON.parse(status.cause)).toMatchObject({ approved: false, reason: 'change freeze', principal: userArn(ME) });
    expect((await seeder.describe(seeded.instanceId)).BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId)).toContain(seeded.volumes['/dev/sdf']);
    const again = await cli(['approve', execution, '--local'], { localDir: dir });
    expect(again).toMatchObject({ code: 1, err: `remediate: no approval is pending: ${execution} is FAILED` });
  }, 120_000);

  it('approve as the requester (the OS user who started it): FAILED ApprovalRejected, nothing changed', async () => {
    const { seeded, execution, finished } = await startWaiting('self-approve', 2);

    const approve = await remediateProcess(['approve', execution, '--local']);

    expect(approve.code).toBe(0);
    expect((await finished).code).toBe(1);
    const status = JSON.parse((await cli(['status', execution, '--local', '--json'], { localDir: dir })).out) as { status: string; error: string; cause: string };
    expect(status).toMatchObject({
      status: 'FAILED', error: 'ApprovalRejected',
      cause: `the requester cannot approve their own request (${userArn(ME)} started this execution): treated as rejected; nothing was changed`,
    });
    expect((await seeder.describe(seeded.instanceId)).BlockDeviceMappings?.map((m) => m.Ebs?.VolumeId)).toContain(seeded.volumes['/dev/sdf']);
  }, 120_000);
});
