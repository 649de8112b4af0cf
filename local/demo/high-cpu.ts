import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import Table from 'cli-table3';
import type { HighCpuReport } from '../../tasks/high-cpu/build-report';
import { alarmNameOf } from '../../tasks/high-cpu/lib/alarm';
import { AccountSeeder } from '../seed';

const PLAIN = { head: [], border: [] };

/**
 * high-cpu on an emulated account: a running t3.micro without a CPU alarm gets one and, once the demo approves as
 * `remediate approve` would, is resized to t3.small (stop, type, start, status checks). Prints before/after and
 * returns the problems found in the end state (none = right).
 */
export async function demoHighCpu(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const seeder = new AccountSeeder();
  const { instanceId } = await seeder.createInstance({ name: 'batch-worker-1' });
  const alarmOf = async () => (await new CloudWatchClient({}).send(new DescribeAlarmsCommand({ AlarmNames: [alarmNameOf(instanceId)] }))).MetricAlarms?.[0];
  const view = async () => {
    const instance = await seeder.describe(instanceId);
    const alarm = await alarmOf();
    return [`${instance.InstanceType ?? '?'} ${instance.State?.Name ?? '?'}`, alarm ? `${alarm.AlarmName}\n>= ${alarm.Threshold}% ${alarm.DatapointsToAlarm} of ${alarm.EvaluationPeriods} x ${alarm.Period}s` : '(none)'];
  };
  const before = await view();
  console.log(`Seeded instance ${instanceId} (${before[0]}), no CPU alarm.\n`);

  const input = { instanceId, resize: true, trigger: { source: 'cli', principal: 'demo' } };
  console.log(`high-cpu ${JSON.stringify(input)}`);
  const execution = await runWorkflow('high-cpu', input, {
    approver: async (request) => {
      console.log(`  Approval requested for ${request.execution} before the stop; answered by the demo as demo-approver.`);
      const { localIdentity } = await import('../identities');
      return { approved: true, as: await localIdentity('demo-approver'), reason: 'demo' };
    },
  });
  console.log(`Execution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
  const after = await view();
  const table = new Table({ head: ['', 'instance', 'CPU alarm'], style: PLAIN });
  table.push(['before', ...before], ['after', ...after]);
  console.log(table.toString());
  const report = execution.output as HighCpuReport | undefined;
  for (const a of report?.actions ?? []) console.log(`  ${a.action} ${a.resourceId}${a.before ? ` ${JSON.stringify(a.before)}` : ''}${a.after ? ` -> ${JSON.stringify(a.after).slice(0, 80)}` : ''}`);

  const instance = await seeder.describe(instanceId);
  const problems: string[] = [];
  if (execution.status !== 'SUCCEEDED') problems.push(`high-cpu ${execution.status} ${execution.error ?? ''}`);
  if (instance.InstanceType !== 't3.small' || instance.State?.Name !== 'running') problems.push(`the instance is ${instance.InstanceType} ${instance.State?.Name}, not t3.small running`);
  if (!(await alarmOf())) problems.push('no CPU alarm');
  return problems;
}
