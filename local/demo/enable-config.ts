import {
  ConfigServiceClient, DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand, DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import Table from 'cli-table3';
import type { EnableConfigReport } from '../../tasks/config/build-report';

const PLAIN = { head: [], border: [] };
const SLR = /:role\/aws-service-role\/config\.amazonaws\.com\/AWSServiceRoleForConfig$/;

interface ConfigView {
  recorder: string;
  channel: string;
  status: string;
}

async function view(config: ConfigServiceClient): Promise<ConfigView & { raw: { recorderRole?: string; allSupported?: boolean; global?: boolean; bucket?: string; recording?: boolean; lastStatus?: string } }> {
  const recorder = (await config.send(new DescribeConfigurationRecordersCommand({}))).ConfigurationRecorders?.[0];
  const channel = (await config.send(new DescribeDeliveryChannelsCommand({}))).DeliveryChannels?.[0];
  const status = (await config.send(new DescribeConfigurationRecorderStatusCommand({}))).ConfigurationRecordersStatus?.[0];
  return {
    recorder: recorder ? `${recorder.name}\n${recorder.recordingGroup?.allSupported ? 'all supported types' : 'selected types'}` +
      `${recorder.recordingGroup?.includeGlobalResourceTypes ? ' + global' : ''}\nrole ${recorder.roleARN?.split('/').pop()}` : '(none)',
    channel: channel ? `${channel.name}\ns3://${channel.s3BucketName}\n${channel.configSnapshotDeliveryProperties?.deliveryFrequency ?? ''}` : '(none)',
    status: status ? `${status.recording ? 'recording' : 'stopped'}\nlast ${status.lastStatus ?? '-'}` : '(none)',
    raw: {
      ...(recorder?.roleARN ? { recorderRole: recorder.roleARN } : {}),
      ...(recorder ? { allSupported: recorder.recordingGroup?.allSupported ?? false, global: recorder.recordingGroup?.includeGlobalResourceTypes ?? false } : {}),
      ...(channel?.s3BucketName ? { bucket: channel.s3BucketName } : {}),
      ...(status ? { recording: status.recording ?? false, ...(status.lastStatus ? { lastStatus: status.lastStatus } : {}) } : {}),
    },
  };
}

/**
 * enable-config on an emulated account (the SDK already points at moto, the stack's delivery bucket exists:
 * local/stack-resources.ts; AWS Config itself is off), runs plan then apply, prints before/after and returns
 * the problems found in the end state (none = right).
 */
export async function demoEnableConfig(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  // The task environment comes from the synthesized template: the stack's bucket name.
  const bucket = process.env.CONFIG_BUCKET_NAME as string;
  const config = new ConfigServiceClient({});
  const before = await view(config);
  console.log(`AWS Config is off in this region; the stack's delivery bucket is ${bucket}.\n`);

  const input = { trigger: { source: 'cli', principal: 'demo' } };
  console.log(`enable-config (plan) ${JSON.stringify({ ...input, mode: 'plan' })}`);
  const plan = await runWorkflow('enable-config', { ...input, mode: 'plan' });
  const planned = plan.output as EnableConfigReport | undefined;
  console.log(`  -> ${plan.status} ${planned?.outcome ?? plan.error}: ${(planned?.plan.steps ?? []).join(', ')}\n`);
  const afterPlan = await view(config);

  console.log(`enable-config (apply) ${JSON.stringify(input)}`);
  const execution = await runWorkflow('enable-config', input);
  console.log(`Execution ${execution.name}: ${execution.status}${execution.error ? ` ${execution.error}: ${execution.cause}` : ''}`);
  const report = execution.output as EnableConfigReport | undefined;
  const after = await view(config);
  const table = new Table({ head: ['', 'recorder', 'delivery channel', 'status'], style: PLAIN });
  table.push(['before', before.recorder, before.channel, before.status], ['after', after.recorder, after.channel, after.status]);
  console.log(table.toString());
  console.log(`Actions: ${(report?.actions ?? []).map((a) => `${a.action} ${a.resourceId}`).join('; ') || '(none)'}`);

  const problems: string[] = [];
  if (plan.status !== 'SUCCEEDED' || planned?.outcome !== 'PLANNED') problems.push(`plan ended ${plan.status} ${planned?.outcome ?? plan.error}`);
  if (JSON.stringify(afterPlan.raw) !== JSON.stringify(before.raw)) problems.push('plan mode changed the account');
  if (execution.status !== 'SUCCEEDED' || report?.outcome !== 'REMEDIATED') problems.push(`apply ended ${execution.status} ${report?.outcome ?? execution.error}`);
  const end = after.raw;
  if (!end.recorderRole || !SLR.test(end.recorderRole)) problems.push(`recorder role is ${end.recorderRole ?? 'missing'}, expected AWSServiceRoleForConfig`);
  if (!end.allSupported) problems.push('recorder does not record all supported resource types');
  if (!end.global) problems.push('recorder does not record global resource types in the home region');
  if (end.bucket !== bucket) problems.push(`delivery channel writes to ${end.bucket ?? 'nothing'}, expected ${bucket}`);
  if (!end.recording || end.lastStatus?.toUpperCase() === 'FAILURE') problems.push(`recorder is ${end.recording ? 'recording' : 'not recording'} with last status ${end.lastStatus ?? '-'}`);
  return problems;
}
