import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DescribeIamInstanceProfileAssociationsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand } from '@aws-sdk/client-iam';
import { runCli } from '../../cli/commands';
import { TAG } from '../../tasks/lib/tags';
import { localRegion } from '../account';
import { AccountSeeder } from '../seed';
import { saveExecution } from '../store';

const USER = 'mallory';
/** Its own event id: the case is `case-<eventID>`. */
const EVENT_ID = 'e0a1b2c3-7777-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
/** Triage's handlers that read the policy and the allow-list once, at load (as in Lambda). */
const POLICY_READERS = ['tasks/triage/parse-start-event.ts', 'tasks/triage/assess-instance.ts'];
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** What the case changes, read straight from the emulated account: the instance and the IAM user. */
interface View {
  instance: { state?: string; tags: Record<string, string>; enis: Record<string, string[]>; termination?: boolean; stop?: boolean; profile?: string };
  user: { keys: string[]; inlinePolicies: string[]; attachedPolicies: string[] };
}

async function viewOf(ec2: EC2Client, iam: IAMClient, instanceId: string): Promise<View> {
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
  const attribute = async (Attribute: 'disableApiTermination' | 'disableApiStop') => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute }));
  const profile = (await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] })))
    .IamInstanceProfileAssociations?.find((a) => a.State === 'associated')?.IamInstanceProfile?.Arn;
  return {
    instance: {
      state: instance?.State?.Name,
      tags: Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value])),
      enis: Object.fromEntries((instance?.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId, (n.Groups ?? []).map((g) => g.GroupId as string).sort()])),
      termination: (await attribute('disableApiTermination')).DisableApiTermination?.Value,
      stop: (await attribute('disableApiStop')).DisableApiStop?.Value,
      ...(profile ? { profile } : {}),
    },
    user: {
      keys: ((await iam.send(new ListAccessKeysCommand({ UserName: USER }))).AccessKeyMetadata ?? []).map((k) => `${k.AccessKeyId} ${k.Status}`).sort(),
      inlinePolicies: ((await iam.send(new ListUserPoliciesCommand({ UserName: USER }))).PolicyNames ?? []).sort(),
      attachedPolicies: ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: USER }))).AttachedPolicies ?? []).map((p) => p.PolicyArn as string).sort(),
    },
  };
}

/** The real-format CloudTrail StartInstances event (test/fixtures/cloudtrail/iam-user.json) of the user's start of the instance. */
function unauthorizedStart(instanceId: string, accessKeyId: string): Record<string, unknown> {
  const event = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'cloudtrail', 'iam-user.json'), 'utf8'));
  const { detail } = event;
  detail.eventID = EVENT_ID;
  detail.userIdentity = { ...detail.userIdentity, arn: `arn:aws:iam::${event.account}:user/${USER}`, userName: USER, accessKeyId };
  detail.requestParameters.instancesSet.items = [{ instanceId }];
  detail.responseElements.instancesSet.items = [{ instanceId, currentState: { code: 0, name: 'pending' }, previousState: { code: 80, name: 'stopped' } }];
  // Triage acts only on its own region's events.
  event.region = localRegion();
  detail.awsRegion = localRegion();
  return event;
}

/**
 * Runs `body` with triage's policy and allow-list set as CDK context would set them: the handlers that read them at load
 * are loaded afresh, and again after (with what was set before), so the rest of the demo keeps the deployment's defaults.
 */
async function underTriageSettings<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const forget = () => POLICY_READERS.forEach((file) => delete require.cache[require.resolve(path.join(PROJECT_ROOT, file))]);
  Object.assign(process.env, env);
  forget();
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    forget();
  }
}

