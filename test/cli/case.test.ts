import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand, ListExecutionsCommand, ListStateMachinesCommand, SFNClient, type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { CaseView } from '../../cli/audit/case';
import { saveExecution } from '../../local/store';
import type { LocalExecution } from '../../local/runner';
import { cli, tableRows } from './cli';

const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const KEY = 'AKIAEXAMPLEKEY000001';
const TABLE = 'Local-PrincipalCases';
const INSTANCES = ['i-0a1b2c3d4e5f60718', 'i-0f1e2d3c4b5a69788'];
const arnOf = (workflow: string, name: string) => `arn:aws:states:us-east-1:123456789012:execution:remediation-${workflow}:${name}`;
const CONTAIN_NAME = `contain-principal-${CASE_ID}`;

const event = (eventId: string) => ({
  id: 'delivery-1', account: '123456789012', region: 'us-east-1',
  detail: {
    eventID: eventId, eventTime: '2026-11-27T10:15:30Z', eventName: 'StartInstances', sourceIPAddress: '203.0.113.10',
    userIdentity: { type: 'IAMUser', arn: ALICE, accessKeyId: KEY },
    requestParameters: { instancesSet: { items: INSTANCES.map((instanceId) => ({ instanceId })) } },
  },
});
const run = (workflow: string, name: string, at: string, input: unknown, output?: unknown, status: LocalExecution['status'] = 'SUCCEEDED'): LocalExecution => ({
  name, workflow, input, status, ...(output ? { output } : {}), startDate: at, stopDate: at.replace(/:00Z$/, ':30Z'), events: [], invocations: {}, faults: undefined as never,
});
const TRIAGE = run('triage-start-instances', 'triage-1', '2026-11-27T10:16:00Z', event(EVENT_ID), {
  workflow: 'triage-start-instances', outcome: 'REMEDIATED', caseId: CASE_ID,
  actions: [{ action: 'start-execution', resourceId: arnOf('contain-principal', CONTAIN_NAME) }, { action: 'start-execution', resourceId: arnOf('encrypt-volumes', 'encrypt-volumes-x') }],
});
const CONTAIN = run('contain-principal', CONTAIN_NAME, '2026-11-27T10:17:00Z', { principalArn: ALICE, principalType: 'IAMUser', accessKeyId: KEY, caseId: CASE_ID },
  { workflow: 'contain-principal', outcome: 'REMEDIATED', actions: [] });
const ENCRYPT = run('encrypt-volumes', 'encrypt-volumes-x', '2026-11-27T10:16:30Z', { instanceId: INSTANCES[0] }, undefined, 'FAILED');
const RELEASE = run('contain-principal', 'contain-principal-release-1', '2026-11-27T11:00:00Z', { release: { caseId: CASE_ID } }, { workflow: 'contain-principal', outcome: 'REMEDIATED', actions: [] });
const CLOSE = run('close-case', 'close-case-1', '2026-11-28T09:00:00Z', { caseId: CASE_ID, reason: 'investigation INC-1 done' }, {
  workflow: 'close-case', outcome: 'REMEDIATED', caseId: CASE_ID, reason: 'investigation INC-1 done', closedAt: '2026-11-28T09:00:05Z',
  actions: [{ action: 'close-case-snapshot', resourceId: 'snap-0a1b2c3d4e5f60718' }],
});
const OTHER = run('triage-start-instances', 'triage-2', '2026-11-27T10:20:00Z', event('another-event'), { outcome: 'NO_ACTION', actions: [] });

