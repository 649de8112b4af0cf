import { toAuditRecord } from '../../cli/audit/model';
import { showText } from '../../cli/audit/render';

const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-investigate-traffic';
const report = {
  workflow: 'investigate-traffic', target: 'i-0123456789abcdef0', execution: 'investigate-traffic-i-0123456789abcdef0-20260301T120000Z',
  outcome: 'NO_ACTION', mode: 'apply', trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:user/alice' }, actions: [],
  window: { from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z' },
  flowLogs: [{ flowLogId: 'fl-0123', resourceId: 'vpc-0123456789abcdef0', destinationType: 'cloud-watch-logs', logGroupName: '/flow', read: 7 }],
  traffic: {
    recordsRead: 7, recordsMatched: 6, capHit: true, maxRecords: 7, accepted: { flows: 4, packets: 50, bytes: 35000 }, rejected: { flows: 2, packets: 2, bytes: 80 }, distinctTalkers: 3,
    talkers: [{ remoteAddress: '203.0.113.5', direction: 'inbound', port: 22, protocol: 'tcp', action: 'ACCEPT', flows: 3, packets: 30, bytes: 15000 }],
    worldOpenHits: [{ groupId: 'sg-0123', ruleId: 'sgr-0123', ports: 'tcp/22', cidr: '0.0.0.0/0', flows: 3, packets: 30, bytes: 15000, remotes: 1, topRemotes: ['203.0.113.5'] }],
  },
  findings: ['sg-0123 ingress tcp/22 open to 0.0.0.0/0 (sgr-0123): 3 accepted flow(s) from 1 address(es) in the window'],
};
const execution = (output: unknown, stateMachineArn = MACHINE) => ({
  executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:x`, name: 'x', stateMachineArn, status: 'SUCCEEDED' as const,
  startDate: new Date('2026-03-01T12:00:00Z'), stopDate: new Date('2026-03-01T12:00:09Z'), input: '{"instanceId":"i-0123456789abcdef0"}', output: JSON.stringify(output),
});
/** Each printed line with the table's box characters gone and spaces collapsed. */
const lines = (text: string) => text.split('\n').map((l) => l.replace(/[│┌┐└┘├┤┬┴┼─]/g, ' ').trim().replace(/\s+/g, ' '));

describe('remediate show for investigate-traffic', () => {
  it('prints the flow logs read, the totals with the cap, the top talkers and the world-open rules as tables', () => {
    // Act
    const text = showText(toAuditRecord(execution(report)), []);

    // Assess
    const printed = lines(text);
    expect(printed).toContain('Traffic 2026-03-01T11:00:00.000Z .. 2026-03-01T12:00:00.000Z');
    expect(printed).toContain('fl-0123 vpc-0123456789abcdef0 cloud-watch-logs /flow 7');
    expect(printed).toContain('records read 7, of these ENIs 6 (cap of 7 reached); ACCEPT 4 flows / 35000 bytes, REJECT 2 flows / 80 bytes; 3 distinct talkers');
    expect(printed).toContain('203.0.113.5 inbound 22 tcp ACCEPT 3 30 15000');
    expect(printed).toContain('sg-0123 sgr-0123 tcp/22 0.0.0.0/0 3 15000 1 203.0.113.5');
    expect(printed).toContain(`- ${report.findings[0]}`);
  });

  it('prints no traffic section for another workflow\'s report', () => {
    const other = execution({ ...report, workflow: 'enable-flow-logs' }, MACHINE.replace('investigate-traffic', 'enable-flow-logs'));
    const record = toAuditRecord(other);
    expect(record.traffic).toBeUndefined();
    expect(showText(record, [])).not.toContain('Top talkers');
  });
});