/** Every difference between two views, as `<path>: <before> -> <after>`. */
function differences(before: unknown, after: unknown, at = ''): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (before && after && typeof before === 'object' && typeof after === 'object' && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => differences((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return [`${at}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`];
}

/**
 * The whole case (issue 10): an unauthorized StartInstances by an IAM user, through triage under policy `auto` for
 * contain-principal and isolate-instance: the user's key deactivated and its older sessions denied, the instance
 * snapshotted and isolated, one case id; `remediate case` shows it; both releases put the account back. What stays,
 * by design: the forensic snapshots (evidence until close-case) and a session deny whose sessions may still be live
 * (locally the Wait for the sessions' maximum duration passes at once, so contain-principal's is removed here).
 */
export async function demoWholeCase(runWorkflow: typeof import('../runner').runWorkflow): Promise<string[]> {
  const problems: string[] = [];
  const ec2 = new EC2Client({});
  const iam = new IAMClient({});
  const { instanceId } = await new AccountSeeder().createInstance({ name: 'payroll-api-1' });
  await iam.send(new CreateUserCommand({ UserName: USER }));
  const keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey?.AccessKeyId as string;
  const before = await viewOf(ec2, iam, instanceId);
  console.log(`Seeded ${instanceId} and IAM user ${USER} with access key ${keyId}; the allow-list names only role/deploy.`);

  const event = unauthorizedStart(instanceId, keyId);
  const store = { store: saveExecution };
  const triage = await underTriageSettings({
    ALLOWED_PRINCIPALS: `arn:aws:iam::${String(event.account)}:role/deploy`,
    TRIAGE_POLICY: JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'contain-principal': 'auto', 'isolate-instance': 'auto' }),
  }, () => runWorkflow('triage-start-instances', event, store));
  const children = triage.children ?? [];
  console.log(`Triage ${triage.name}: ${triage.status}; children: ${children.map((c) => `${c.name} ${c.status}`).join(', ') || 'none'}`);
  const started = children.map((c) => c.workflow);
  if (triage.status !== 'SUCCEEDED' || started.join() !== 'contain-principal,isolate-instance') {
    return [`triage ${triage.status} started [${started.join(', ')}], expected contain-principal then isolate-instance`];
  }
  for (const child of children) {
    if (child.status !== 'SUCCEEDED' || (child.input as { caseId?: string }).caseId !== CASE_ID) problems.push(`${child.name} ${child.status} (case ${String((child.input as { caseId?: string }).caseId)})`);
  }

  const contained = await viewOf(ec2, iam, instanceId);
  console.log('Contained and isolated:');
  for (const line of differences(before, contained)) console.log(`  ${line}`);
  if (!contained.user.keys.includes(`${keyId} Inactive`)) problems.push(`the key ${keyId} is not Inactive`);
  if (contained.instance.tags[TAG.isolated] !== CASE_ID) problems.push(`${instanceId} is not tagged ${TAG.isolated}=${CASE_ID}`);

  // The case as an investigator reads it: `remediate case` (cli/audit/case.ts collectCase, caseText).
  const cli = { out: (text: string) => console.log(text), err: (text: string) => console.error(text) };
  console.log(`\n$ remediate case ${CASE_ID} --local`);
  if ((await runCli(['case', CASE_ID, '--local'], cli)) !== 0) problems.push(`remediate case ${CASE_ID} --local failed`);

  // Both releases, as the case view gives them.
  const trigger = { source: 'cli', principal: 'demo' };
  for (const [workflow, input] of [
    ['contain-principal', { release: { caseId: CASE_ID }, trigger }],
    ['isolate-instance', { release: { caseId: CASE_ID }, instanceId, trigger }],
  ] as const) {
    const released = await runWorkflow(workflow, input, store);
    console.log(`${workflow} release ${released.name}: ${released.status} ${(released.output as { outcome?: string } | undefined)?.outcome ?? released.error ?? ''}`);
    if (released.status !== 'SUCCEEDED') problems.push(`${workflow} release ${released.status} ${released.error}: ${released.cause}`);
  }

  // The end state equals the start, apart from what is kept by design (documented above and in the README).
  const after = await viewOf(ec2, iam, instanceId);
  const snapshots = ((await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG.case}`, Values: [CASE_ID] }] }))).Snapshots ?? [])
    .map((s) => s.SnapshotId as string);
  const keptDeny = after.user.inlinePolicies.filter((p) => !before.user.inlinePolicies.includes(p));
  const left = differences(before, { ...after, user: { ...after.user, inlinePolicies: after.user.inlinePolicies.filter((p) => !keptDeny.includes(p)) } });
  console.log(`After both releases: forensic snapshot(s) kept: ${snapshots.join(', ') || 'none'}; session deny kept: ${keptDeny.join(', ') || 'none (its sessions have expired)'}`);
  if (snapshots.length === 0) problems.push('no forensic snapshot of the case was kept');
  problems.push(...left.map((d) => `not restored: ${d}`));
  if (problems.length === 0) console.log('End state verified: the key active again and the instance back in its groups, untagged and unprotected, exactly as before; only the forensic snapshots (and a session deny while its sessions may live) remain.');
  return problems;
}
