import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateTagsCommand, ModifyInstanceMetadataOptionsCommand, type Instance } from '@aws-sdk/client-ec2';
import type { ImdsReport } from '../../tasks/imds/build-imds-report';
import { States } from '../../workflows/enforce-imdsv2';
import { SkeletonStates as S } from '../../workflows/lib/skeleton';
import type { LocalExecution } from '../../local/runner';
import { expectEach, locked, lockedFailure, mutatingCalls, planned, startHarness, statesEntered, tag, type Harness } from './harness';

// GIVEN instances that allow IMDSv1 (moto's default), one whose software used IMDSv1 yesterday (MetadataNoToken), one
// excluded, one requiring IMDSv2 already, WHEN enforce-imdsv2 runs through the local runner, THEN the emulated
// instances' metadata options are as asserted.
let h: Harness;
let run: (input: Record<string, unknown>, options?: Parameters<Harness['run']>[1]) => Promise<LocalExecution>;
let metadataDefaults: () => Promise<Record<string, unknown>>;
beforeAll(async () => {
  h = await startHarness();
  const { runWorkflow } = await import('../../local/runner');
  const { accountSettingsCall } = await import('../../local/emulation/account-settings');
  run = (input, options) => runWorkflow('enforce-imdsv2', input, options);
  metadataDefaults = async () => {
    const out = await accountSettingsCall({ service: 'ec2', command: 'GetInstanceMetadataDefaults', input: {} }, async () => ({}), async () => '');
    return (out as { AccountLevel: Record<string, unknown> }).AccountLevel;
  };
});
afterAll(() => h.moto.stop());

const options = async (instanceId: string) => (await h.seeder.describe(instanceId)).MetadataOptions ?? {};
const report = (e: LocalExecution) => e.output as ImdsReport;
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

    const plan = await run({ ...input, mode: 'plan' });
    expect(plan.status).toBe('SUCCEEDED');
    expect(mutatingCalls(plan)).toEqual([]);
    expect(statesEntered(plan)).toEqual(planned(States.planImds, States.initWork, States.routeByPlan, States.buildReport));
    expect(report(plan).instances.map((i) => [i.instanceId, i.action])).toEqual([[quiet, 'enforce'], [legacy, 'skipped'], [excluded, 'skipped']].sort());
    expect(report(plan).instances.find((i) => i.instanceId === legacy)).toMatchObject({ v1Use: { recent: true }, reason: expect.stringMatching(/IMDSv1 used within 14 days.*allowV1Breakage/) });
    expect(report(plan).warnings).toContain(`${legacy}: IMDSv1 used within 14 days; left allowing IMDSv1 so its software keeps working`);
    expect(report(plan)).toMatchObject({ outcome: 'PLANNED', target: 'instances', accountDefault: { before: {}, change: true } });

    const apply = await run(input, { faults: { metadataOptionsPendingPolls: 1 } });
    expect(apply.status).toBe('SUCCEEDED');
    expect(statesEntered(apply)).toEqual(locked(
      States.planImds, States.initWork, States.routeByPlan, S.lockResources, States.routeAfterLock, States.enforceImdsv2, States.setMetadataDefaults,
      States.checkMetadataOptions, States.routeMetadataOptions, States.waitMetadataOptions, States.checkMetadataOptions, States.routeMetadataOptions, States.buildReport,
    ));
    expect(await options(quiet)).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled', State: 'applied' });
    expect(await options(legacy)).toMatchObject({ HttpTokens: 'optional' });
    expect(await options(excluded)).toMatchObject({ HttpTokens: 'optional' });
    expect(await metadataDefaults()).toEqual({ HttpTokens: 'required' });
    expect(report(apply).actions.map((a) => [a.action, a.resourceId, a.before?.httpTokens, a.after?.httpTokens])).toEqual([
      ['require-imdsv2', quiet, 'optional', 'required'], ['require-imdsv2-by-default', 'account-default', undefined, 'required'],
    ]);
    // The lock tag LockResources set on the changed instance is gone with the (account-level) lock.
    expectEach(await Promise.all([quiet, legacy, excluded, modern].map((id) => h.seeder.describe(id))), (i) => lockTag(i) === undefined);

    const again = await run(input);
    expect(again.status).toBe('SUCCEEDED');
    expect(report(again)).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
  });
});

describe('enforce-imdsv2 rollback', () => {
  it('a refusal on the second instance puts the first one\'s options back: FAILED RemediationRolledBack', async () => {
    const first = (await h.seeder.createInstance({ name: 'first' })).instanceId;
    const second = (await h.seeder.createInstance({ name: 'second' })).instanceId;
    await h.seeder.ec2.send(new CreateTagsCommand({ Resources: [first], Tags: [{ Key: 'team', Value: 'web' }] }));

    const execution = await run({ instanceIds: [first, second].sort(), httpPutResponseHopLimit: 3 }, {
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
