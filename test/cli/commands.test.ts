import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../../cli/commands/context';
import { executionNameFor } from '../../local/runner';
import { ALICE, NOW, cli, tableRows, testProof } from './cli';
import { FAILED, FAILED_HISTORY, INSTANCE, MACHINE, OTHER_INSTANCE, RUNNING, SUCCEEDED, SUCCEEDED_HISTORY, executionArn, history, summaryOf } from './fixtures';

const sfn = mockClient(SFNClient);
const STARTED_NAME = `encrypt-volumes-${INSTANCE}-20261127T120000Z`;

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ name: 'remediation-encrypt-volumes', stateMachineArn: MACHINE, type: 'STANDARD', creationDate: NOW }] });
  sfn.on(DescribeExecutionCommand, { executionArn: SUCCEEDED.executionArn }).resolves(SUCCEEDED);
  sfn.on(DescribeExecutionCommand, { executionArn: FAILED.executionArn }).resolves(FAILED);
  sfn.on(DescribeExecutionCommand, { executionArn: RUNNING.executionArn }).resolves(RUNNING);
  sfn.on(GetExecutionHistoryCommand, { executionArn: SUCCEEDED.executionArn }).resolves({ events: SUCCEEDED_HISTORY });
  sfn.on(GetExecutionHistoryCommand, { executionArn: FAILED.executionArn }).resolves({ events: FAILED_HISTORY });
  sfn.on(ListExecutionsCommand).resolvesOnce({ executions: [summaryOf(RUNNING), summaryOf(SUCCEEDED)], nextToken: 'p2' }).resolves({ executions: [summaryOf(FAILED)] });
});

