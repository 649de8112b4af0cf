import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsExecutionSource } from '../../cli/audit/aws-source';
import { ExecutionNotFoundError } from '../../cli/audit/source';
import { FAILED, MACHINE, RUNNING, SUCCEEDED, SUCCEEDED_HISTORY, summaryOf } from './fixtures';

const sfn = mockClient(SFNClient);
const FLOW_LOGS = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-enable-flow-logs';
const notFound = () => Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachinesCommand)
    .resolvesOnce({ stateMachines: [{ name: 'billing-etl', stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:billing-etl', type: 'STANDARD', creationDate: new Date() }], nextToken: 'm2' })
    .resolvesOnce({ stateMachines: [{ name: 'remediation-encrypt-volumes', stateMachineArn: MACHINE, type: 'STANDARD', creationDate: new Date() }, { name: 'remediation-enable-flow-logs', stateMachineArn: FLOW_LOGS, type: 'STANDARD', creationDate: new Date() }] });
});

describe('AwsExecutionSource', () => {
  it('finds our state machines on every page of ListStateMachines, once', async () => {
    const source = new AwsExecutionSource(new SFNClient({}));

    expect(await source.stateMachines()).toEqual([
      { workflow: 'encrypt-volumes', stateMachineArn: MACHINE },
      { workflow: 'enable-flow-logs', stateMachineArn: FLOW_LOGS },
    ]);
    await source.stateMachines();
    expect(sfn).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2);
    expect(sfn).toHaveReceivedNthSpecificCommandWith(2, ListStateMachinesCommand, { nextToken: 'm2' });
  });

  it('lists the executions of every state machine through all pages, newest first, with the status filter', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: MACHINE })
      .resolvesOnce({ executions: [summaryOf(RUNNING), summaryOf(SUCCEEDED)], nextToken: 'e2' })
      .resolvesOnce({ executions: [summaryOf(FAILED)] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: FLOW_LOGS }).resolves({ executions: [] });

    const listed = await new AwsExecutionSource(new SFNClient({})).listExecutions({ status: 'FAILED' });

    expect(listed.map((e) => e.name)).toEqual([RUNNING.name, SUCCEEDED.name, FAILED.name]);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: MACHINE, statusFilter: 'FAILED', nextToken: 'e2' });
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 3);
  });

  it('stops paging at the first execution older than --since (Step Functions lists newest first)', async () => {
    sfn.on(ListExecutionsCommand, { stateMachineArn: MACHINE })
      .resolvesOnce({ executions: [summaryOf(SUCCEEDED), summaryOf(FAILED)], nextToken: 'e2' })
      .resolvesOnce({ executions: [summaryOf(FAILED)] });

    const listed = await new AwsExecutionSource(new SFNClient({})).listExecutions({ workflow: 'encrypt-volumes', since: new Date('2026-11-27T00:00:00Z') });

    expect(listed.map((e) => e.name)).toEqual([SUCCEEDED.name]);
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
  });

  it('describes an execution by name, building its ARN under the workflow state machine', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: FAILED.executionArn }).resolves(FAILED);

    const detail = await new AwsExecutionSource(new SFNClient({})).describe(FAILED.name);

    expect(detail).toEqual(FAILED);
  });

  it('describes by ARN without listing state machines', async () => {
    sfn.on(DescribeExecutionCommand).resolves(SUCCEEDED);

    await new AwsExecutionSource(new SFNClient({})).describe(SUCCEEDED.executionArn);

    expect(sfn).toHaveReceivedCommandTimes(ListStateMachinesCommand, 0);
  });

  it.each([
    ['an unknown ARN', () => sfn.on(DescribeExecutionCommand).rejects(notFound()), FAILED.executionArn],
    ['a name of no workflow of ours', () => undefined, 'billing-etl-run-1'],
  ])('answers ExecutionNotFoundError for %s', async (_, arrange, execution) => {
    arrange();

    await expect(new AwsExecutionSource(new SFNClient({})).describe(execution)).rejects.toBeInstanceOf(ExecutionNotFoundError);
  });

  it('re-throws other errors (throttling) as they are', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(new AwsExecutionSource(new SFNClient({})).describe(FAILED.executionArn)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('reads the whole history with execution data, page after page', async () => {
    sfn.on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: SUCCEEDED_HISTORY.slice(0, 10), nextToken: 'h2' })
      .resolvesOnce({ events: SUCCEEDED_HISTORY.slice(10) });

    const events = await new AwsExecutionSource(new SFNClient({})).history(SUCCEEDED.executionArn);

    expect(events.map((e) => e.id)).toEqual(SUCCEEDED_HISTORY.map((e) => e.id));
    expect(sfn).toHaveReceivedNthSpecificCommandWith(1, GetExecutionHistoryCommand, { executionArn: SUCCEEDED.executionArn, includeExecutionData: true, maxResults: 1000 });
    expect(sfn).toHaveReceivedNthSpecificCommandWith(2, GetExecutionHistoryCommand, { executionArn: SUCCEEDED.executionArn, includeExecutionData: true, maxResults: 1000, nextToken: 'h2' });
  });

  it('starts an execution on the workflow state machine with the given name and input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: RUNNING.executionArn, startDate: RUNNING.startDate });

    const arn = await new AwsExecutionSource(new SFNClient({})).start({ workflow: 'encrypt-volumes', name: RUNNING.name, input: { instanceId: 'i-0123456789abcdef0' } });

    expect(arn).toBe(RUNNING.executionArn);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: MACHINE, name: RUNNING.name, input: '{"instanceId":"i-0123456789abcdef0"}' });
  });

  it('refuses to start a workflow that is not deployed', async () => {
    await expect(new AwsExecutionSource(new SFNClient({})).start({ workflow: 'refresh-ami', name: 'x', input: {} })).rejects.toThrow('remediation-refresh-ami is not deployed');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });
});