/** The case record as contain-principal's save-case and apply-containment leave it (tasks/principal/lib/case-store.ts). */
const ITEM = {
  caseId: { S: CASE_ID }, principalArn: { S: ALICE }, principal: { S: JSON.stringify({ kind: 'user', partition: 'aws', account: '123456789012', arn: ALICE, name: 'alice' }) },
  containExecution: { S: CONTAIN_NAME }, savedAt: { S: '2026-11-27T10:17:05Z' },
  prior: { S: JSON.stringify({ accessKeys: [{ accessKeyId: KEY, status: 'Active' }], inlinePolicies: [] }) },
  planned: { S: JSON.stringify({ deactivateKeys: [KEY], sessionPolicy: { name: `remediation-contain-${CASE_ID}` } }) },
  sessionPolicy: { S: JSON.stringify({ name: `remediation-contain-${CASE_ID}`, document: '{}', revokedBefore: '2026-11-27T10:17:05Z' }) },
  maxSessionSeconds: { N: '129600' },
  changes: { M: {
    [`deactivate-access-key:${KEY}`]: { M: { action: { S: 'deactivate-access-key' }, resourceId: { S: KEY }, at: { S: '2026-11-27T10:17:06Z' } } },
    'put-session-deny:alice': { M: { action: { S: 'put-session-deny' }, resourceId: { S: `remediation-contain-${CASE_ID}` }, at: { S: '2026-11-27T10:17:07Z' } } },
  } },
};

const dynamodb = mockClient(DynamoDBClient);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-case-test-'));
  for (const execution of [TRIAGE, CONTAIN, ENCRYPT, RELEASE, OTHER, CLOSE]) saveExecution(execution, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(GetItemCommand, { TableName: TABLE, Key: { caseId: { S: CASE_ID } } }).resolves({ Item: ITEM });
});

const local = (args: string[]) => cli(['case', ...args, '--local', '--case-table', TABLE], { localDir: dir, dynamodb: new DynamoDBClient({}) });

describe('remediate case --local', () => {
  it('shows the timeline (triage, its children, the release), the evidence, what was changed with before/after, and how to release', async () => {
    const shown = await local([CASE_ID]);

    expect(shown.code).toBe(0);
    const rows = tableRows(shown.out);
    expect(rows.filter((r) => r.length === 6).map((r) => [r[1], r[2], r[5]])).toEqual([
      ['workflow', 'status', 'execution'],
      ['triage-start-instances', 'SUCCEEDED', 'triage-1'],
      ['encrypt-volumes', 'FAILED', 'encrypt-volumes-x'],
      ['contain-principal', 'SUCCEEDED', CONTAIN_NAME],
      ['contain-principal', 'SUCCEEDED', 'contain-principal-release-1'],
      ['close-case', 'SUCCEEDED', 'close-case-1'],
    ]);
    expect(shown.out).toContain('Closure\n  closed at 2026-11-28T09:00:05Z by close-case-1: investigation INC-1 done\n  forensic snapshots marked: snap-0a1b2c3d4e5f60718 ');
    expect(shown.out).toContain(`  principal  ${ALICE} (IAMUser)\n  key used   ${KEY}\n  source IP  203.0.113.10\n  instances  ${INSTANCES.join(', ')}`);
    expect(rows.filter((r) => r.length === 5)).toEqual([
      ['action', 'resource', 'before', 'after', 'at'],
      ['deactivate-access-key', KEY, 'Active', 'Inactive', '2026-11-27T10:17:06Z'],
      ['put-session-deny', `remediation-contain-${CASE_ID}`, '(no such policy)', 'inline deny of sessions issued before 2026-11-27T10:17:05Z', '2026-11-27T10:17:07Z'],
    ]);
    expect(shown.out).toContain(`remediate start contain-principal --local --input '{"release":{"caseId":"${CASE_ID}"}}' --wait`);
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, ConsistentRead: true });
  });

  it('--json gives the same view, and says when the case was released', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: { ...ITEM, releasedAt: { S: '2026-11-27T11:00:10Z' }, releaseExecution: { S: 'contain-principal-release-1' } } });

    const view = JSON.parse((await local([CASE_ID, '--json'])).out) as CaseView;

    expect(view.timeline.map((r) => r.name)).toEqual(['triage-1', 'encrypt-volumes-x', CONTAIN_NAME, 'contain-principal-release-1', 'close-case-1']);
    expect(view.closure).toEqual({ closed: true, closedAt: '2026-11-28T09:00:05Z', execution: 'close-case-1', reason: 'investigation INC-1 done', snapshots: ['snap-0a1b2c3d4e5f60718'] });
    expect(view.evidence).toEqual({ eventId: EVENT_ID, eventTime: '2026-11-27T10:15:30Z', principal: ALICE, principalType: 'IAMUser', accessKeyId: KEY, sourceIp: '203.0.113.10', instances: INSTANCES });
    expect(view.release).toEqual({
      input: { release: { caseId: CASE_ID } }, command: `remediate start contain-principal --local --input '{"release":{"caseId":"${CASE_ID}"}}' --wait`,
      releasedAt: '2026-11-27T11:00:10Z', releaseExecution: 'contain-principal-release-1',
    });
  });

  it('a case with no record says nothing was contained; a malformed id is refused with exit code 2', async () => {
    dynamodb.on(GetItemCommand).resolves({});

    const none = await local(['case-unknown-event']);
    const bad = await local(['case with spaces']);

    expect(none.code).toBe(0);
    expect(none.out).toContain('no execution of this case in our state machines');
    expect(none.out).toContain('no case case-unknown-event in the case table: nothing was contained (yet)');
    expect(none.out).toContain(`Closure\n  not closed: its forensic snapshots are kept whatever their retain-until says\n  remediate start close-case --local --input '{"caseId":"case-unknown-event","reason":"<why the case is closed>"}' --wait`);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('expected a case id such as case-<CloudTrail event id>') });
  });
});

