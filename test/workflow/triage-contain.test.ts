import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import type { LocalExecution } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { States } from '../../workflows/triage-start-instances';
import { expectBefore, statesEntered } from './harness';
import { startInstancesEvent } from './triage-harness';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
const SAVED = { TRIAGE_POLICY: process.env.TRIAGE_POLICY, ALLOWED_PRINCIPALS: process.env.ALLOWED_PRINCIPALS };

let moto: MotoServer;
let iam: IAMClient;
let instanceIds: string[];
let keyId: string;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // A deployment that allows only its deploy role to start instances; everything but containment reported (fewer children, a fast test).
  process.env.ALLOWED_PRINCIPALS = 'arn:aws:iam::123456789012:role/deploy';
  iam = new IAMClient({});
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  keyId = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey?.AccessKeyId as string;
  const { AccountSeeder } = await import('../../local/seed');
  const seeder = new AccountSeeder();
  instanceIds = [(await seeder.createInstance({ name: 'a' })).instanceId, (await seeder.createInstance({ name: 'b' })).instanceId];
});
afterAll(async () => {
  for (const [k, v] of Object.entries(SAVED)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  await moto.stop();
});

/**
 * The handlers read the policy at load: a fresh module registry per policy, the runs inside it (the handlers the runner
 * requires must see its client hook, and its record of used execution names is the one Step Functions keeps).
 */
async function triageUnder(policy: Record<string, string>, runs: { event: Record<string, unknown>; name: string }[]): Promise<LocalExecution[]> {
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'isolate-instance': 'report', ...policy });
  const executions: LocalExecution[] = [];
  await jest.isolateModulesAsync(async () => {
    const { runWorkflow } = await import('../../local/runner');
    for (const { event, name } of runs) executions.push(await runWorkflow('triage-start-instances', event, { executionName: name }));
  });
  return executions;
}

const aliceEvent = () => {
  const event = startInstancesEvent('iam-user', instanceIds, { eventId: EVENT_ID });
  event.detail.userIdentity.accessKeyId = keyId;
  return event;
};

describe('triage-start-instances and contain-principal', () => {
  it('a principal not on the allow-list: contain-principal once for the event (two instances), with the case id; a second delivery starts none', async () => {
    // WHEN the event of alice's start of two instances arrives, under contain-principal: auto
    // (and EventBridge delivering it a second time)
    const [first, again] = await triageUnder({ 'contain-principal': 'auto' }, [{ event: aliceEvent(), name: 'triage-contain-1' }, { event: aliceEvent(), name: 'triage-contain-2' }]);
    if (!first || !again) throw new Error('two runs expected');

    // THEN one contain-principal child, named by the case, contained alice's key
    expect([first.status, first.error, first.cause]).toEqual(["SUCCEEDED", undefined, undefined]);
    expect(statesEntered(first).filter((s) => s === States.assessInstance)).toHaveLength(2);
    expect(statesEntered(first).filter((s) => s === States.startContainment)).toHaveLength(1);
    // The principal before the instances: an assessment that fails cannot keep the key active.
    expectBefore(statesEntered(first), States.startContainment, States.assessInstances);
    expect(first.children?.map((c) => [c.workflow, c.name])).toEqual([['contain-principal', `contain-principal-${CASE_ID}`]]);
    const child = first.children?.[0] as LocalExecution;
    expect(child.input).toMatchObject({
      principalArn: ALICE, principalType: 'IAMUser', accessKeyId: keyId, caseId: CASE_ID, approval: false,
      trigger: { source: 'eventbridge', principal: ALICE, eventId: EVENT_ID, parentExecution: expect.stringContaining(':triage-contain-1') },
    });
    expect(child.status).toBe('SUCCEEDED');
    expect(child.output).toMatchObject({ workflow: 'contain-principal', outcome: 'REMEDIATED' });
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata ?? [];
    expect(keys.map((k) => [k.AccessKeyId, k.Status])).toEqual([[keyId, 'Inactive']]);
    const report = first.output as TriageReport;
    expect(report.caseId).toBe(CASE_ID);
    expect(report.actions).toEqual([expect.objectContaining({ action: 'start-execution', after: { workflow: 'contain-principal', name: child.name } })]);

    // AND the second delivery started no second containment: the case's child was found started
    expect(again.status).toBe('SUCCEEDED');
    expect(statesEntered(again)).toContain(States.startContainment);
    expect(again.children).toEqual([]);
    expect((again.output as TriageReport).actions).toEqual([expect.objectContaining({ resourceId: expect.stringMatching(new RegExp(`:${child.name}$`)) })]);
  });

  it('under report nothing is started: the finding is reported with the case id', async () => {
    const [execution] = await triageUnder({ 'contain-principal': 'report' }, [{ event: aliceEvent(), name: 'triage-contain-3' }]);
    if (!execution) throw new Error('one run expected');

    expect(execution.status).toBe('SUCCEEDED');
    expect(statesEntered(execution)).not.toContain(States.startContainment);
    expect(execution.children).toEqual([]);
    const report = execution.output as TriageReport;
    expect(report).toMatchObject({ caseId: CASE_ID, outcome: 'NO_ACTION', actions: [] });
    expect(report.findings).toContainEqual({ instanceId: '*', finding: `started by ${ALICE}, who is not on the allow-list -> contain-principal (case ${CASE_ID})`, handling: 'reported' });
  });
});