describe('remediate start: refusals before any API call', () => {
  it.each([
    ['an unknown workflow', ['start', 'encrypt-everything', '--instance', INSTANCE], 'unknown workflow "encrypt-everything": expected one of encrypt-volumes'],
    ['a malformed instance id', ['start', 'encrypt-volumes', '--instance', 'i-nope'], 'encrypt-volumes: invalid input: instanceId: must look like i-0123456789abcdef0'],
    ['an unknown input field', ['start', 'encrypt-volumes', '--input', `{"instanceId":"${INSTANCE}","force":true}`], 'encrypt-volumes: invalid input: (input): unknown field(s) "force"'],
    ['no target', ['start', 'encrypt-volumes'], 'encrypt-volumes: invalid input: instanceId: is required'],
    ['input that is not JSON', ['start', 'encrypt-volumes', '--input', '{instanceId'], '--input is neither a readable file nor JSON'],
  ])('refuses %s with exit code 2 and sends nothing', async (_, args, message) => {
    const callerPrincipal = jest.fn(async () => ALICE);

    const run = await cli(args, { callerPrincipal });

    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(sfn.calls()).toHaveLength(0);
    expect(callerPrincipal).not.toHaveBeenCalled();
  });

  it('refuses an option commander does not know, with usage help', async () => {
    const run = await cli(['start', 'encrypt-volumes', '--instnace', INSTANCE]);

    expect(run.code).toBe(1);
    expect(run.err).toContain("error: unknown option '--instnace'");
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('remediate start', () => {
  beforeEach(() => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn(STARTED_NAME), startDate: NOW });
  });

  it('names the execution <workflow>-<target>-<UTC stamp> and adds the CLI trigger with the caller', async () => {
    const run = await cli(['start', 'encrypt-volumes', '--instance', INSTANCE]);

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: STARTED_NAME,
      // The principal is a claim; the proof (bound to this execution) is what the workflow believes.
      input: JSON.stringify({ instanceId: INSTANCE, trigger: { source: 'cli', principal: ALICE, proof: testProof('start', executionArn(STARTED_NAME)) } }),
    });
    expect(run.out.split('\n').pop()).toBe(executionArn(STARTED_NAME));
  });

  it('keeps a trigger the input brings, and reads the input from a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-input-'));
    try {
      const file = path.join(dir, 'input.json');
      writeFileSync(file, JSON.stringify({ instanceId: INSTANCE, mode: 'plan', trigger: { source: 'console', principal: 'ops' } }));

      const run = await cli(['start', 'encrypt-volumes', '--input', file, '--json']);

      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toEqual({ executionArn: executionArn(STARTED_NAME), name: STARTED_NAME });
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        input: JSON.stringify({ instanceId: INSTANCE, mode: 'plan', trigger: { source: 'console', principal: 'ops', proof: testProof('start', executionArn(STARTED_NAME)) } }),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names executions as the local runner does', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');

    expect(executionName('encrypt-volumes', INSTANCE, at)).toBe(executionNameFor('encrypt-volumes', INSTANCE, at));
    expect(executionName('encrypt-volumes', 'x'.repeat(100), at)).toHaveLength(80);
  });

  it('--wait prints states entered, failures, retries and waits as they appear, then the outcome and actions', async () => {
    const arn = executionArn(STARTED_NAME);
    const started = { ...SUCCEEDED, executionArn: arn, name: STARTED_NAME };
    sfn.on(DescribeExecutionCommand, { executionArn: arn })
      .resolvesOnce({ ...started, status: 'RUNNING', stopDate: undefined, output: undefined })
      .resolves(started);
    sfn.on(GetExecutionHistoryCommand, { executionArn: arn })
      .resolvesOnce({ events: SUCCEEDED_HISTORY.slice(0, 11) })
      .resolves({ events: SUCCEEDED_HISTORY });

    const run = await cli(['start', 'encrypt-volumes', '--instance', INSTANCE, '--wait']);

    expect(run.code).toBe(0);
    const lines = run.out.split('\n');
    expect(lines.slice(2, 9)).toEqual([
      '   0.1s  ValidateInput',
      '   1.0s  Preflight',
      '   2.0s  Preflight failed: RequestLimitExceeded',
      '   4.0s  Preflight retry',
      '   5.0s  WaitSnapshots (waiting)',
      '  65.0s  BuildReport',
      '',
    ]);
    expect(run.out).toContain('status     SUCCEEDED  outcome REMEDIATED');
    expect(tableRows(run.out).map((r) => r.slice(0, 2))).toEqual([['action', 'resource'], ['stop-instance', INSTANCE], ['replace-volume', 'vol-0aaaaaaaaaaaaaaa1']]);
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
  });

  it('--wait exits 1 when the execution fails, naming the rollback cause', async () => {
    const arn = executionArn(STARTED_NAME);
    sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({ ...FAILED, executionArn: arn, name: STARTED_NAME });
    sfn.on(GetExecutionHistoryCommand, { executionArn: arn }).resolves({ events: FAILED_HISTORY });

    const run = await cli(['start', 'encrypt-volumes', '--instance', INSTANCE, '--wait']);

    expect(run.code).toBe(1);
    expect(run.out).toContain('VerifySwap failed: VerificationFailedError');
    expect(run.out).toContain('execution failed: RemediationRolledBack');
    expect(run.out).toContain('rolled back because VerificationFailedError: /dev/sdf is not encrypted');
  });
});

