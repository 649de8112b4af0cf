import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { csvField, toCsv, toJson, toMarkdown } from '../../cli/audit/export';
import type { AuditRecord } from '../../cli/audit/model';
import { NOW, cli } from './cli';
import { FAILED, MACHINE, SUCCEEDED, summaryOf } from './fixtures';

const REMEDIATED: AuditRecord = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:encrypt-volumes-i-1-20261127T100000Z',
  name: 'encrypt-volumes-i-1-20261127T100000Z',
  workflow: 'encrypt-volumes',
  target: 'i-1',
  trigger: { source: 'cli', principal: 'alice, ops' },
  status: 'SUCCEEDED',
  outcome: 'REMEDIATED',
  startDate: new Date('2026-11-27T10:00:00Z'),
  stopDate: new Date('2026-11-27T10:01:06Z'),
  durationMs: 66_000,
  actions: [
    { action: 'stop-instance', resourceId: 'i-1', before: { state: 'running' }, after: { state: 'stopped' }, at: '2026-11-27T10:00:30.000Z' },
    { action: 'replace-volume', resourceId: 'vol-1', after: { encrypted: true } },
  ],
};
const ROLLED_BACK: AuditRecord = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:encrypt-volumes-i-2-20261126T090000Z',
  name: 'encrypt-volumes-i-2-20261126T090000Z',
  workflow: 'encrypt-volumes',
  target: 'i-2',
  trigger: { source: 'eventbridge', principal: 'role/bob', eventId: 'evt-1' },
  status: 'FAILED',
  outcome: 'RemediationRolledBack',
  error: 'RemediationRolledBack',
  rolledBackBecause: { error: 'VerificationFailedError', cause: '/dev/sdf | "sdf" not encrypted' },
  startDate: new Date('2026-11-26T09:00:00Z'),
  stopDate: new Date('2026-11-26T09:02:00Z'),
  durationMs: 120_000,
  actions: [],
};
const META = { since: new Date('2026-11-26T00:00:00Z'), generatedAt: NOW };

describe('audit export formats', () => {
  it('CSV: one row per execution, RFC 4180 quoting of commas, quotes and line breaks', () => {
    expect(toCsv([REMEDIATED, ROLLED_BACK])).toBe([
      'execution,workflow,target,status,outcome,trigger_source,trigger_principal,trigger_event_id,started_at,stopped_at,duration_seconds,actions,error',
      'encrypt-volumes-i-1-20261127T100000Z,encrypt-volumes,i-1,SUCCEEDED,REMEDIATED,cli,"alice, ops",,2026-11-27T10:00:00.000Z,2026-11-27T10:01:06.000Z,66.0,'
        + '"stop-instance i-1: {""state"":""running""} -> {""state"":""stopped""} at 2026-11-27T10:00:30.000Z\nreplace-volume vol-1: - -> {""encrypted"":true}",',
      'encrypt-volumes-i-2-20261126T090000Z,encrypt-volumes,i-2,FAILED,RemediationRolledBack,eventbridge,role/bob,evt-1,2026-11-26T09:00:00.000Z,2026-11-26T09:02:00.000Z,120.0,,'
        + '"rolled back because VerificationFailedError: /dev/sdf | ""sdf"" not encrypted"',
      '',
    ].join('\r\n'));
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\r\nbreak', '"line\r\nbreak"'],
    ['', ''],
  ])('csvField(%j) = %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('Markdown: a summary table, then each execution with its actions before/after, pipes escaped', () => {
    expect(toMarkdown([REMEDIATED, ROLLED_BACK], META)).toBe(`# Remediation audit

Executions started since 2026-11-26T00:00:00Z: 2 (generated 2026-11-27T12:00:00Z).

| Started (UTC) | Workflow | Target | Status | Outcome | Triggered by | Duration (s) | Execution |
|---|---|---|---|---|---|---|---|
| 2026-11-27T10:00:00Z | encrypt-volumes | i-1 | SUCCEEDED | REMEDIATED | cli alice, ops | 66.0 | encrypt-volumes-i-1-20261127T100000Z |
| 2026-11-26T09:00:00Z | encrypt-volumes | i-2 | FAILED | RemediationRolledBack | eventbridge role/bob evt-1 | 120.0 | encrypt-volumes-i-2-20261126T090000Z |

## encrypt-volumes-i-1-20261127T100000Z

- Workflow: encrypt-volumes
- Target: i-1
- Triggered by: cli alice, ops
- Status: SUCCEEDED (REMEDIATED)
- Started: 2026-11-27T10:00:00Z, stopped: 2026-11-27T10:01:06Z

| Action | Resource | Before | After | At |
|---|---|---|---|---|
| stop-instance | i-1 | {"state":"running"} | {"state":"stopped"} | 2026-11-27T10:00:30.000Z |
| replace-volume | vol-1 | - | {"encrypted":true} | - |

## encrypt-volumes-i-2-20261126T090000Z

- Workflow: encrypt-volumes
- Target: i-2
- Triggered by: eventbridge role/bob evt-1
- Status: FAILED (RemediationRolledBack)
- Started: 2026-11-26T09:00:00Z, stopped: 2026-11-26T09:02:00Z
- Error: rolled back because VerificationFailedError: /dev/sdf \\| "sdf" not encrypted

No actions.
`);
  });

  it('JSON: every record with ISO dates, and the period', () => {
    const parsed = JSON.parse(toJson([ROLLED_BACK], META)) as { generatedAt: string; since: string; executions: Record<string, unknown>[] };

    expect(parsed.generatedAt).toBe('2026-11-27T12:00:00.000Z');
    expect(parsed.since).toBe('2026-11-26T00:00:00.000Z');
    expect(parsed.executions).toEqual([{ ...ROLLED_BACK, startDate: '2026-11-26T09:00:00.000Z', stopDate: '2026-11-26T09:02:00.000Z' }]);
  });
});

