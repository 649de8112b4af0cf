import type { Assessment } from '../../../tasks/triage/assess-instance';
import { handler, type BuildTriageReportEvent } from '../../../tasks/triage/build-triage-report';
import type { StartEventFacts } from '../../../tasks/triage/parse-start-event';
import type { ChildExecution } from '../../../tasks/triage/start-child';
import { EXECUTION_NAME, INSTANCE_ID, NOW, OTHER_INSTANCE_ID, freezeTime } from '../../tasks/fixtures';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const facts: StartEventFacts = {
  eventId: EVENT_ID,
  eventTime: '2026-03-01T11:59:00Z',
  region: 'us-east-1',
  account: '123456789012',
  principal: { type: 'IAMUser', arn: ALICE },
  caseId: `case-${EVENT_ID}`,
  sourceIp: '203.0.113.10',
  instanceCount: 1,
  instanceIds: [INSTANCE_ID],
  chunk: { index: 0, of: 1 },
  childTriages: [],
  attemptFailed: false,
  startedByUs: false,
};
const execution = { name: EXECUTION_NAME, startTime: '2026-03-01T11:59:30.000Z' };
const assessment = (overrides: Partial<Assessment> = {}): Assessment => ({
  instanceId: INSTANCE_ID,
  found: true,
  state: 'running',
  excluded: false,
  unencryptedVolumes: [],
  openSecurityGroups: [],
  principalAllowed: true,
  remediations: [],
  ...overrides,
});
const encryptVolumes = (decision: 'auto' | 'report') => ({ workflow: 'encrypt-volumes', decision, reason: '1 unencrypted EBS volume(s)', target: INSTANCE_ID });
const CHILD_NAME = `encrypt-volumes-${INSTANCE_ID}-20260301T115930Z`;
const CHILD_ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${CHILD_NAME}`;
const child: ChildExecution = {
  workflow: 'encrypt-volumes', target: INSTANCE_ID, executionArn: CHILD_ARN, name: CHILD_NAME, alreadyStarted: false, at: '2026-03-01T11:59:45.000Z',
};
const event = (overrides: Partial<BuildTriageReportEvent>): BuildTriageReportEvent => ({ facts, execution, ...overrides });

beforeEach(() => freezeTime(NOW));
afterEach(() => jest.useRealTimers());

describe('build-triage-report', () => {
  it('reports a started child as REMEDIATED with a start-execution action, and every field of the report', async () => {
    // Prepare
    const instances = [{ assessment: assessment({ unencryptedVolumes: ['vol-0aaaaaaaaaaaaaaa1'], remediations: [encryptVolumes('auto')] }), children: [child] }];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report).toEqual({
      workflow: 'triage-start-instances',
      target: EVENT_ID,
      caseId: `case-${EVENT_ID}`,
      execution: EXECUTION_NAME,
      outcome: 'REMEDIATED',
      mode: 'apply',
      trigger: { source: 'eventbridge', principal: ALICE, eventId: EVENT_ID },
      startedAt: execution.startTime,
      finishedAt: NOW.toISOString(),
      actions: [{ action: 'start-execution', resourceId: CHILD_ARN, after: { workflow: 'encrypt-volumes', name: CHILD_NAME }, at: child.at }],
      event: { eventId: EVENT_ID, eventTime: facts.eventTime, principal: facts.principal, sourceIp: '203.0.113.10', region: 'us-east-1', account: '123456789012' },
      findings: [{ instanceId: INSTANCE_ID, finding: '1 unencrypted EBS volume(s) -> encrypt-volumes', handling: 'started' }],
      coverage: { instances: 1, assessed: 1, chunk: { index: 0, of: 1 }, childTriages: [], summary: '1 instance(s) in the event: 1 assessed here' },
    });
    expect(report).not.toHaveProperty('refused');
  });

  it('reports the started contain-principal once for the event (not per instance), with the case', async () => {
    // Prepare
    const caseId = `case-${EVENT_ID}`;
    const containment = {
      workflow: 'contain-principal' as const, decision: 'approval' as const, target: ALICE, caseId,
      reason: `started by ${ALICE}, who is not on the allow-list`, caller: { principal: facts.principal },
    };
    const containArn = `arn:aws:states:us-east-1:123456789012:execution:remediation-contain-principal:contain-principal-${caseId}`;
    const containmentChild: ChildExecution = { workflow: 'contain-principal', target: ALICE, executionArn: containArn, name: `contain-principal-${caseId}`, alreadyStarted: false, at: child.at };
    const instances = [INSTANCE_ID, OTHER_INSTANCE_ID].map((instanceId) => ({ assessment: assessment({ instanceId, principalAllowed: false }), children: [] }));

    // Act
    const started = await handler(event({ facts: { ...facts, containment, containmentChild }, instances }));
    const reported = await handler(event({ facts: { ...facts, containment: { ...containment, decision: 'report' } }, instances }));

    // Assess
    expect(started.caseId).toBe(caseId);
    expect(started.outcome).toBe('REMEDIATED');
    expect(started.actions).toEqual([{ action: 'start-execution', resourceId: containArn, after: { workflow: 'contain-principal', name: `contain-principal-${caseId}` }, at: child.at }]);
    expect(started.findings.filter((f) => f.finding.includes('contain-principal'))).toEqual([
      { instanceId: '*', finding: `started by ${ALICE}, who is not on the allow-list -> contain-principal (case ${caseId})`, handling: 'started' },
    ]);
    expect(reported.outcome).toBe('NO_ACTION');
    expect(reported.actions).toEqual([]);
    expect(reported.findings.filter((f) => f.finding.includes('contain-principal'))).toEqual([
      { instanceId: '*', finding: `started by ${ALICE}, who is not on the allow-list -> contain-principal (case ${caseId})`, handling: 'reported' },
    ]);
  });

  it('reports isolate-instance per instance after the containment, started or reported, under the same case', async () => {
    // Prepare
    const caseId = `case-${EVENT_ID}`;
    const isolation = { workflow: 'isolate-instance' as const, decision: 'auto' as const, caseId, reason: `started by ${ALICE}, who is not on the allow-list` };
    const isolateArn = `arn:aws:states:us-east-1:123456789012:execution:remediation-isolate-instance:${caseId}-${INSTANCE_ID}`;
    const isolated: ChildExecution = { workflow: 'isolate-instance', target: INSTANCE_ID, executionArn: isolateArn, name: `${caseId}-${INSTANCE_ID}`, alreadyStarted: false, at: child.at };
    const two = { ...facts, instanceCount: 2, instanceIds: [INSTANCE_ID, OTHER_INSTANCE_ID] };

    // Act: one of the two started (the other's start is not in the facts), then the policy report
    const started = await handler(event({ facts: { ...two, isolation, isolationChildren: [isolated] } }));
    const reported = await handler(event({ facts: { ...two, isolation: { ...isolation, decision: 'report' } } }));

    // Assess
    const finding = `started by ${ALICE}, who is not on the allow-list -> isolate-instance (case ${caseId})`;
    expect(started.outcome).toBe('REMEDIATED');
    expect(started.actions).toEqual([{ action: 'start-execution', resourceId: isolateArn, after: { workflow: 'isolate-instance', name: `${caseId}-${INSTANCE_ID}` }, at: child.at }]);
    expect(started.findings).toEqual([
      { instanceId: INSTANCE_ID, finding, handling: 'started' }, { instanceId: OTHER_INSTANCE_ID, finding, handling: 'reported' },
    ]);
    expect([reported.outcome, reported.actions]).toEqual(['NO_ACTION', []]);
    expect(reported.findings.map((f) => f.handling)).toEqual(['reported', 'reported']);
  });

  it('counts a child a retry found already started as started', async () => {
    // Prepare
    const instances = [{ assessment: assessment({ remediations: [encryptVolumes('auto')] }), children: [{ ...child, alreadyStarted: true }] }];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.actions.map((a) => a.resourceId)).toEqual([CHILD_ARN]);
  });

  it('reports a failed attempt as NO_ACTION: a reported finding per instance, no actions', async () => {
    // Prepare
    const failed: StartEventFacts = {
      ...facts,
      principal: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/mallory' },
      instanceCount: 2,
      instanceIds: [INSTANCE_ID, OTHER_INSTANCE_ID],
      attemptFailed: true,
      error: { code: 'Client.UnauthorizedOperation', message: 'You are not authorized to perform this operation.' },
    };

    // Act: the workflow skips assessment, so there are no instances.
    const report = await handler({ facts: failed, execution });

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [], trigger: { principal: 'arn:aws:iam::123456789012:user/mallory' } });
    expect(report.findings).toEqual([INSTANCE_ID, OTHER_INSTANCE_ID].map((instanceId) => ({
      instanceId,
      finding: 'failed StartInstances attempt by arn:aws:iam::123456789012:user/mallory from 203.0.113.10: Client.UnauthorizedOperation',
      handling: 'reported',
    })));
  });

  it('reports an instance started by our own workflow as NO_ACTION, not triaged again', async () => {
    // Prepare
    const ours: StartEventFacts = { ...facts, principal: { type: 'AssumedRole', arn: 'arn:aws:iam::123456789012:role/start-instance' }, startedByUs: true };

    // Act
    const report = await handler({ facts: ours, execution, instances: [] });

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(report.findings).toEqual([{ instanceId: INSTANCE_ID, finding: 'started by a remediation workflow: not triaged again', handling: 'reported' }]);
  });

  it('reports a report-only remediation as a reported finding and NO_ACTION', async () => {
    // Prepare: the Map's ReportOnly branch starts no child; its Pass state yields { reported: true } instead.
    const reportOnly = { reported: true } as unknown as ChildExecution;
    const instances = [{ assessment: assessment({ unencryptedVolumes: ['vol-0aaaaaaaaaaaaaaa1'], remediations: [encryptVolumes('report')] }), children: [reportOnly] }];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(report.findings).toEqual([{ instanceId: INSTANCE_ID, finding: '1 unencrypted EBS volume(s) -> encrypt-volumes', handling: 'reported' }]);
  });

  it('reports open security groups and a principal not on the allow-list', async () => {
    // Prepare
    const instances = [{
      assessment: assessment({
        principalAllowed: false,
        openSecurityGroups: [{ groupId: 'sg-0000000000000open', ports: ['tcp/22-22', 'all'] }, { groupId: 'sg-000000000000000v6', ports: ['tcp/443-443'] }],
      }),
      children: [],
    }];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [] });
    expect(report.findings).toEqual([
      { instanceId: INSTANCE_ID, finding: `started by ${ALICE}, who is not on the allow-list`, handling: 'reported' },
      { instanceId: INSTANCE_ID, finding: 'security group sg-0000000000000open open to the world on tcp/22-22, all -> restrict-security-groups', handling: 'reported' },
      { instanceId: INSTANCE_ID, finding: 'security group sg-000000000000000v6 open to the world on tcp/443-443 -> restrict-security-groups', handling: 'reported' },
    ]);
  });

  it('reports world-open groups once, as the restrict-security-groups finding, started or reported as the child was', async () => {
    // Prepare
    const reason = 'security group(s) open to the world: sg-0000000000000open (tcp/22-22)';
    const restrict = { workflow: 'restrict-security-groups', decision: 'auto' as const, reason, target: INSTANCE_ID };
    const restrictChild: ChildExecution = { ...child, workflow: 'restrict-security-groups', name: 'restrict-security-groups-x', executionArn: 'arn:restrict' };
    const open = { openSecurityGroups: [{ groupId: 'sg-0000000000000open', ports: ['tcp/22-22'] }], remediations: [restrict] };
    const started = [{ assessment: assessment(open), children: [restrictChild] }];
    const reported = [{ assessment: assessment({ ...open, remediations: [{ ...restrict, decision: 'report' as const }] }), children: [{ reported: true } as unknown as ChildExecution] }];

    // Act
    const whenStarted = await handler(event({ instances: started }));
    const whenReported = await handler(event({ instances: reported }));

    // Assess
    expect(whenStarted.findings).toEqual([{ instanceId: INSTANCE_ID, finding: `${reason} -> restrict-security-groups`, handling: 'started' }]);
    expect(whenStarted.actions).toEqual([{ action: 'start-execution', resourceId: 'arn:restrict', after: { workflow: 'restrict-security-groups', name: 'restrict-security-groups-x' }, at: child.at }]);
    expect(whenReported).toMatchObject({ outcome: 'NO_ACTION', actions: [], findings: [{ instanceId: INSTANCE_ID, finding: `${reason} -> restrict-security-groups`, handling: 'reported' }] });
  });

  it('reports an instance that was not found', async () => {
    // Prepare
    const instances = [{ assessment: assessment({ found: false, state: undefined }), children: [] }];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report.findings).toEqual([{ instanceId: INSTANCE_ID, finding: 'instance not found', handling: 'reported' }]);
    expect(report.outcome).toBe('NO_ACTION');
  });

  it('keeps each instance\'s findings and actions to itself', async () => {
    // Prepare
    const other = `encrypt-volumes-${OTHER_INSTANCE_ID}-20260301T115930Z`;
    const instances = [
      { assessment: assessment({ remediations: [encryptVolumes('auto')] }), children: [child] },
      { assessment: assessment({ instanceId: OTHER_INSTANCE_ID, remediations: [encryptVolumes('report')] }), children: [] },
      {
        assessment: assessment({ instanceId: 'i-0cccccccccccccccc', remediations: [encryptVolumes('auto')] }),
        children: [{ ...child, target: 'i-0cccccccccccccccc', name: other, executionArn: `${CHILD_ARN}-c` }],
      },
    ];

    // Act
    const report = await handler(event({ instances }));

    // Assess
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.findings.map((f) => [f.instanceId, f.handling])).toEqual([
      [INSTANCE_ID, 'started'], [OTHER_INSTANCE_ID, 'reported'], ['i-0cccccccccccccccc', 'started'],
    ]);
    expect(report.actions.map((a) => a.resourceId)).toEqual([CHILD_ARN, `${CHILD_ARN}-c`]);
  });

  it('reports a clean instance as NO_ACTION with no findings', async () => {
    // Act
    const report = await handler(event({ instances: [{ assessment: assessment(), children: [] }] }));

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [], findings: [] });
  });

  it('reports an event it refused (another account) as NO_ACTION with the reason, and nothing assessed', async () => {
    // Prepare: parse-start-event lists no instances for a refused event.
    const reason = "event from account 210987654321 (this stack's is 123456789012): reported, not acted on";
    const refused: StartEventFacts = { ...facts, account: '210987654321', instanceCount: 2, instanceIds: [], refused: reason };

    // Act: the workflow goes straight to the report.
    const report = await handler({ facts: refused, execution, instances: [] });

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', actions: [], findings: [], refused: reason, event: { account: '210987654321' } });
    expect(report.coverage).toEqual({ instances: 2, assessed: 0, chunk: { index: 0, of: 1 }, childTriages: [], summary: '2 instance(s) in the event: 0 assessed here' });
  });

  it('says how many instances went to child triage executions, and names them', async () => {
    // Prepare: 120 instances, the first 50 assessed here.
    const names = [1, 2].map((index) => ({ index, name: `triage-start-instances-${EVENT_ID}-chunk-${index}` }));
    const chunk = Array.from({ length: 50 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const large: StartEventFacts = { ...facts, instanceCount: 120, instanceIds: chunk, chunk: { index: 0, of: 3 }, childTriages: names };
    const instances = chunk.map((instanceId) => ({ assessment: assessment({ instanceId }), children: [] }));

    // Act
    const report = await handler(event({ facts: large, instances }));

    // Assess
    expect(report.coverage).toEqual({
      instances: 120, assessed: 50, chunk: { index: 0, of: 3 }, childTriages: names.map((n) => n.name),
      summary: '120 instance(s) in the event: 50 assessed here; the other 70 in 2 child triage execution(s) of at most 50 each',
    });
  });

  it('says which chunk a child triage execution covered', async () => {
    // Act
    const report = await handler(event({ facts: { ...facts, instanceCount: 20, chunk: { index: 2, of: 3 } }, instances: [{ assessment: assessment(), children: [] }] }));

    // Assess
    expect(report.coverage.summary).toBe("chunk 3 of 3 of the event's instances (20 in it): 1 assessed here");
  });

  it('names at most the listed instances of a failed attempt, and counts the rest', async () => {
    // Prepare
    const failed: StartEventFacts = { ...facts, instanceCount: 12_000, instanceIds: [INSTANCE_ID], attemptFailed: true, error: { code: 'Client.UnauthorizedOperation', message: '' } };

    // Act
    const report = await handler({ facts: failed, execution });

    // Assess
    expect(report.findings).toHaveLength(2);
    expect(report.findings[1]).toEqual({ instanceId: '*', finding: '11999 more instance(s) in the event, not listed here', handling: 'reported' });
  });
});
