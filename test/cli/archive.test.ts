import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeExecutionCommand, ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { AUDIT_LOG_GROUP, ExecutionArchive } from '../../cli/audit/archive';
import { NOW, cli, tableRows } from './cli';
import { FAILED, MACHINE, SUCCEEDED, executionArn, summaryOf } from './fixtures';

const sfn = mockClient(SFNClient);
const logs = mockClient(CloudWatchLogsClient);
const OLD_NAME = 'encrypt-volumes-i-0aaaabbbbccccdddd-20260501T080000Z';
const OLD_START = Date.parse('2026-05-01T08:00:00Z');

/** A "Step Functions Execution Status Change" event as the EventBridge log-group target writes it. */
const statusChange = (detail: Record<string, unknown>) => ({
  timestamp: Number(detail.stopDate ?? detail.startDate),
  message: JSON.stringify({ version: '0', id: 'e1', 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states', account: '123456789012', region: 'us-east-1', resources: [detail.executionArn], detail }),
});
const OLD_RUNNING = {
  executionArn: executionArn(OLD_NAME), stateMachineArn: MACHINE, name: OLD_NAME, status: 'RUNNING', startDate: OLD_START, stopDate: null,
  input: JSON.stringify({ instanceId: 'i-0aaaabbbbccccdddd', trigger: { source: 'console', principal: 'carol' } }), output: null, error: null, cause: null,
};
const OLD_SUCCEEDED = {
  ...OLD_RUNNING, status: 'SUCCEEDED', stopDate: OLD_START + 90_000, input: null,
  output: JSON.stringify({ outcome: 'NO_ACTION', target: 'i-0aaaabbbbccccdddd', actions: [] }),
};
const FAILED_CHANGE = { ...FAILED, startDate: FAILED.startDate.getTime(), stopDate: FAILED.stopDate.getTime() };
const OTHER_MACHINE = { ...OLD_RUNNING, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:billing-etl', executionArn: 'arn:x', name: 'billing' };

beforeEach(() => {
  sfn.reset();
  logs.reset();
  sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ name: 'remediation-encrypt-volumes', stateMachineArn: MACHINE, type: 'STANDARD', creationDate: NOW }] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [summaryOf(SUCCEEDED), summaryOf(FAILED)] });
  sfn.on(DescribeExecutionCommand, { executionArn: SUCCEEDED.executionArn }).resolves(SUCCEEDED);
  sfn.on(DescribeExecutionCommand, { executionArn: FAILED.executionArn }).resolves(FAILED);
  sfn.on(DescribeExecutionCommand, { executionArn: executionArn(OLD_NAME) }).rejects(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));
  logs.on(FilterLogEventsCommand)
    .resolvesOnce({ events: [statusChange(OLD_RUNNING), { timestamp: 1, message: 'not json' }, statusChange(OTHER_MACHINE)], nextToken: 'l2' })
    .resolves({ events: [statusChange(OLD_SUCCEEDED), statusChange(FAILED_CHANGE)] });
});

describe('ExecutionArchive', () => {
  it('reads every page and makes one execution of its status changes, ignoring what is not ours', async () => {
    const executions = await new ExecutionArchive(new CloudWatchLogsClient({})).executions({});

    expect(executions.map((e) => [e.name, e.status])).toEqual([[FAILED.name, 'FAILED'], [OLD_NAME, 'SUCCEEDED']]);
    expect(executions[1]).toEqual({
      executionArn: executionArn(OLD_NAME), stateMachineArn: MACHINE, name: OLD_NAME, status: 'SUCCEEDED',
      startDate: new Date(OLD_START), stopDate: new Date(OLD_START + 90_000), input: OLD_RUNNING.input, output: OLD_SUCCEEDED.output,
    });
    expect(logs).toHaveReceivedNthSpecificCommandWith(2, FilterLogEventsCommand, { logGroupName: AUDIT_LOG_GROUP, nextToken: 'l2' });
  });
});

describe('--archive', () => {
  it('history adds the executions Step Functions no longer keeps, once each', async () => {
    const run = await cli(['history', '--archive'], { logs: new CloudWatchLogsClient({}) });

    expect(run.code).toBe(0);
    expect(tableRows(run.out).slice(1).map((r) => [r[3], r[4], r[5], r[7]])).toEqual([
      ['SUCCEEDED', 'REMEDIATED', 'cli arn:aws:iam::123456789012:user/alice', SUCCEEDED.name],
      ['FAILED', 'RemediationRolledBack', 'eventbridge arn:aws:sts::123456789012:assumed-role/ops/bob evt-1 (claimed)', FAILED.name],
      ['SUCCEEDED', 'NO_ACTION', 'console carol (claimed)', OLD_NAME],
    ]);
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
  });

  it('export --since reads the log group from that time on, with the named log group', async () => {
    await cli(['export', '--since', '2026-04-01', '--archive', '/custom/audit', '--format', 'json'], { logs: new CloudWatchLogsClient({}) });

    expect(logs).toHaveReceivedCommandWith(FilterLogEventsCommand, { logGroupName: '/custom/audit', startTime: Date.parse('2026-04-01') });
  });

  it('status finds an execution past the 90 days in the log group', async () => {
    logs.reset();
    logs.on(FilterLogEventsCommand, { filterPattern: `{ $.detail.name = "${OLD_NAME}" }` }).resolves({ events: [statusChange(OLD_RUNNING), statusChange(OLD_SUCCEEDED)] });

    const run = await cli(['status', OLD_NAME, '--archive'], { logs: new CloudWatchLogsClient({}) });

    expect(run.code).toBe(0);
    expect(run.out.split('\n')).toEqual([
      `execution  ${OLD_NAME}`,
      'workflow   encrypt-volumes',
      'target     i-0aaaabbbbccccdddd',
      'trigger    console carol (claimed)',
      'status     SUCCEEDED  outcome NO_ACTION',
      'started    2026-05-01T08:00:00Z  stopped 2026-05-01T08:01:30Z  duration 1m 30s',
      '(from the audit log group: Step Functions no longer keeps this execution)',
    ]);
  });

  it('without --archive an expired execution is not found', async () => {
    const run = await cli(['show', OLD_NAME], { logs: new CloudWatchLogsClient({}) });

    expect(run.code).toBe(1);
    expect(run.err).toBe(`remediate: no execution named ${OLD_NAME} in our state machines`);
    expect(logs.calls()).toHaveLength(0);
  });

  it('is refused with --local', async () => {
    const run = await cli(['history', '--local', '--archive']);

    expect(run.code).toBe(2);
    expect(run.err).toBe('remediate: --archive reads the audit log group in AWS; local executions are all in the local store');
  });
});