describe('remediate status / history / show', () => {
  it('status reads one execution by name', async () => {
    const run = await cli(['status', FAILED.name]);

    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual([
      `execution  ${FAILED.name}`,
      'workflow   encrypt-volumes',
      `target     ${OTHER_INSTANCE}`,
      'trigger    eventbridge arn:aws:sts::123456789012:assumed-role/ops/bob evt-1 (claimed)',
      'status     FAILED  outcome RemediationRolledBack',
      'started    2026-11-26T09:00:00Z  stopped 2026-11-26T09:02:00Z  duration 2m 00s',
      'rolled back because VerificationFailedError: /dev/sdf is not encrypted',
    ]);
  });

  it('status of an unknown execution exits 1 with a clear message', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: executionArn('encrypt-volumes-i-1-x') }).rejects(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));

    const run = await cli(['status', 'encrypt-volumes-i-1-x']);

    expect(run.code).toBe(1);
    expect(run.err).toBe('remediate: no execution named encrypt-volumes-i-1-x in our state machines');
  });

  it('history lists every page of every state machine as one table, newest first', async () => {
    const run = await cli(['history']);

    expect(run.code).toBe(0);
    expect(tableRows(run.out)).toEqual([
      ['started (UTC)', 'workflow', 'target', 'status', 'outcome', 'trigger', 'duration', 'execution'],
      ['2026-11-27T11:00:00Z', 'encrypt-volumes', INSTANCE, 'RUNNING', 'RUNNING', 'console -', '-', RUNNING.name],
      ['2026-11-27T10:00:00Z', 'encrypt-volumes', INSTANCE, 'SUCCEEDED', 'REMEDIATED', `cli ${ALICE}`, '1m 06s', SUCCEEDED.name],
      ['2026-11-26T09:00:00Z', 'encrypt-volumes', OTHER_INSTANCE, 'FAILED', 'RemediationRolledBack', 'eventbridge arn:aws:sts::123456789012:assumed-role/ops/bob evt-1 (claimed)', '2m 00s', FAILED.name],
    ]);
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
  });

  it.each([
    [['--target', OTHER_INSTANCE], [FAILED.name]],
    [['--trigger', 'alice'], [SUCCEEDED.name]],
    [['--trigger', 'evt-1'], [FAILED.name]],
    [['--since', '2026-11-27'], [RUNNING.name, SUCCEEDED.name]],
    [['--since', '90m'], [RUNNING.name]],
    [['--limit', '1'], [RUNNING.name]],
  ])('history %j keeps only the matching executions', async (filter, names) => {
    const run = await cli(['history', '--json', ...filter]);

    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as { name: string }[]).map((r) => r.name)).toEqual(names);
  });

  it('history passes --status and --workflow to the listing calls', async () => {
    await cli(['history', '--status', 'FAILED', '--workflow', 'encrypt-volumes']);

    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: MACHINE, statusFilter: 'FAILED' });
  });

  it('history refuses an unknown status', async () => {
    const run = await cli(['history', '--status', 'DONE']);

    expect(run.code).toBe(1);
    expect(run.err).toContain("argument 'DONE' is invalid");
    expect(sfn.calls()).toHaveLength(0);
  });

  it('show prints the timeline with retries and errors, and the actions before/after', async () => {
    const run = await cli(['show', FAILED.name]);

    expect(run.code).toBe(0);
    const rows = tableRows(run.out);
    expect(rows.slice(0, 5).map((r) => [r[0], r[1], r[3], r[4], r[5], r[6]])).toEqual([
      ['state', 'type', 'duration', 'retries', 'result', 'errors'],
      ['Preflight', 'Task', '1.0s', '0', 'succeeded', '-'],
      ['VerifySwap', 'Task', '-', '0', 'failed', 'VerificationFailedError'],
      ['FinishRollback', 'Task', '1.0s', '0', 'succeeded', '-'],
      ['RolledBack', 'Fail', '-', '0', 'failed', '-'],
    ]);
    expect(rows.slice(5)).toEqual([
      ['action', 'resource', 'before', 'after', 'at'],
      ['restore-original-volume', 'vol-0ccccccccccccccc3', '-', `device: /dev/sdf\nattachedTo: ${OTHER_INSTANCE}`, '2026-11-26T09:02:00.000Z'],
    ]);
  });

  it('show --json carries the record, the timeline and the report', async () => {
    const run = await cli(['show', SUCCEEDED.executionArn, '--json']);

    const shown = JSON.parse(run.out) as { outcome: string; timeline: { state: string; retries: number }[]; report: { outcome: string } };
    expect(shown.outcome).toBe('REMEDIATED');
    expect(shown.timeline.find((e) => e.state === 'Preflight')?.retries).toBe(1);
    expect(shown.report.outcome).toBe('REMEDIATED');
  });
});

