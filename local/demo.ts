import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { runCli } from '../cli/commands';
import { demoEnableCloudTrail } from './demo/enable-cloudtrail';
import { demoEnableConfig } from './demo/enable-config';
import { demoEnableFlowLogs } from './demo/enable-flow-logs';
import { demoInvestigateTraffic } from './demo/investigate-traffic';
import { demoExpireRetained } from './demo/expire-retained';
import { demoCloseCase } from './demo/close-case';
import { demoBlockSourceIp } from './demo/block-source-ip';
import { demoSecurityGroups } from './demo/security-groups';
import { demoRefreshAmi } from './demo/refresh-ami';
import { demoHighCpu } from './demo/high-cpu';
import { demoEnableEbsEncryptionByDefault, demoEnforceImdsv2 } from './demo/hygiene';
import { demoWholeCase } from './demo/whole-case';
import type { Volume } from '@aws-sdk/client-ec2';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { DemoProgress } from './demo/progress';
import { startMoto, useEndpoint } from './moto';
import { localRegion } from './account';
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

/** A real-format CloudTrail StartInstances event, as EventBridge delivers it, for the seeded instance. */
function startInstancesEvent(instanceId: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'cloudtrail', 'iam-user.json'), 'utf8'));
  event.detail.requestParameters.instancesSet.items = [{ instanceId }];
  event.detail.responseElements.instancesSet.items = [{ instanceId, currentState: { code: 0, name: 'pending' }, previousState: { code: 80, name: 'stopped' } }];
  // Triage acts only on its own region's events.
  event.region = localRegion();
  event.detail.awsRegion = localRegion();
  return event;
}

