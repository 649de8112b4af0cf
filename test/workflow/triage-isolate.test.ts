import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import type { LocalExecution } from '../../local/runner';
import { States } from '../../workflows/triage-start-instances';
import { expectBefore, statesEntered } from './harness';
import { startIsolateHarness, type IsolateHarness } from './isolate-instance-harness';
import { startInstancesEvent } from './triage-harness';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const EVENT_ID = 'e0a1b2c3-2222-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
const SAVED = { TRIAGE_POLICY: process.env.TRIAGE_POLICY, ALLOWED_PRINCIPALS: process.env.ALLOWED_PRINCIPALS };

// moto enforces no policy and tracks no connection: the test shows the account's end state, not refused traffic.
let h: IsolateHarness;
beforeAll(async () => {
  // Set before any handler loads (they read it once, as in Lambda): only the deploy role may start instances;
  // contain-principal and isolate-instance on auto, everything else reported (fewer children).
  process.env.ALLOWED_PRINCIPALS = 'arn:aws:iam::123456789012:role/deploy';
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'contain-principal': 'auto', 'isolate-instance': 'auto' });
  h = await startIsolateHarness();
});
afterAll(async () => {
  for (const [k, v] of Object.entries(SAVED)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  await h?.moto.stop();
});

describe('triage-start-instances, contain-principal and isolate-instance', () => {
  it('an unauthorized StartInstances under policy auto: the principal contained first, then the instance isolated, one case id', async () => {
    // GIVEN alice (not on the allow-list) with an access key, and the instance she started
    const iam = new IAMClient({});
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey?.AccessKeyId as string;
    const { instanceId, targetGroupArn } = await h.instance('stolen');
    const before = await h.view(instanceId, targetGroupArn);
    const event = startInstancesEvent('iam-user', [instanceId], { eventId: EVENT_ID });
    event.detail.userIdentity.accessKeyId = keyId;

    // WHEN EventBridge delivers the real-format event
    const { runWorkflow } = await import('../../local/runner');
    const triage = await runWorkflow('triage-start-instances', event, { executionName: 'triage-isolate-1' });

    // THEN triage started both children, containment before isolation before the assessment, named by the case
    expect([triage.status, triage.error, triage.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const entered = statesEntered(triage);
    expectBefore(entered, States.startContainment, States.startIsolation);
    expectBefore(entered, States.startIsolation, States.assessInstance);
    expect(triage.children?.map((c) => [c.workflow, c.name])).toEqual([
      ['contain-principal', `contain-principal-${CASE_ID}`], ['isolate-instance', `${CASE_ID}-${instanceId}`],
    ]);
    const [contain, isolate] = triage.children as LocalExecution[];
    const trigger = { source: 'eventbridge', principal: ALICE, eventId: EVENT_ID, parentExecution: expect.stringContaining(':triage-isolate-1') };
    expect(contain?.input).toMatchObject({ principalArn: ALICE, accessKeyId: keyId, caseId: CASE_ID, approval: false, trigger });
    expect(isolate?.input).toMatchObject({ instanceId, caseId: CASE_ID, approval: false, trigger });
    expect([contain?.status, isolate?.status, isolate?.error]).toEqual(['SUCCEEDED', 'SUCCEEDED', undefined]);
    expect(isolate?.output).toMatchObject({ workflow: 'isolate-instance', outcome: 'REMEDIATED', caseId: CASE_ID });

    // AND the emulated account: alice's key inactive, the instance tagged isolated by the case, its ENI in the empty group only
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => [k.AccessKeyId, k.Status])).toEqual([[keyId, 'Inactive']]);
    const empty = await h.groupsTagged('empty');
    expect(empty).toEqual([{ groupId: expect.any(String), ingress: [], egress: [] }]);
    const after = await h.view(instanceId, targetGroupArn);
    expect(after.tags).toEqual({ ...before.tags, 'remediation:isolated': CASE_ID });
    expect(after.enis).toEqual(Object.fromEntries(Object.keys(before.enis).map((eni) => [eni, [empty[0]?.groupId]])));
    expect((await h.caseItems(CASE_ID)).map((i) => (i.instanceId as { S?: string } | undefined)?.S)).toEqual([instanceId]);

    // AND the report names both starts under the case
    const report = triage.output as TriageReport;
    expect(report.caseId).toBe(CASE_ID);
    expect(report.actions.map((a) => a.after)).toEqual([
      { workflow: 'contain-principal', name: contain?.name }, { workflow: 'isolate-instance', name: isolate?.name },
    ]);
    expect(report.findings).toContainEqual({ instanceId, finding: `started by ${ALICE}, who is not on the allow-list -> isolate-instance (case ${CASE_ID})`, handling: 'started' });
  });
});
