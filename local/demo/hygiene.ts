import { EC2Client, GetEbsEncryptionByDefaultCommand, type InstanceMetadataOptionsResponse } from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import Table from 'cli-table3';
import type { EbsDefaultReport } from '../../tasks/ebs-default/build-ebs-default-report';
import type { ImdsReport } from '../../tasks/imds/build-imds-report';
import type { LocalExecution } from '../runner';
import { Emulation } from '../emulation';
import { accountSettingsCall } from '../emulation/account-settings';
import { AccountSeeder } from '../seed';

const PLAIN = { head: [], border: [] };
type RunWorkflow = typeof import('../runner').runWorkflow;
const trigger = { source: 'cli', principal: 'demo' };
const ended = (e: LocalExecution) => `${e.name}: ${e.status}${e.error ? ` ${e.error}: ${e.cause}` : ''}${(e.output as { outcome?: string } | undefined)?.outcome ? ` ${(e.output as { outcome: string }).outcome}` : ''}`;
const outcomeOf = (e: LocalExecution) => (e.output as { outcome?: string } | undefined)?.outcome;

/** plan -> apply -> re-run, each printed; the problems of a run that did not end with the outcome expected. */
async function planApplyAgain(run: (input: Record<string, unknown>) => Promise<LocalExecution>, input: Record<string, unknown>, between: () => Promise<void>): Promise<{ apply: LocalExecution; problems: string[] }> {
  const problems: string[] = [];
  const expect = async (e: LocalExecution, outcome: string) => {
    console.log(`  ${ended(e)}`);
    if (e.status !== 'SUCCEEDED' || outcomeOf(e) !== outcome) problems.push(`${e.name} ${e.status} ${outcomeOf(e) ?? e.error ?? ''}, expected ${outcome}`);
  };
  console.log(`plan  ${JSON.stringify({ ...input, mode: 'plan' })}`);
  await expect(await run({ ...input, mode: 'plan' }), 'PLANNED');
  await between();
  console.log(`apply ${JSON.stringify(input)}`);
  const apply = await run(input);
  await expect(apply, 'REMEDIATED');
  console.log('re-run (same input)');
  await expect(await run(input), 'NO_ACTION');
  return { apply, problems };
}

const metadataView = (o: InstanceMetadataOptionsResponse | undefined) => `HttpTokens=${o?.HttpTokens ?? '?'} hop limit ${o?.HttpPutResponseHopLimit ?? '?'} endpoint ${o?.HttpEndpoint ?? '?'}`;

/**
 * enforce-imdsv2 on one instance that allows IMDSv1 (EC2's default): plan (nothing changes), apply (IMDSv2 required,
 * hop limit 2 for containers), re-run NO_ACTION. Prints its metadata options before, after the plan and after.
 */
export async function demoEnforceImdsv2(runWorkflow: RunWorkflow): Promise<string[]> {
  const seeder = new AccountSeeder();
  const { instanceId } = await seeder.createInstance({ name: 'legacy-web-1' });
  const options = async () => (await seeder.describe(instanceId)).MetadataOptions;
  const before = await options();
  console.log(`Seeded instance ${instanceId}: ${metadataView(before)} (IMDSv1 allowed).\n`);
  let afterPlan: InstanceMetadataOptionsResponse | undefined;
  const { apply, problems } = await planApplyAgain((input) => runWorkflow('enforce-imdsv2', input), { instanceIds: [instanceId], httpPutResponseHopLimit: 2, trigger },
    async () => { afterPlan = await options(); });
  const after = await options();
  const table = new Table({ head: ['', 'metadata options'], style: PLAIN });
  table.push(['before', metadataView(before)], ['after plan', metadataView(afterPlan)], ['after apply', metadataView(after)]);
  console.log(table.toString());
  for (const a of (apply.output as ImdsReport | undefined)?.actions ?? []) console.log(`  ${a.action} ${a.resourceId} ${JSON.stringify(a.before)} -> ${JSON.stringify(a.after)}`);
  if (afterPlan?.HttpTokens !== before?.HttpTokens) problems.push('the plan changed the instance');
  if (after?.HttpTokens !== 'required' || after.HttpPutResponseHopLimit !== 2) problems.push(`the instance is ${metadataView(after)}, not IMDSv2 required with hop limit 2`);
  return problems;
}

/**
 * enable-ebs-encryption-by-default in the demo region with a customer managed key: plan, apply, re-run NO_ACTION.
 * Prints the region's setting and default key before, after the plan and after, read independently of the workflow.
 */
export async function demoEnableEbsEncryptionByDefault(runWorkflow: RunWorkflow): Promise<string[]> {
  const ec2 = new EC2Client({});
  const kms = new KMSClient({});
  const emulation = new Emulation();
  // moto has no GetEbsDefaultKmsKeyId: the emulation answers it as EC2 does (local/emulation/account-settings.ts).
  const defaultKey = async () => ((await accountSettingsCall({ service: 'ec2', command: 'GetEbsDefaultKmsKeyId', input: {} }, async () => ({}),
    async () => (await emulation.ebsDefaultKmsKeyId()).KmsKeyId)) as { KmsKeyId: string }).KmsKeyId;
  const view = async () => [String((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault), await defaultKey()];
  const key = (await kms.send(new CreateKeyCommand({ Description: 'EBS default key (demo)' }))).KeyMetadata!;
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/ebs-default-demo', TargetKeyId: key.KeyId }));
  const before = await view();
  console.log(`Region: encryption by default ${before[0]}, default key ${before[1]} (the AWS managed key).\n`);
  let afterPlan: string[] = [];
  const { apply, problems } = await planApplyAgain((input) => runWorkflow('enable-ebs-encryption-by-default', input), { kmsKeyId: 'alias/ebs-default-demo', trigger },
    async () => { afterPlan = await view(); });
  const after = await view();
  const table = new Table({ head: ['', 'encryption by default', 'default KMS key'], style: PLAIN });
  table.push(['before', ...before], ['after plan', ...afterPlan], ['after apply', ...after]);
  console.log(table.toString());
  const report = apply.output as EbsDefaultReport | undefined;
  for (const a of report?.actions ?? []) console.log(`  ${a.action} ${JSON.stringify(a.before)} -> ${JSON.stringify(a.after)}`);
  for (const w of report?.warnings ?? []) console.log(`  warning: ${w}`);
  if (afterPlan.join() !== before.join()) problems.push('the plan changed the region\'s settings');
  if (after[0] !== 'true' || after[1] !== key.Arn) problems.push(`the region is encryption ${after[0]} with ${after[1]}, not on with ${key.Arn}`);
  return problems;
}
