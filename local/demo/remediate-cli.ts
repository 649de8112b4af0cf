import { runCli } from '../../cli/commands';
import type { CliDeps } from '../../cli/commands/context';
import { AccountSeeder } from '../seed';

/**
 * The `remediate` CLI on an emulated account (the SDK already points at moto): seeds a running
 * instance with an unencrypted volume, runs `remediate start encrypt-volumes --local --wait`
 * (plan, then apply), then prints `remediate history --local` and `remediate show --local` for
 * these executions. Returns the problems found (none = right).
 */
export async function demoRemediateCli(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const problems: string[] = [];
  const since = new Date(Date.now() - 1000).toISOString();
  const seeded = await new AccountSeeder().createInstance({ name: 'cli-demo-1', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 30, volumeType: 'gp3' }] });
  let captured: string[] = [];
  const deps: CliDeps = {
    runWorkflow,
    callerPrincipal: async () => process.env.USER ?? 'demo',
    out: (text) => {
      captured.push(text);
      console.log(text);
    },
    err: (text) => console.error(text),
  };
  const remediate = async (args: string[]) => {
    console.log(`\n$ remediate ${args.join(' ')}`);
    captured = [];
    const code = await runCli(args, deps);
    if (code !== 0) problems.push(`remediate ${args[0]} exited ${code}`);
    return captured.join('\n');
  };

  await remediate(['start', 'encrypt-volumes', '--local', '--wait', '--instance', seeded.instanceId, '--input', '{"mode":"plan"}']);
  // Execution names have one-second resolution: the apply run gets its own.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await remediate(['start', 'encrypt-volumes', '--local', '--wait', '--instance', seeded.instanceId, '--input', '{"allowStop":true}']);
  await remediate(['history', '--local', '--since', since, '--target', seeded.instanceId]);

  captured = [];
  await runCli(['history', '--local', '--json', '--since', since, '--target', seeded.instanceId], { ...deps, out: (text) => captured.push(text) });
  const records = JSON.parse(captured.join('\n') || '[]') as { name: string; outcome: string; actions: { action: string; resourceId: string }[] }[];
  if (records.map((r) => r.outcome).join(',') !== 'REMEDIATED,PLANNED') problems.push(`history shows outcomes ${records.map((r) => r.outcome).join(',')}, expected REMEDIATED,PLANNED`);
  const applied = records[0];
  if (!applied) return [...problems, 'history lists no execution'];
  const replaced = applied.actions.filter((a) => a.action === 'replace-volume').map((a) => a.resourceId).sort();
  const expected = Object.values(seeded.volumes).sort();
  if (replaced.join(',') !== expected.join(',')) problems.push(`report replaced ${replaced.join(',') || 'nothing'}, expected ${expected.join(',')}`);

  const shown = await remediate(['show', applied.name, '--local']);
  for (const state of ['Preflight', 'SwapVolume', 'VerifySwap', 'BuildReport']) {
    if (!shown.includes(state)) problems.push(`show --local has no ${state} in its timeline`);
  }
  return problems;
}
