import Table from 'cli-table3';
import type { Volume } from '@aws-sdk/client-ec2';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { startMoto, useEndpoint } from './moto';
import type { LocalEvent } from './runner';
import type { AccountSeeder, SeededInstance } from './seed';
import type { Report } from '../tasks/ebs/build-report';


const PLAIN = { head: [], border: [] };
const tagsOf = (v: Volume) => (v.Tags ?? []).filter((t) => !t.Key?.startsWith('remediation:')).map((t) => `${t.Key}=${t.Value}`).join(' ');
const describeVolume = (v: Volume | undefined) => v
  ? `${v.VolumeId}\n${v.Encrypted ? 'encrypted' : 'UNENCRYPTED'} ${v.VolumeType} ${v.Size} GiB` +
    `${v.Iops ? ` ${v.Iops} IOPS` : ''}${v.Throughput ? ` ${v.Throughput} MiB/s` : ''}\n${tagsOf(v)}`
  : '-';

async function volumesByDevice(seeder: AccountSeeder, instanceId: string): Promise<Map<string, Volume & { deleteOnTermination?: boolean }>> {
  const instance = await seeder.describe(instanceId);
  const ids = (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId as string);
  const volumes = (await seeder.ec2.send(new DescribeVolumesCommand({ VolumeIds: ids }))).Volumes ?? [];
  return new Map((instance.BlockDeviceMappings ?? []).map((m) => [
    m.DeviceName as string,
    { ...volumes.find((v) => v.VolumeId === m.Ebs?.VolumeId), deleteOnTermination: m.Ebs?.DeleteOnTermination },
  ]));
}

function progress(started: number) {
  return (event: LocalEvent) => {
    if (event.type !== 'StateEntered' && event.type !== 'StateRetried' && event.type !== 'StateFailed') return;
    const at = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
    const where = event.index !== undefined ? `  [volume ${event.index}] ` : '';
    const what = event.type === 'StateEntered' ? '' : ` (${event.type === 'StateRetried' ? 'retry' : `failed: ${event.error}`})`;
    console.log(`${at}s ${where}${event.state}${what}`);
  };
}

/** Checks the end state the workflow promised; returns the problems found. */
function checkEndState(seeded: SeededInstance, before: Map<string, Volume>, after: Map<string, Volume & { deleteOnTermination?: boolean }>, state: string | undefined): string[] {
  const problems: string[] = [];
  if (state !== 'running') problems.push(`instance is ${state}, expected running`);
  for (const [device, old] of before) {
    const now = after.get(device);
    if (!now?.Encrypted) problems.push(`${device} is not encrypted`);
    for (const key of ['Size', 'VolumeType', 'Iops', 'Throughput'] as const) {
      if (old.VolumeType === 'gp2' && key === 'Iops') continue;
      if (now?.[key] !== old[key]) problems.push(`${device} ${key} ${now?.[key]} != ${old[key]}`);
    }
    if (tagsOf(now ?? {}) !== tagsOf(old)) problems.push(`${device} tags differ`);
  }
  if (after.get('/dev/sdg')?.VolumeId !== seeded.volumes['/dev/sdg']) problems.push('the already-encrypted volume was replaced');
  return problems;
}

async function checkOriginalsKept(seeder: AccountSeeder, before: Map<string, Volume>, after: Map<string, Volume>): Promise<string[]> {
  const replaced = [...before].filter(([, v]) => !v.Encrypted);
  const ids = replaced.map(([, v]) => v.VolumeId as string);
  const originals = (await seeder.ec2.send(new DescribeVolumesCommand({ VolumeIds: ids }))).Volumes ?? [];
  return replaced.flatMap(([device, v]) => {
    const original = originals.find((o) => o.VolumeId === v.VolumeId);
    const pointer = original?.Tags?.find((t) => t.Key === 'remediation:replaced-by')?.Value;
    if (!original) return [`original ${v.VolumeId} of ${device} is gone`];
    return pointer === after.get(device)?.VolumeId ? [] : [`original ${v.VolumeId} does not point at its replacement`];
  });
}

async function main(): Promise<number> {
  console.log('Starting the local AWS emulator (moto)...');
  const moto = await startMoto();
  try {
    useEndpoint(moto.endpoint);
    const { AccountSeeder: Seeder } = await import('./seed');
    const { runWorkflow } = await import('./runner');
    const seeder = new Seeder();
    const demoKey = await seeder.createKey('alias/demo-existing');
    const seeded = await seeder.createInstance({
      name: 'billing-web-1',
      kmsKeyArn: demoKey,
      dataVolumes: [
        { device: '/dev/sdf', sizeGiB: 200, volumeType: 'gp3', iops: 6000, throughput: 400, tags: [{ Key: 'app', Value: 'billing' }, { Key: 'backup', Value: 'daily' }] },
        { device: '/dev/sdg', sizeGiB: 50, volumeType: 'gp3', encrypted: true, tags: [{ Key: 'app', Value: 'billing' }] },
      ],
    });
    const before = await volumesByDevice(seeder, seeded.instanceId);
    console.log(`Seeded running instance ${seeded.instanceId}: unencrypted gp2 root, unencrypted tuned gp3 data volume, one encrypted volume.\n`);

    const input = { instanceId: seeded.instanceId, allowStop: true, trigger: { source: 'cli', principal: 'demo' } };
    console.log(`encrypt-volumes (plan) ${JSON.stringify({ ...input, mode: 'plan' })}`);
    const plan = await runWorkflow('encrypt-volumes', { ...input, mode: 'plan' });
    const planned = plan.output as Report;
    console.log(`  -> ${plan.status} ${planned.outcome}: would replace ${planned.plan.volumes.map((v) => `${v.device} (${v.volumeId})`).join(', ')}; stop needed: ${planned.plan.needsStop}\n`);

    console.log(`encrypt-volumes (apply) ${JSON.stringify(input)}`);
    const started = Date.now();
    const execution = await runWorkflow('encrypt-volumes', input, { onEvent: progress(started) });
    console.log(`\nExecution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);

    const after = await volumesByDevice(seeder, seeded.instanceId);
    const table = new Table({ head: ['device', 'before', 'after', 'delete on termination'], style: PLAIN });
    for (const [device, old] of before) {
      const now = after.get(device);
      table.push([device, describeVolume(old), describeVolume(now), `${(old as { deleteOnTermination?: boolean }).deleteOnTermination} -> ${now?.deleteOnTermination}`]);
    }
    console.log(table.toString());
    const report = execution.output as Report | undefined;
    if (report) {
      const actions = new Table({ head: ['action', 'resource', 'after', 'at'], style: PLAIN });
      for (const a of report.actions) actions.push([a.action, a.resourceId, a.after ? JSON.stringify(a.after).slice(0, 60) : '', a.at]);
      console.log(`Report: ${report.outcome} (trigger ${report.trigger.source}/${report.trigger.principal ?? '-'}, key ${report.plan.kmsKeyArn})`);
      console.log(actions.toString());
    }
    const problems = execution.status === 'SUCCEEDED'
      ? [
        ...checkEndState(seeded, before, after, (await seeder.describe(seeded.instanceId)).State?.Name),
        ...(await checkOriginalsKept(seeder, before, after)),
      ]
      : [`execution ${execution.status}`];
    if (problems.length > 0) {
      console.error(`END STATE WRONG:\n  ${problems.join('\n  ')}`);
      return 1;
    }
    console.log('End state verified: every volume encrypted with its properties and tags, originals kept, instance running.');
    return 0;
  } finally {
    await moto.stop();
  }
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