describe('remediate approve / reject', () => {
  const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAZ-token';
  const waiting = history('2026-11-27T11:00:00Z', [
    ['ExecutionStarted', 0],
    ['TaskStateEntered', 1, { stateEnteredEventDetails: { name: 'AwaitApproval' } }],
    // workflows/lib/approval.ts: lambda:invoke.waitForTaskToken with the token in the payload.
    ['TaskScheduled', 1, { taskScheduledEventDetails: { resource: 'invoke.waitForTaskToken', resourceType: 'lambda', region: 'us-east-1', parameters: JSON.stringify({ FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:RequestApproval', Payload: { taskToken: TOKEN, workflow: 'encrypt-volumes', plan: {} } }) } }],
    ['TaskStarted', 1],
    ['TaskSubmitted', 2],
  ]);

  it('approve answers the pending task token with an identity proof bound to approving this execution, and no claimed principal', async () => {
    sfn.on(GetExecutionHistoryCommand, { executionArn: RUNNING.executionArn }).resolves({ events: waiting });

    const run = await cli(['approve', RUNNING.name, '--reason', 'CHG-42']);

    expect(run.code).toBe(0);
    expect(run.out).toBe(`approved AwaitApproval of ${RUNNING.name} as ${ALICE}`);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN, output: JSON.stringify({ approved: true, reason: 'CHG-42', identityProof: testProof('approve', RUNNING.executionArn) }),
    });
  });

  it('approval-answer prints the answer for aws stepfunctions send-task-success, and sends nothing', async () => {
    sfn.on(GetExecutionHistoryCommand, { executionArn: RUNNING.executionArn }).resolves({ events: waiting });

    const plain = await cli(['approval-answer', RUNNING.executionArn]);
    const json = await cli(['approval-answer', RUNNING.executionArn, '--json']);

    expect(plain).toMatchObject({ code: 0, out: JSON.stringify({ approved: true, identityProof: testProof('approve', RUNNING.executionArn) }) });
    expect(JSON.parse(json.out)).toEqual({ taskToken: TOKEN, output: { approved: true, identityProof: testProof('approve', RUNNING.executionArn) } });
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
  });

  it('reject fails the pending step with ApprovalRejected and the reason', async () => {
    sfn.on(GetExecutionHistoryCommand, { executionArn: RUNNING.executionArn }).resolves({ events: waiting });

    const run = await cli(['reject', RUNNING.name, '--reason', 'not during business hours']);

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: TOKEN, error: 'ApprovalRejected', cause: JSON.stringify({ approved: false, principal: ALICE, at: NOW.toISOString(), reason: 'not during business hours' }),
    });
  });

  it.each([
    ['a step already answered', [...waiting, { id: 6, previousEventId: 5, timestamp: NOW, type: 'TaskSucceeded' } as HistoryEvent], 'is not waiting at an approval step'],
    ['no approval step', SUCCEEDED_HISTORY.slice(0, 5), 'is not waiting at an approval step'],
  ])('says no approval is pending for %s', async (_, events, message) => {
    sfn.on(GetExecutionHistoryCommand, { executionArn: RUNNING.executionArn }).resolves({ events });

    const run = await cli(['approve', RUNNING.name]);

    expect(run.code).toBe(1);
    expect(run.err).toBe(`remediate: no approval is pending: ${RUNNING.name} ${message}`);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 0);
  });

  it('says no approval is pending for an execution that has ended', async () => {
    const run = await cli(['reject', SUCCEEDED.name]);

    expect(run.code).toBe(1);
    expect(run.err).toBe(`remediate: no approval is pending: ${SUCCEEDED.name} is SUCCEEDED`);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskFailureCommand, 0);
  });
});
