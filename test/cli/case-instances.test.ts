import { collectCase } from '../../cli/audit/case';
import { caseText } from '../../cli/audit/render-case';
import type { ExecutionDetail, ExecutionSource } from '../../cli/audit/source';
import type { InstanceCase } from '../../tasks/isolation/lib/case-store';

// GIVEN a case with an isolate-instance record (and its execution), WHEN `remediate case` collects and renders it, THEN
// the view carries the instance's record and its release, and the timeline its execution.
const CASE_ID = 'case-e0a1b2c3-1111-4222-8333-444455556666';
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const ISOLATE: ExecutionDetail = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-isolate-instance:iso-1', stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-isolate-instance',
  name: 'iso-1', status: 'SUCCEEDED', startDate: new Date('2026-11-27T10:17:00Z'), input: JSON.stringify({ instanceId: INSTANCE, caseId: CASE_ID }),
};
const RECORD: InstanceCase = {
  caseId: CASE_ID, instanceId: INSTANCE, isolateExecution: 'iso-1', savedAt: '2026-11-27T10:17:05Z', consoleOutput: {}, snapshotIds: ['snap-0123456789abcdef0'],
  prior: { instanceId: INSTANCE, state: 'running', vpcId: 'vpc-1', keyName: 'web-key', tags: [], volumeIds: ['vol-1'], enis: [{ networkInterfaceId: 'eni-1', vpcId: 'vpc-1', groupIds: ['sg-a'] }],
    protection: { termination: false, stop: false }, targetGroups: [] },
  steps: { 'move-to-isolation-group:eni-1': { action: 'move-to-isolation-group', resourceId: 'eni-1', at: '2026-11-27T10:20:00Z', before: { groupIds: ['sg-a'] }, after: { groupIds: ['sg-e'] } } },
};
const ROTATE: ExecutionDetail = {
  ...ISOLATE, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-rotate-key-pair:keys-1', name: 'keys-1', startDate: new Date('2026-11-27T10:30:00Z'),
};
const TRIAGE: ExecutionDetail = {
  ...ISOLATE, executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:t-1', name: 't-1', startDate: new Date('2026-11-27T10:16:00Z'),
  input: JSON.stringify({ detail: { eventID: CASE_ID.slice('case-'.length) } }), output: JSON.stringify({ actions: [] }),
};
const source = (listed: string[], executions: Record<string, ExecutionDetail[]> = { 'isolate-instance': [ISOLATE] }): ExecutionSource => {
  const all = [...Object.values(executions).flat(), ROTATE];
  return {
    kind: 'local',
    listExecutions: async ({ workflow }: { workflow: string }) => { listed.push(workflow); return executions[workflow] ?? []; },
    describe: async (arn: string) => { listed.push(`describe ${arn.split(':').pop()}`); return all.find((e) => e.executionArn === arn) ?? ISOLATE; },
  } as unknown as ExecutionSource;
};

