import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../../tasks/fixtures';

type Sdk = typeof import('@aws-sdk/client-sfn');
type StartChunkTriages = typeof import('../../../tasks/triage/start-chunk-triages');
interface Loaded {
  sdk: Sdk;
  handler: StartChunkTriages['handler'];
  sfn: AwsClientStub<SFNClient>;
}

const TRIAGE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-triage-start-instances';
const PARENT = 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:triage-1';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const NAME = (index: number) => `triage-start-instances-${EVENT_ID}-chunk-${index}`;
const EXECUTION_ARN = (index: number) => `arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:${NAME(index)}`;
const ids = Array.from({ length: 120 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

/** The iam-user fixture naming `instanceIds` in its request and response, as EventBridge delivers it. */
function event(instanceIds: string[] = ids): Record<string, unknown> & { detail: Record<string, unknown> } {
  const e = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'cloudtrail', 'iam-user.json'), 'utf8'));
  e.detail.requestParameters = { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } };
  e.detail.responseElements = { requestId: 'r-1', instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId, currentState: { code: 0, name: 'pending' } })) } };
  return e;
}

async function loadWith(arn: string | undefined): Promise<Loaded> {
  const saved = process.env.TRIAGE_STATE_MACHINE_ARN;
  if (arn === undefined) delete process.env.TRIAGE_STATE_MACHINE_ARN;
  else process.env.TRIAGE_STATE_MACHINE_ARN = arn;
  try {
    let loaded: Omit<Loaded, 'sfn'> | undefined;
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-sfn');
      const { handler } = await import('../../../tasks/triage/start-chunk-triages');
      loaded = { sdk, handler };
    });
    if (!loaded) throw new Error('start-chunk-triages did not load');
    return { ...loaded, sfn: mockClient(loaded.sdk.SFNClient) };
  } finally {
    if (saved === undefined) delete process.env.TRIAGE_STATE_MACHINE_ARN;
    else process.env.TRIAGE_STATE_MACHINE_ARN = saved;
  }
}

/** The StartExecution calls, their input parsed, in the order sent. */
const sent = (t: Loaded) => t.sfn.commandCalls(t.sdk.StartExecutionCommand).map((c) => {
  const { stateMachineArn, name, input } = c.args[0].input as { stateMachineArn: string; name: string; input: string };
  return { stateMachineArn, name, input: JSON.parse(input) as ReturnType<typeof event> & { triageChunk: unknown } };
});
const requested = (input: ReturnType<typeof event>) => (input.detail.requestParameters as { instancesSet: { items: { instanceId: string }[] } }).instancesSet.items.map((i) => i.instanceId);