describe('remediate case (AWS)', () => {
  const sfn = mockClient(SFNClient);
  afterAll(() => sfn.restore());

  it('finds the triage execution by its event and the children its report lists, through Step Functions; without a table it says how to give one', async () => {
    const machine = (w: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:remediation-${w}`;
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: ['triage-start-instances', 'contain-principal', 'encrypt-volumes'].map((w) => ({ name: `remediation-${w}`, stateMachineArn: machine(w), type: 'STANDARD', creationDate: new Date() })) });
    const described = (e: LocalExecution): DescribeExecutionCommandOutput => ({
      executionArn: arnOf(e.workflow, e.name), stateMachineArn: machine(e.workflow), name: e.name, status: e.status, startDate: new Date(e.startDate), stopDate: new Date(e.stopDate),
      input: JSON.stringify(e.input), ...(e.output ? { output: JSON.stringify(e.output) } : {}), $metadata: {},
    });
    for (const e of [TRIAGE, CONTAIN, ENCRYPT]) sfn.on(DescribeExecutionCommand, { executionArn: arnOf(e.workflow, e.name) }).resolves(described(e));
    const summary = (e: LocalExecution) => ({ executionArn: arnOf(e.workflow, e.name), stateMachineArn: machine(e.workflow), name: e.name, status: e.status, startDate: new Date(e.startDate) });
    sfn.on(ListExecutionsCommand, { stateMachineArn: machine('triage-start-instances') }).resolves({ executions: [summary(TRIAGE)] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: machine('contain-principal') }).resolves({ executions: [summary(CONTAIN)] });
    const saved = process.env.PRINCIPAL_CASE_TABLE_NAME;
    delete process.env.PRINCIPAL_CASE_TABLE_NAME;

    const view = JSON.parse((await cli(['case', CASE_ID, '--json'], { sfn: new SFNClient({}) })).out) as CaseView;
    if (saved !== undefined) process.env.PRINCIPAL_CASE_TABLE_NAME = saved;

    expect(view.timeline.map((r) => [r.workflow, r.name])).toEqual([['triage-start-instances', 'triage-1'], ['encrypt-volumes', 'encrypt-volumes-x'], ['contain-principal', CONTAIN_NAME]]);
    expect(view.recordNote).toBe('the case table is unknown: give --case-table <name> (the stack\'s PrincipalCases table) or set PRINCIPAL_CASE_TABLE_NAME');
    expect(view.release.command).toBe(`remediate start contain-principal --input '{"release":{"caseId":"${CASE_ID}"}}' --wait`);
    expect(view.closure).toEqual({ closed: false, input: { caseId: CASE_ID, reason: '<why the case is closed>' }, command: `remediate start close-case --input '{"caseId":"${CASE_ID}","reason":"<why the case is closed>"}' --wait` });
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
  });
});
