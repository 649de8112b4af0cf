import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../../tasks/fixtures';

type Sdk = typeof import('@aws-sdk/client-sfn');
type StartChunkTriage = typeof import('../../../tasks/triage/start-chunk-triage');
interface Loaded {
  sdk: Sdk;
  handler: StartChunkTriage['handler'];
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
      const { handler } = await import('../../../tasks/triage/start-chunk-triage');
      loaded = { sdk, handler };
    });
    if (!loaded) throw new Error('start-chunk-triage did not load');
    return { ...loaded, sfn: mockClient(loaded.sdk.SFNClient) };
  } finally {
    if (saved === undefined) delete process.env.TRIAGE_STATE_MACHINE_ARN;
    else process.env.TRIAGE_STATE_MACHINE_ARN = saved;
  }
}

const sentInput = (t: Loaded, call = 0) => {
  const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[call]?.args[0].input as { stateMachineArn: string; name: string; input: string };
  return { ...sent, input: JSON.parse(sent.input) as ReturnType<typeof event> & { triageChunk: unknown } };
};

describe('start-chunk-triage', () => {
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith(TRIAGE_ARN);
  });
  beforeEach(() => t.sfn.reset());
  afterAll(() => t.sfn.restore());

  it('starts triage itself for chunk 1, named by the event and the chunk, with only that chunk\'s instances', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN(1) });
    const delivered = event();

    // Act
    const started = await t.handler({ event: delivered, index: 1, parentExecution: PARENT });

    // Assess
    expect(started).toEqual({ index: 1, name: NAME(1), executionArn: EXECUTION_ARN(1), alreadyStarted: false });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 1);
    const sent = sentInput(t);
    expect(sent).toMatchObject({ stateMachineArn: TRIAGE_ARN, name: NAME(1) });
    const chunk = ids.slice(50, 100);
    // The event as delivered, every other field kept, naming only the chunk, with the parent's record.
    expect(sent.input).toEqual({
      ...delivered,
      detail: {
        ...delivered.detail,
        requestParameters: { instancesSet: { items: chunk.map((instanceId) => ({ instanceId })) } },
        responseElements: { requestId: 'r-1', instancesSet: { items: chunk.map((instanceId) => ({ instanceId, currentState: { code: 0, name: 'pending' } })) } },
      },
      triageChunk: { index: 1, of: 3, parentExecution: PARENT },
    });
  });

  it('gives the last chunk the rest (20 of 120)', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN(2) });

    // Act
    await t.handler({ event: event(), index: 2, parentExecution: PARENT });

    // Assess
    const items = (sentInput(t).input.detail.requestParameters as { instancesSet: { items: { instanceId: string }[] } }).instancesSet.items;
    expect(items.map((i) => i.instanceId)).toEqual(ids.slice(100));
  });

  it('puts an instance only the response named into the chunk\'s request too', async () => {
    // Prepare: 60 requested, a 61st only in the response: it is the second chunk's only instance.
    const e = event(ids.slice(0, 61));
    e.detail.requestParameters = { instancesSet: { items: ids.slice(0, 60).map((instanceId) => ({ instanceId })) } };
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN(1) });

    // Act
    await t.handler({ event: e, index: 1, parentExecution: PARENT });

    // Assess
    const detail = sentInput(t).input.detail as { requestParameters: { instancesSet: { items: { instanceId: string }[] } }; responseElements: { instancesSet: { items: { instanceId: string }[] } } };
    expect(detail.requestParameters.instancesSet.items.map((i) => i.instanceId)).toEqual(ids.slice(50, 61));
    expect(detail.responseElements.instancesSet.items.map((i) => i.instanceId)).toEqual(ids.slice(50, 61));
  });

  it('counts ExecutionAlreadyExists as started: a retry, or a second delivery of the event, starts no duplicate', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists', `Execution Already Exists: '${EXECUTION_ARN(1)}'`));

    // Act
    const started = await t.handler({ event: event(), index: 1, parentExecution: PARENT });

    // Assess
    expect(started).toEqual({ index: 1, name: NAME(1), executionArn: EXECUTION_ARN(1), alreadyStarted: true });
  });

  it('uses the same name on every attempt', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN(1) });

    // Act
    await t.handler({ event: event(), index: 1, parentExecution: PARENT });
    await t.handler({ event: event(), index: 1, parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:triage-2' });

    // Assess
    expect(t.sfn.commandCalls(t.sdk.StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([NAME(1), NAME(1)]);
  });

  it('rethrows throttling for the state machine to retry', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).rejects(awsError('ThrottlingException'));

    // Act / Assess
    await expect(t.handler({ event: event(), index: 1, parentExecution: PARENT })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('never splits a chunk again: an event that is itself a chunk starts nothing', async () => {
    // Prepare
    const chunk = { ...event(ids.slice(0, 50)), triageChunk: { index: 1, of: 3, parentExecution: PARENT } };

    // Act / Assess
    await expect(t.handler({ event: chunk, index: 1, parentExecution: PARENT })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('starts no further triage') });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 0);
  });

  it.each([0, 3, 1.5])('refuses chunk %p, which is not a further chunk of a 120-instance event', async (index) => {
    // Act / Assess
    await expect(t.handler({ event: event(), index, parentExecution: PARENT })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(`index: ${index} is not a further chunk`) });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 0);
  });

  it('refuses an event that is not a StartInstances call', async () => {
    // Prepare
    const e = event();
    e.detail.eventName = 'StopInstances';

    // Act / Assess
    await expect(t.handler({ event: e, index: 1, parentExecution: PARENT })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('detail.eventName') });
  });
});

describe('start-chunk-triage without TRIAGE_STATE_MACHINE_ARN', () => {
  it('fails at load, naming the variable', async () => {
    await expect(loadWith(undefined)).rejects.toThrow('environment variable TRIAGE_STATE_MACHINE_ARN is not set');
  });
});
