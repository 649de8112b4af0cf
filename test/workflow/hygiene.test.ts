import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateTagsCommand, DisableEbsEncryptionByDefaultCommand, EC2Client, GetEbsEncryptionByDefaultCommand, ModifyInstanceMetadataOptionsCommand, type Instance,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { EbsDefaultReport } from '../../tasks/ebs-default/build-ebs-default-report';
import type { ImdsReport } from '../../tasks/imds/build-imds-report';
import type { Assessment } from '../../tasks/triage/assess-instance';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { States as EbsStates } from '../../workflows/enable-ebs-encryption-by-default';
import { States } from '../../workflows/enforce-imdsv2';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { expectEach, locked, lockedFailure, mutatingCalls, planned, startHarness, statesEntered, tag, withLockCalls, type Harness } from './harness';
import { startInstancesEvent } from './triage-harness';

// The hygiene workflows (issue 11 items 3, 4, 6) through the local runner against moto, in one file: test time is
// scarce, and one file loads the handlers and the SDK once. GIVEN instances that allow IMDSv1 (EC2's default) and a
// region without EBS encryption by default (moto's default), WHEN enforce-imdsv2, triage-start-instances and
// enable-ebs-encryption-by-default run, THEN the emulated account is as asserted. Cases build on one account, in order.
let h: Harness;
let runWorkflow: (workflow: string, input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
let accountSettings: typeof import('../../local/emulation/account-settings')['accountSettingsCall'];
/** The local stand-in for aws/ebs: what GetEbsDefaultKmsKeyId answers until a key is set. */
let awsManagedKey: string;
beforeAll(async () => {
  // triage's policy (cdk.json context `triage.policy`), read when its handlers load: both hygiene entries opted in.
  process.env.TRIAGE_POLICY = JSON.stringify({
    'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'enforce-imdsv2': 'auto', 'enable-ebs-encryption-by-default': 'auto', 'high-cpu': 'auto',
  });
  h = await startHarness();
  ({ runWorkflow } = await import('../../local/runner'));
  ({ accountSettingsCall: accountSettings } = await import('../../local/emulation/account-settings'));
  const { Emulation } = await import('../../local/emulation');
  awsManagedKey = (await new Emulation().ebsDefaultKmsKeyId()).KmsKeyId;
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  await h.moto.stop();
});
/** What the emulation answers for a region setting moto lacks (GetEbsDefaultKmsKeyId, GetInstanceMetadataDefaults). */
const setting = (command: string) => accountSettings({ service: 'ec2', command, input: {} }, async () => ({}), async () => awsManagedKey);

const options = async (instanceId: string) => (await h.seeder.describe(instanceId)).MetadataOptions ?? {};
const imdsReport = (e: LocalExecution) => e.output as ImdsReport;
async function usedImdsV1(instanceId: string): Promise<void> {
  await new CloudWatchClient({}).send(new PutMetricDataCommand({
    Namespace: 'AWS/EC2',
    MetricData: [{ MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId', Value: instanceId }], Value: 12, Unit: 'Count', Timestamp: new Date(Date.now() - 86_400_000) }],
  }));
}
const lockTag = (instance: Instance) => tag(instance.Tags, 'remediation:lock');

describe('enforce-imdsv2 on every instance of the region, with the account default', () => {
  it('plans, then requires IMDSv2 where no software uses v1, waits while EC2 applies it, sets the default; a re-run is NO_ACTION', async () => {
    const quiet = (await h.seeder.createInstance({ name: 'quiet' })).instanceId;
    const legacy = (await h.seeder.createInstance({ name: 'legacy', state: 'stopped' })).instanceId;
    const excluded = (await h.seeder.createInstance({ name: 'excluded', tags: [{ Key: 'remediation:exclude', Value: 'true' }] })).instanceId;
    const modern = (await h.seeder.createInstance({ name: 'modern' })).instanceId;
    await h.seeder.ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: modern, HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' }));
    await usedImdsV1(legacy);
    const input = { allInstances: true, accountDefault: true, httpPutResponseHopLimit: 2 };

    const plan = await runWorkflow('enforce-imdsv2', { ...input, mode: 'plan' });
    expect(plan.status).toBe('SUCCEEDED');
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(States.planImds, States.initWork, States.routeByPlan, States.buildReport));
    expect(imdsReport(plan).instances.map((i) => [i.instanceId, i.action])).toEqual([[quiet, 'enforce'], [legacy, 'skipped'], [excluded, 'skipped']].sort());
    expect(imdsReport(plan).instances.find((i) => i.instanceId === legacy)).toMatchObject({ v1Use: { recent: true }, reason: expect.stringMatching(/IMDSv1 used within 14 days.*allowV1Breakage/) });
    expect(imdsReport(plan).warnings).toContain(`${legacy}: IMDSv1 used within 14 days; left allowing IMDSv1 so its software keeps working`);
    expect(imdsReport(plan)).toMatchObject({ outcome: 'PLANNED', target: 'instances', accountDefault: { before: {}, change: true } });

    const apply = await runWorkflow('enforce-imdsv2', input, { faults: { metadataOptionsPendingPolls: 1 } });
    expect(apply.status).toBe('SUCCEEDED');
    expect(statesEntered(apply)).toEqual(locked(
      States.planImds, States.initWork, States.routeByPlan, S.lockResources, States.routeAfterLock, States.enforceImdsv2, States.setMetadataDefaults,
      States.checkMetadataOptions, States.routeMetadataOptions, States.waitMetadataOptions, States.checkMetadataOptions, States.routeMetadataOptions, States.buildReport,
    ));
    expect(await options(quiet)).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', State: 'applied' });
    expect(await options(legacy)).toMatchObject({ HttpTokens: 'optional' });
    expect(await options(excluded)).toMatchObject({ HttpTokens: 'optional' });
    expect(((await setting('GetInstanceMetadataDefaults')) as { AccountLevel: unknown }).AccountLevel).toEqual({ HttpTokens: 'required' });
    expect(imdsReport(apply).actions.map((a) => [a.action, a.resourceId, a.before?.httpTokens, a.after?.httpTokens])).toEqual([
      ['require-imdsv2', quiet, 'optional', 'required'], ['require-imdsv2-by-default', 'account-default', undefined, 'required'],
    ]);
    // The lock tag LockResources set on the changed instance is gone with the (account-level) lock.
    expectEach(await Promise.all([quiet, legacy, excluded, modern].map((id) => h.seeder.describe(id))), (i) => lockTag(i) === undefined);

    const again = await runWorkflow('enforce-imdsv2', input);
    expect(again.status).toBe('SUCCEEDED');
    expect(imdsReport(again)).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
  });
});

describe('enforce-imdsv2 rollback', () => {
  it('a refusal on the second instance puts the first one\'s options back: FAILED RemediationRolledBack', async () => {
    const first = (await h.seeder.createInstance({ name: 'first' })).instanceId;
    const second = (await h.seeder.createInstance({ name: 'second' })).instanceId;
    await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [first], Tags: [{ Key: 'team', Value: 'web' }] }));

    const execution = await runWorkflow('enforce-imdsv2', { instanceIds: [first, second].sort(), httpPutResponseHopLimit: 3 }, {
      faults: { failCall: { command: 'ModifyInstanceMetadataOptions', nth: 2, errorName: 'UnauthorizedOperation', message: 'not authorized (injected)' } },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    expect(statesEntered(execution)).toEqual(lockedFailure(
      States.planImds, States.initWork, States.routeByPlan, S.lockResources, States.routeAfterLock, States.enforceImdsv2, States.restoreMetadataOptions, States.imdsRolledBack,
    ));
    for (const id of [first, second]) expect(await options(id)).toMatchObject({ HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' });
    const cause = JSON.parse(String(execution.cause));
    expect(cause).toMatchObject({ restored: true, error: { error: 'UnauthorizedOperation' } });
    expect(cause.undone.map((u: { resourceId: string; status: string }) => u.status).sort()).toEqual(['restored', 'unchanged']);
    expectEach(await Promise.all([first, second].map((id) => h.seeder.describe(id))), (i) => lockTag(i) === undefined);
  });
});

describe('triage-start-instances with the hygiene entries on auto', () => {
  it('reports IMDSv1, EBS encryption by default off and no CPU alarm for the started instance, and starts the three children with their input', async () => {
    const { instanceId } = await h.seeder.createInstance({ name: 'hygiene' });

    const typeBefore = (await h.seeder.describe(instanceId)).InstanceType;
    // The children run (locally to their end, before the parent goes on): high-cpu's must parse triage's input and put the alarm.
    const parent = await runWorkflow('triage-start-instances', startInstancesEvent('iam-user', [instanceId]), { executionName: 'triage-hygiene-1' });

    expect(parent.status).toBe('SUCCEEDED');
    const assessments = parent.events.filter((e) => e.state === 'AssessInstance' && (e.output as { assessment?: Assessment } | undefined)?.assessment)
      .map((e) => (e.output as { assessment: Assessment }).assessment);
    expect(assessments.map((a) => a.hygiene)).toEqual([{ imdsV1Allowed: true, ebsEncryptionByDefault: false, cpuAlarm: false }]);
    expect((parent.output as TriageReport).findings).toEqual(expect.arrayContaining([
      { instanceId, finding: 'allows IMDSv1 (HttpTokens optional) -> enforce-imdsv2', handling: 'started' },
      { instanceId, finding: 'EBS encryption by default is off in us-east-1: the next volume created is unencrypted -> enable-ebs-encryption-by-default', handling: 'started' },
      { instanceId, finding: `no CPU alarm (remediation-high-cpu-${instanceId}) -> high-cpu`, handling: 'started' },
    ]));
    // encrypt-volumes and enable-flow-logs are on report: only the three hygiene children were started; high-cpu for the alarm alone.
    const children = parent.children ?? [];
    expect(children.map((c) => [c.workflow, c.status, { ...(c.input as Record<string, unknown>), trigger: undefined }]).sort()).toEqual([
      ['enable-ebs-encryption-by-default', 'SUCCEEDED', { trigger: undefined }], ['enforce-imdsv2', 'SUCCEEDED', { instanceIds: [instanceId], trigger: undefined }],
      ['high-cpu', 'SUCCEEDED', { instanceId, resize: false, trigger: undefined }],
    ]);
    const highCpu = children.find((c) => c.workflow === 'high-cpu');
    if (!highCpu) throw new Error('triage started no high-cpu child');
    expect(highCpu.output).toMatchObject({ outcome: 'REMEDIATED', actions: [{ action: 'create-alarm', resourceId: `remediation-high-cpu-${instanceId}` }] });
    expect(mutatingCalls(highCpu)).toEqual(withLockCalls('instance', 'cloudwatch:PutMetricAlarm'));
    const alarms = await new CloudWatchClient({}).send(new DescribeAlarmsCommand({ AlarmNames: [`remediation-high-cpu-${instanceId}`] }));
    expect(alarms.MetricAlarms?.map((a) => [a.MetricName, a.Dimensions])).toEqual([['CPUUtilization', [{ Name: 'InstanceId', Value: instanceId }]]]);
    expect(await h.seeder.describe(instanceId)).toMatchObject({ InstanceType: typeBefore, State: { Name: 'running' } });
    // The EBS cases below start from the region as AWS leaves it; the EBS child just changed it.
    await resetRegion();
  });
});

// Each EBS case starts from the region as AWS leaves it: encryption off, the AWS managed key (ResetEbsDefaultKmsKeyId, emulated).
const resetRegion = async () => {
  await accountSettings({ service: 'ec2', command: 'ResetEbsDefaultKmsKeyId', input: {} }, async () => ({}), async () => awsManagedKey);
  await new EC2Client({}).send(new DisableEbsEncryptionByDefaultCommand({}));
};

const encryptionByDefault = async () => (await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault;
const kms = new KMSClient({});
const ec2 = new EC2Client({});
async function customerKey(alias: string): Promise<{ arn: string; id: string }> {
  const key = (await kms.send(new CreateKeyCommand({ Description: alias }))).KeyMetadata!;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId }));
  return { arn: key.Arn!, id: key.KeyId! };
}
const ebsBody = [EbsStates.planEbsDefault, EbsStates.initWork, EbsStates.routeByPlan];
const ebsReport = (e: LocalExecution) => e.output as EbsDefaultReport;

describe('enable-ebs-encryption-by-default', () => {
  afterEach(resetRegion);

  it('plans without changing anything, applies the given key, verifies, and a re-run is NO_ACTION', async () => {
    const { arn: keyArn } = await customerKey('alias/ebs-default');

    const plan = await runWorkflow('enable-ebs-encryption-by-default', { kmsKeyId: 'alias/ebs-default', mode: 'plan' });
    expect(plan.status).toBe('SUCCEEDED');
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(...ebsBody, EbsStates.buildReport));
    expect(ebsReport(plan)).toMatchObject({
      outcome: 'PLANNED', target: 'us-east-1', changes: ['enable-encryption-by-default', 'set-default-kms-key'],
      before: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, after: { encryptionByDefault: true, kmsKeyArn: keyArn },
    });
    expect(ebsReport(plan).warnings[0]).toMatch(new RegExp(`every new EBS volume in this region is encrypted with ${keyArn}.*kms:CreateGrant`));
    expect(await encryptionByDefault()).toBe(false);

    const apply = await runWorkflow('enable-ebs-encryption-by-default', { kmsKeyId: 'alias/ebs-default' });
    expect(apply.status).toBe('SUCCEEDED');
    expect(statesEntered(apply)).toEqual(locked(...ebsBody, EbsStates.enableEncryptionByDefault, EbsStates.setDefaultKmsKey, EbsStates.verifyEbsDefault, EbsStates.buildReport));
    expect(mutatingCalls(apply)).toEqual(withLockCalls('account', 'ec2:EnableEbsEncryptionByDefault', 'ec2:ModifyEbsDefaultKmsKeyId'));
    expect(await encryptionByDefault()).toBe(true);
    expect(((await setting('GetEbsDefaultKmsKeyId')) as { KmsKeyId: string }).KmsKeyId).toBe(keyArn);
    expect(ebsReport(apply)).toMatchObject({
      outcome: 'REMEDIATED', before: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, after: { encryptionByDefault: true, kmsKeyId: keyArn, kmsKeyArn: keyArn },
    });
    expect(ebsReport(apply).actions.map((a) => [a.action, a.before, a.after])).toEqual([
      ['enable-ebs-encryption-by-default', { encryptionByDefault: false }, { encryptionByDefault: true }],
      ['set-ebs-default-kms-key', { kmsKeyId: awsManagedKey }, { kmsKeyId: keyArn }],
    ]);

    const again = await runWorkflow('enable-ebs-encryption-by-default', { kmsKeyId: keyArn });
    expect(again.status).toBe('SUCCEEDED');
    expect(ebsReport(again)).toMatchObject({ outcome: 'NO_ACTION', changes: [], actions: [] });
    expect(mutatingCalls(again)).toEqual(withLockCalls('account'));
  });

  it('puts back the prior settings when setting the key fails after enabling: FAILED RemediationRolledBack', async () => {
    await customerKey('alias/ebs-rollback');

    const execution = await runWorkflow('enable-ebs-encryption-by-default', { kmsKeyId: 'alias/ebs-rollback' }, {
      // A permanent refusal (a transient InternalError is retried and the run succeeds).
      faults: { failCall: { command: 'ModifyEbsDefaultKmsKeyId', nth: 1, errorName: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation (injected)' } },
    });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RemediationRolledBack');
    expect(statesEntered(execution)).toEqual(lockedFailure(
      ...ebsBody, EbsStates.enableEncryptionByDefault, EbsStates.setDefaultKmsKey, EbsStates.restoreEbsDefault, EbsStates.ebsDefaultRolledBack,
    ));
    expect(await encryptionByDefault()).toBe(false);
    expect(((await setting('GetEbsDefaultKmsKeyId')) as { KmsKeyId: string }).KmsKeyId).toBe(awsManagedKey);
    const cause = JSON.parse(String(execution.cause));
    expect(cause).toMatchObject({
      restored: true, whatToDo: [], before: { encryptionByDefault: false, kmsKeyId: awsManagedKey },
      after: { encryptionByDefault: false, kmsKeyId: awsManagedKey }, undone: [{ action: 'disable-encryption-by-default', status: 'restored' }],
    });
    expect(cause.error.error).toBe('UnauthorizedOperation');
  });
});