describe('remediate export', () => {
  const sfn = mockClient(SFNClient);

  beforeEach(() => {
    sfn.reset();
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ name: 'remediation-encrypt-volumes', stateMachineArn: MACHINE, type: 'STANDARD', creationDate: NOW }] });
    sfn.on(ListExecutionsCommand).resolves({ executions: [summaryOf(SUCCEEDED), summaryOf(FAILED)] });
    sfn.on(DescribeExecutionCommand, { executionArn: SUCCEEDED.executionArn }).resolves(SUCCEEDED);
    sfn.on(DescribeExecutionCommand, { executionArn: FAILED.executionArn }).resolves(FAILED);
  });

  it('writes the executions since the date to --out in the chosen format', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-export-'));
    try {
      const file = path.join(dir, 'audit.csv');

      const run = await cli(['export', '--since', '2026-11-27', '--format', 'csv', '--out', file]);

      expect(run).toEqual({ code: 0, out: `wrote 1 execution(s) to ${file}`, err: '' });
      const lines = readFileSync(file, 'utf8').split('\r\n');
      expect(lines[1]?.split(',').slice(0, 5)).toEqual([SUCCEEDED.name, 'encrypt-volumes', 'i-0123456789abcdef0', 'SUCCEEDED', 'REMEDIATED']);
      expect(lines).toHaveLength(3); // header, one row (its two actions on two lines inside one quoted field), final CRLF
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints Markdown by default, and needs --since', async () => {
    const run = await cli(['export', '--since', '7d']);
    const missing = await cli(['export']);

    expect(run.out.split('\n').slice(0, 3)).toEqual(['# Remediation audit', '', 'Executions started since 2026-11-20T12:00:00Z: 2 (generated 2026-11-27T12:00:00Z).']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("required option '--since <date|age>' not specified");
  });

  it('refuses an unknown format before any call', async () => {
    const run = await cli(['export', '--since', '7d', '--format', 'xlsx']);

    expect(run.code).toBe(1);
    expect(run.err).toContain("argument 'xlsx' is invalid. Allowed choices are json, csv, md.");
    expect(sfn.calls()).toHaveLength(0);
  });
});
