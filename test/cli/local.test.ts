import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AccountSeeder, SeededInstance } from '../../local/seed';
import { ALICE, NOW, cli, tableRows } from './cli';

/** Who a local start proof names: the OS user's local identity (local/identities.ts). */
const LOCAL_ME = `arn:aws:iam::123456789012:user/${userInfo().username}`;

// `remediate ... --local` end to end: the real local runner against moto, executions kept in a temp store.
let moto: MotoServer;
let seeder: AccountSeeder;
let seeded: SeededInstance;
let dir: string;
const previousDir = process.env.REMEDIATION_LOCAL_DIR;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-local-'));
  process.env.REMEDIATION_LOCAL_DIR = dir;
  const { AccountSeeder: Seeder } = await import('../../local/seed');
  seeder = new Seeder();
  seeded = await seeder.createInstance({ name: 'cli-web-1', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 20, volumeType: 'gp3', tags: [{ Key: 'app', Value: 'web' }] }] });
});

afterAll(async () => {
  await moto?.stop();
  if (previousDir === undefined) delete process.env.REMEDIATION_LOCAL_DIR;
  else process.env.REMEDIATION_LOCAL_DIR = previousDir;
  rmSync(dir, { recursive: true, force: true });
});

describe('remediate --local', () => {
  const applied = () => `encrypt-volumes-${seeded.instanceId}-20261127T120000Z`;
  const refused = () => `encrypt-volumes-${seeded.instanceId}-20261127T120100Z`;

  it('start --wait runs encrypt-volumes on the emulator, prints progress and the outcome, and stores the execution', async () => {
    const run = await cli(['start', 'encrypt-volumes', '--local', '--wait', '--instance', seeded.instanceId, '--input', '{"allowStop":true}']);

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const progress = run.out.split('\n').filter((line) => /^ +\d+\.\ds {2}/.test(line)).map((line) => line.replace(/^ +\d+\.\ds {2}/, ''));
    expect(progress.slice(0, 9)).toEqual([
      'ValidateInput', 'RouteByMode', 'AcquireLock', 'Remediation', 'SettleInstance', 'CheckInstanceSettled', 'RouteInstanceSettled', 'Preflight', 'InitWork',
    ]);
    expect(progress).toEqual(expect.arrayContaining(['StopInstance', 'SwapVolumes', 'VerifySwap', 'StartInstance', 'BuildReport', 'ReleaseLock']));
    expect(run.out).toContain('status     SUCCEEDED  outcome REMEDIATED');
    expect(existsSync(path.join(dir, `${applied()}.json`))).toBe(true);
    // The account's end state: both devices now hold encrypted volumes.
    const instance = await seeder.describe(seeded.instanceId);
    const ids = (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId as string);
    const volumes = (await seeder.ec2.send(new DescribeVolumesCommand({ VolumeIds: ids }))).Volumes ?? [];
    expect(volumes.map((v) => v.Encrypted)).toEqual([true, true]);
    expect(ids).not.toContain(seeded.volumes['/dev/sdf']);
  }, 180_000); // the first run synthesizes the stack

  it('start --wait of a refused input ends FAILED with exit code 1 and is stored too', async () => {
    const run = await cli(['start', 'encrypt-volumes', '--local', '--wait', '--instance', seeded.instanceId, '--input', '{"volumeIds":["vol-0123456789abcdef0"]}'], {
      now: () => new Date(NOW.getTime() + 60_000),
    });

    expect(run.code).toBe(1);
    expect(run.out).toContain('status     FAILED  outcome PreconditionFailedError');
    expect(existsSync(path.join(dir, `${refused()}.json`))).toBe(true);
  });

  it('history --local lists both executions from the store, newest first', async () => {
    const run = await cli(['history', '--local']);

    const rows = tableRows(run.out);
    expect(rows.map((r) => [r[1], r[2], r[3], r[4], r[5], r[7]])).toEqual([
      ['workflow', 'target', 'status', 'outcome', 'trigger', 'execution'],
      // A failed run has no report: its input's principal is only claimed. The succeeded one's is who signed the start proof.
      ['encrypt-volumes', seeded.instanceId, 'FAILED', 'PreconditionFailedError', `cli ${ALICE} (claimed)`, refused()],
      ['encrypt-volumes', seeded.instanceId, 'SUCCEEDED', 'REMEDIATED', `cli ${LOCAL_ME}`, applied()],
    ]);
  });

  it('history --local --json filters by status and carries the report actions', async () => {
    const run = await cli(['history', '--local', '--json', '--status', 'SUCCEEDED']);

    const records = JSON.parse(run.out) as { name: string; trigger: unknown; actions: { action: string; resourceId: string; before?: { encrypted?: boolean } }[] }[];
    expect(records.map((r) => r.name)).toEqual([applied()]);
    expect(records[0]?.trigger).toEqual({ source: 'cli', principal: LOCAL_ME });
    const replaced = records[0]?.actions.filter((a) => a.action === 'replace-volume') ?? [];
    expect(replaced.map((a) => a.resourceId).sort()).toEqual([seeded.rootVolumeId, seeded.volumes['/dev/sdf']].sort());
    expect(replaced.map((a) => a.before?.encrypted)).toEqual([false, false]);
  });

  it('show --local prints the timeline from the stored history and the actions before/after', async () => {
    const run = await cli(['show', applied(), '--local']);

    expect(run.code).toBe(0);
    const rows = tableRows(run.out);
    const timelineEnd = rows.findIndex((r, i) => i > 0 && r[0] === 'action');
    const timeline = rows.slice(1, timelineEnd);
    expect(timeline.slice(0, 10).map((r) => [r[0], r[1], r[5]])).toEqual([
      ['ValidateInput', 'Task', 'succeeded'],
      ['RouteByMode', 'Choice', 'succeeded'],
      ['AcquireLock', 'Task', 'succeeded'],
      ['Remediation', 'Parallel', 'succeeded'],
      ['SettleInstance', 'Pass', 'succeeded'],
      ['CheckInstanceSettled', 'Task', 'succeeded'],
      ['RouteInstanceSettled', 'Choice', 'succeeded'],
      ['Preflight', 'Task', 'succeeded'],
      ['InitWork', 'Pass', 'succeeded'],
      ['RouteByPlan', 'Choice', 'succeeded'],
    ]);
    expect(timeline.every((r) => r[5] === 'succeeded')).toBe(true);
    const actions = rows.slice(timelineEnd + 1);
    expect(actions.filter((r) => r[0] === 'replace-volume').map((r) => r[1]).sort()).toEqual([seeded.rootVolumeId, seeded.volumes['/dev/sdf']].sort());
    expect(actions.find((r) => r[0] === 'stop-instance')?.slice(1, 4)).toEqual([seeded.instanceId, 'state: running', 'state: stopped']);
  });

  it('status --local by ARN names the refusal', async () => {
    const arn = `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${refused()}`;

    const run = await cli(['status', arn, '--local', '--json']);

    expect(JSON.parse(run.out)).toMatchObject({ name: refused(), status: 'FAILED', error: 'PreconditionFailedError', actions: [] });
  });

  it('start --local without AWS_ENDPOINT_URL says what to set, and runs nothing', async () => {
    const endpoint = process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL;
    try {
      const run = await cli(['start', 'encrypt-volumes', '--local', '--instance', seeded.instanceId]);

      expect(run.code).toBe(1);
      expect(run.err).toBe('remediate: --local needs the emulator: start one with `remediate local up` (or set AWS_ENDPOINT_URL to a running moto server)');
      expect(run.out).toBe('');
    } finally {
      process.env.AWS_ENDPOINT_URL = endpoint;
    }
  });
});