describe('start-chunk-triages', () => {
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith(TRIAGE_ARN);
  });
  beforeEach(() => t.sfn.reset());
  afterAll(() => t.sfn.restore());

  it('starts triage itself for chunks 1 and 2 of 120 instances, named by the event and the chunk, each with only its instances', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN(1) });
    const delivered = event();

    // Act
    const starts = await t.handler({ event: delivered, parentExecution: PARENT });

    // Assess
    expect(starts).toEqual({ started: 2, alreadyStarted: 0 });
    const calls = sent(t);
    expect(calls.map((c) => [c.stateMachineArn, c.name])).toEqual([[TRIAGE_ARN, NAME(1)], [TRIAGE_ARN, NAME(2)]]);
    const chunk = ids.slice(50, 100);
    // The event as delivered, every other field kept, naming only the chunk, with the parent's record.
    expect(calls[0]?.input).toEqual({
      ...delivered,
      detail: {
        ...delivered.detail,
        requestParameters: { instancesSet: { items: chunk.map((instanceId) => ({ instanceId })) } },
        responseElements: { requestId: 'r-1', instancesSet: { items: chunk.map((instanceId) => ({ instanceId, currentState: { code: 0, name: 'pending' } })) } },
      },
      triageChunk: { index: 1, of: 3, parentExecution: PARENT },
    });
    expect(requested(calls[1]!.input)).toEqual(ids.slice(100));
    expect(calls[1]?.input.triageChunk).toEqual({ index: 2, of: 3, parentExecution: PARENT });
  });

  it('starts 239 chunks for 12,000 instances, each of 50, none twice', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({});
    const many = Array.from({ length: 12_000 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);

    // Act
    const starts = await t.handler({ event: event(many), parentExecution: PARENT });

    // Assess
    expect(starts).toEqual({ started: 239, alreadyStarted: 0 });
    const calls = sent(t);
    expect(new Set(calls.map((c) => c.name)).size).toBe(239);
    expect(calls.map((c) => requested(c.input).length)).toEqual(Array(239).fill(50));
    expect(calls.flatMap((c) => requested(c.input))).toEqual(many.slice(50));
  });

  it('puts an instance only the response named into its chunk\'s request too', async () => {
    // Prepare: 60 requested, a 61st only in the response: it is the second chunk's last instance.
    const e = event(ids.slice(0, 61));
    e.detail.requestParameters = { instancesSet: { items: ids.slice(0, 60).map((instanceId) => ({ instanceId })) } };
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({});

    // Act
    await t.handler({ event: e, parentExecution: PARENT });

    // Assess
    const detail = sent(t)[0]!.input.detail as { responseElements: { instancesSet: { items: { instanceId: string }[] } } };
    expect(requested(sent(t)[0]!.input)).toEqual(ids.slice(50, 61));
    expect(detail.responseElements.instancesSet.items.map((i) => i.instanceId)).toEqual(ids.slice(50, 61));
  });

  it('counts ExecutionAlreadyExists as started: a retry, or a second delivery of the event, starts no duplicate', async () => {
    // Prepare: the first attempt started chunk 1 before its answer was lost.
    t.sfn.on(t.sdk.StartExecutionCommand, { name: NAME(1) }).rejects(awsError('ExecutionAlreadyExists', `Execution Already Exists: '${EXECUTION_ARN(1)}'`));
    t.sfn.on(t.sdk.StartExecutionCommand, { name: NAME(2) }).resolves({ executionArn: EXECUTION_ARN(2) });

    // Act
    const starts = await t.handler({ event: event(), parentExecution: PARENT });

    // Assess
    expect(starts).toEqual({ started: 1, alreadyStarted: 1 });
  });

  it('uses the same names on every attempt, whichever execution asks', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({});

    // Act
    await t.handler({ event: event(), parentExecution: PARENT });
    await t.handler({ event: event(), parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:triage-2' });

    // Assess
    expect(sent(t).map((c) => c.name)).toEqual([NAME(1), NAME(2), NAME(1), NAME(2)]);
  });

  it('rethrows throttling for the state machine to retry', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).rejects(awsError('ThrottlingException'));

    // Act / Assess
    await expect(t.handler({ event: event(), parentExecution: PARENT })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('starts nothing for 50 instances or fewer', async () => {
    // Act
    const starts = await t.handler({ event: event(ids.slice(0, 50)), parentExecution: PARENT });

    // Assess
    expect(starts).toEqual({ started: 0, alreadyStarted: 0 });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 0);
  });

  it('never splits a chunk again: an event that is itself a chunk starts nothing', async () => {
    // Prepare
    const chunk = { ...event(ids.slice(0, 50)), triageChunk: { index: 1, of: 3, parentExecution: PARENT } };

    // Act / Assess
    await expect(t.handler({ event: chunk, parentExecution: PARENT })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('starts no further triage') });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 0);
  });

  it('refuses an event that is not a StartInstances call', async () => {
    // Prepare
    const e = event();
    e.detail.eventName = 'StopInstances';

    // Act / Assess
    await expect(t.handler({ event: e, parentExecution: PARENT })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('detail.eventName') });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 0);
  });
});

describe('start-chunk-triages without TRIAGE_STATE_MACHINE_ARN', () => {
  it('fails at load, naming the variable', async () => {
    await expect(loadWith(undefined)).rejects.toThrow('environment variable TRIAGE_STATE_MACHINE_ARN is not set');
  });
});