async function main(): Promise<number> {
  // --verbose: every state as it runs; otherwise a live progress line and each execution's phases.
  const { values } = parseArgs({ options: { verbose: { type: 'boolean', default: false } } });
  console.log('Starting the local AWS emulator (moto)...');
  const moto = await startMoto();
  const problems: string[] = [];
  try {
    useEndpoint(moto.endpoint);
    // This demo's executions only, in Step Functions' history shape, for `remediate --local`.
    process.env.REMEDIATION_LOCAL_DIR = mkdtempSync(path.join(tmpdir(), 'remediation-demo-'));
    const { AccountSeeder: Seeder } = await import('./seed');
    const runner = await import('./runner');
    const progress = new DemoProgress(runner.localWorkflows(), values.verbose);
    const runWorkflow: typeof runner.runWorkflow = (workflow, input, options = {}) => runner.runWorkflow(workflow, input, {
      ...options, onEvent: (event) => { progress.onEvent(event); options.onEvent?.(event); },
    });
    const { saveExecution } = await import('./store');
    const { matchesPattern } = await import('./event-pattern');
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

    // 1. The StartInstances event, through the synthesized rule, into triage; triage starts encrypt-volumes,
    //    which asks for approval before any change (answered here as `remediate approve` would).
    const event = startInstancesEvent(seeded.instanceId);
    // What the deployed stack owns and the workflows write to (buckets, flow-log group, topics), as `remediate local up` creates it.
    const stack = runner.localStack();
    const { createStackResources } = await import('./stack-resources');
    await createStackResources(stack.owned, stack.region);
    const matched = runner.localRules.filter((r) => matchesPattern(r.pattern as never, event)).map((r) => r.logicalId);
    console.log(`CloudTrail StartInstances by alice (event ${(event.detail as { eventID: string }).eventID}) matches rule(s): ${matched.join(', ') || 'NONE'}`);
    if (matched.length !== 1) problems.push(`the StartInstances event matched ${matched.length} rules, expected 1`);
    const triage = await runWorkflow('triage-start-instances', event, {
      store: saveExecution,
      approver: async (request) => {
        progress.log(`  Approval requested for ${request.execution} (published to SNS with the plan).`);
        progress.log(`  $ remediate approve ${request.execution} --local --as demo-approver   <- answered by the demo, in-process, with an STS identity proof`);
        const { localIdentity } = await import('./identities');
        return { approved: true, as: await localIdentity('demo-approver'), reason: 'demo' };
      },
    });
    const execution = triage.children?.[0];
    console.log(`\nTriage ${triage.name}: ${triage.status}; started ${triage.children?.length ?? 0} child execution(s)`);
    if (!execution) {
      problems.push('triage started no encrypt-volumes execution');
    } else {
      console.log(`Child ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
      const after = await volumesByDevice(seeder, seeded.instanceId);
      printVolumes(before, after);
      const report = execution.output as Report | undefined;
      if (report) printActions(report);
      problems.push(...(execution.status === 'SUCCEEDED'
        ? [...checkEndState(seeded, before, after, (await seeder.describe(seeded.instanceId)).State?.Name), ...(await checkOriginalsKept(seeder, before, after))]
        : [`encrypt-volumes ${execution.status}`]));
    }

    // 2. The account baseline: flow logs, Config and CloudTrail, which this account lacks.
    for (const [name, demo] of [['enable-flow-logs', demoEnableFlowLogs], ['enable-config', demoEnableConfig], ['enable-cloudtrail', demoEnableCloudTrail], ['investigate-traffic', demoInvestigateTraffic],
      ['restrict-security-groups -> restore-security-groups', demoSecurityGroups], ['block-source-ip -> unblock-source-ip', demoBlockSourceIp],
      ['expire-retained', demoExpireRetained], ['close-case -> expire-retained', demoCloseCase], ['refresh-ami', demoRefreshAmi], ['high-cpu', demoHighCpu],
      ['enforce-imdsv2', demoEnforceImdsv2], ['enable-ebs-encryption-by-default', demoEnableEbsEncryptionByDefault],
      ['whole case: triage -> contain-principal + isolate-instance -> release', demoWholeCase]] as const) {
      console.log(`\n=== ${name} ===`);
      problems.push(...(await demo(runWorkflow)).map((p) => `${name}: ${p}`));
    }

    // 3. The audit, read back as an auditor would.
    const cli = { out: (text: string) => console.log(text), err: (text: string) => console.error(text) };
    for (const args of [['history', '--local'], ...(execution ? [['show', execution.name, '--local']] : [])]) {
      console.log(`\n$ remediate ${args.join(' ')}`);
      if ((await runCli(args, cli)) !== 0) problems.push(`remediate ${args[0]} --local failed`);
    }
  } finally {
    await moto.stop();
  }
  if (problems.length > 0) {
    console.error(`\nEND STATE WRONG:\n  ${problems.join('\n  ')}`);
    return 1;
  }
  console.log('\nEnd state verified: every volume encrypted with its properties and tags, originals kept, instance running; flow logs, Config and CloudTrail on; a group restricted and restored exactly; a block removed early, its waiting execution stopped; the expired originals removed with their encrypted copies kept; an AMI backup taken; a CPU alarm put and the instance resized; IMDSv2 required; EBS encryption by default on.');
  return 0;
}

function printVolumes(before: Map<string, Volume>, after: Map<string, Volume & { deleteOnTermination?: boolean }>): void {
  const table = new Table({ head: ['device', 'before', 'after', 'delete on termination'], style: PLAIN });
  for (const [device, old] of before) {
    const now = after.get(device);
    table.push([device, describeVolume(old), describeVolume(now), `${(old as { deleteOnTermination?: boolean }).deleteOnTermination} -> ${now?.deleteOnTermination}`]);
  }
  console.log(table.toString());
}

function printActions(report: Report): void {
  const actions = new Table({ head: ['action', 'resource', 'after', 'at'], style: PLAIN });
  for (const a of report.actions) actions.push([a.action, a.resourceId, a.after ? JSON.stringify(a.after).slice(0, 60) : '', a.at]);
  console.log(`Report: ${report.outcome} (trigger ${report.trigger.source}/${report.trigger.principal ?? '-'}${report.trigger.claimed ? ' (claimed)' : ''}, approved by ${report.approval?.approver ?? '-'}, key ${report.plan.kmsKeyArn})`);
  console.log(actions.toString());
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(error.message);
  process.exit(1);
});