describe('remediate case: isolated instances', () => {
  it('shows each instance record of the case, its steps and how to release it; its execution is in the timeline', async () => {
    const listed: string[] = [];
    const view = await collectCase(source(listed), CASE_ID, async () => undefined, { readInstances: async () => [RECORD], local: true });

    expect(view.instances).toEqual([{ record: RECORD, release: {
      input: { release: { caseId: CASE_ID }, instanceId: INSTANCE },
      command: `remediate start isolate-instance --local --input '${JSON.stringify({ release: { caseId: CASE_ID }, instanceId: INSTANCE })}' --wait`,
    } }]);
    expect(view.timeline.map((r) => r.name)).toEqual(['iso-1']);
    const text = caseText(view);
    expect(text).toContain(`Isolated instance ${INSTANCE}`);
    expect(text).toContain('move-to-isolation-group');
    expect(text).toContain('keeps the snapshots and the session deny');
  });

  it('the rotate-key-pair child the case record names is in the timeline', async () => {
    const rotated: InstanceCase = { ...RECORD, steps: { ...RECORD.steps,
      'start-rotate-key-pair:web-key': { action: 'start-rotate-key-pair', resourceId: 'web-key', at: '2026-11-27T10:30:00Z', after: { executionArn: ROTATE.executionArn } } } };
    const view = await collectCase(source([]), CASE_ID, async () => undefined, { readInstances: async () => [rotated], local: true });
    expect(view.timeline.map((r) => r.name)).toEqual(['iso-1', 'keys-1']);
  });

  it('two instances of the case whose profiles share a role: each one\'s session deny is listed under it, by its own policy name', async () => {
    const ROLE = 'arn:aws:iam::123456789012:role/web-role';
    const withDeny = (instanceId: string): InstanceCase => ({ ...RECORD, instanceId, prior: { ...RECORD.prior, instanceId }, steps: {
      [`put-session-deny:${ROLE}`]: { action: 'put-session-deny', resourceId: ROLE, at: '2026-11-27T10:21:00Z',
        after: { policyName: `remediation-isolate-${CASE_ID}-${instanceId}`, revokedBefore: '2026-11-27T10:21:00.000Z' } },
    } });
    const other = 'i-0fedcba9876543210';
    const view = await collectCase(source([]), CASE_ID, async () => undefined, { readInstances: async () => [withDeny(INSTANCE), withDeny(other)], local: true });

    const text = caseText(view);
    const sections = text.split('Isolated instance ').slice(1);
    expect(sections.map((section) => section.slice(0, INSTANCE.length))).toEqual([INSTANCE, other]);
    expect(sections[0]).toContain(`remediation-isolate-${CASE_ID}-${INSTANCE}`);
    expect(sections[0]).not.toContain(`remediation-isolate-${CASE_ID}-${other}`);
    expect(sections[1]).toContain(`remediation-isolate-${CASE_ID}-${other}`);
  });

  it('a triage case without instance record: no isolate-instance lookup (triage lists its children), no section', async () => {
    const listed: string[] = [];
    const view = await collectCase(source(listed, { 'triage-start-instances': [TRIAGE], 'isolate-instance': [ISOLATE] }), CASE_ID, async () => undefined, { readInstances: async () => [] });
    expect(view.instances).toBeUndefined();
    expect(view.timeline.map((r) => r.name)).toEqual(['t-1']);
    expect(listed).not.toContain('isolate-instance');
  });

  it('a case opened by repeated refused calls (no triage): its isolations, named <caseId>-<instanceId>, are in the timeline before any record exists', async () => {
    const machine = (w: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:remediation-${w}`;
    const execution = (w: string, name: string, at: string, input: Record<string, unknown>): ExecutionDetail => ({
      executionArn: `${machine(w).replace(':stateMachine:', ':execution:')}:${name}`, stateMachineArn: machine(w), name, status: 'RUNNING', startDate: new Date(at), input: JSON.stringify(input),
    });
    const eventId = CASE_ID.slice('case-'.length);
    const contain = execution('contain-principal', `failed-attempts-${eventId}`, '2026-11-27T10:15:31Z', {
      principalArn: 'arn:aws:iam::123456789012:user/mallory', principalType: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001', caseId: CASE_ID,
    });
    const waiting = execution('isolate-instance', `${CASE_ID}-${INSTANCE}`, '2026-11-27T10:15:32Z', { instanceId: INSTANCE, caseId: CASE_ID, approval: true });
    const other = execution('isolate-instance', `case-e0a1b2c3-1111-4222-8333-999999999999-${INSTANCE}`, '2026-11-27T10:15:33Z', { instanceId: INSTANCE, caseId: 'case-other' });
    const listed: string[] = [];
    const view = await collectCase(source(listed, { 'contain-principal': [contain], 'isolate-instance': [other, waiting] }), CASE_ID, async () => undefined, { readInstances: async () => [] });

    expect(view.timeline.map((r) => [r.workflow, r.name])).toEqual([['contain-principal', contain.name], ['isolate-instance', waiting.name]]);
    expect(view.evidence).toEqual({ eventId, instances: [INSTANCE], principal: 'arn:aws:iam::123456789012:user/mallory', principalType: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001' });
    // Found by name: the other case's isolation is not even described.
    expect(listed).not.toContain(`describe ${other.name}`);
    expect(caseText(view)).toContain(`instances  ${INSTANCE}`);
  });
});
