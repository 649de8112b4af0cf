import type { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { signIdentityProof } from '../../../tasks/lib/identity/sign';
import { containPrincipalInputSchema } from '../../../tasks/principal/lib/schema';
import { isolateInstanceInputSchema } from '../../../tasks/isolation/lib/schema';
import { NOW, awsError, freezeTime } from '../../tasks/fixtures';

type Sdk = typeof import('@aws-sdk/client-sfn');
type StartChild = typeof import('../../../tasks/triage/start-child');

const CONTAIN_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-contain-principal';
const ISOLATE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-isolate-instance';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
const NAME = `contain-principal-${CASE_ID}`;
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-contain-principal:${NAME}`;
const ALICE = 'arn:aws:iam::123456789012:user/alice';
const TRIGGER = {
  source: 'eventbridge', principal: ALICE, eventId: EVENT_ID,
  parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:exec-0001',
};
/** What StartContainment passes (workflows/triage-start-instances.ts). */
const event = {
  workflow: 'contain-principal', target: ALICE, decision: 'approval' as const, caseId: CASE_ID, parentStartTime: '2026-11-27T10:15:31.123Z',
  caller: { principal: { type: 'IAMUser', arn: ALICE }, accessKeyId: 'AKIAEXAMPLEKEY000001' }, input: { trigger: TRIGGER },
};

let sdk: Sdk;
let handler: StartChild['handler'];
let childName: StartChild['childName'];
let InvalidInputError: typeof import('../../../tasks/lib/errors').InvalidInputError;
let sfn: AwsClientStub<SFNClient>;
beforeAll(async () => {
  // CHILD_STATE_MACHINES is read at load, as in Lambda: a fresh copy with it set.
  const saved = process.env.CHILD_STATE_MACHINES;
  process.env.CHILD_STATE_MACHINES = JSON.stringify({ 'contain-principal': CONTAIN_ARN, 'isolate-instance': ISOLATE_ARN });
  await jest.isolateModulesAsync(async () => {
    sdk = await import('@aws-sdk/client-sfn');
    ({ handler, childName } = await import('../../../tasks/triage/start-child'));
    ({ InvalidInputError } = await import('../../../tasks/lib/errors'));
  });
  if (saved === undefined) delete process.env.CHILD_STATE_MACHINES;
  else process.env.CHILD_STATE_MACHINES = saved;
  sfn = mockClient(sdk.SFNClient);
});
beforeEach(() => {
  sfn.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());
afterAll(() => sfn.restore());

const sentInput = (): Record<string, unknown> => JSON.parse(String(sfn.commandCalls(sdk.StartExecutionCommand)[0]?.args[0].input.input));

describe('start-child and contain-principal', () => {
  it('starts contain-principal named by the case (not the parent start), with the caller, the key, the case id and approval', async () => {
    // Prepare
    sfn.on(sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    // Act
    const child = await handler(event);

    // Assess
    expect(child).toEqual({ workflow: 'contain-principal', target: ALICE, executionArn: EXECUTION_ARN, name: NAME, alreadyStarted: false, at: NOW.toISOString() });
    expect(sfn).toHaveReceivedCommandWith(sdk.StartExecutionCommand, { stateMachineArn: CONTAIN_ARN, name: NAME });
    const input = sentInput();
    expect(input).toEqual({
      principalArn: ALICE, principalType: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001', caseId: CASE_ID, approval: true,
      // Signed with the function's own credentials for starting this very execution.
      trigger: { ...TRIGGER, proof: await signIdentityProof('start', EXECUTION_ARN, { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }) },
    });
    // The child's own schema accepts what triage sends.
    expect(containPrincipalInputSchema.safeParse(input).success).toBe(true);
  });

  it('under auto starts it without asking', async () => {
    sfn.on(sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    await handler({ ...event, decision: 'auto' });

    expect(sentInput()).toMatchObject({ approval: false, caseId: CASE_ID });
  });

  it('a second delivery of the event (another parent start) finds the one child of the case: already started, same name', async () => {
    sfn.on(sdk.StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));

    const child = await handler({ ...event, parentStartTime: '2026-11-27T11:00:00.000Z' });

    expect(child).toEqual({ workflow: 'contain-principal', target: ALICE, executionArn: EXECUTION_ARN, name: NAME, alreadyStarted: true, at: NOW.toISOString() });
    expect(sfn).toHaveReceivedCommandWith(sdk.StartExecutionCommand, { name: NAME });
  });

  it('passes no accessKeyId when the event had none', async () => {
    sfn.on(sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    await handler({ ...event, caller: { principal: { type: 'Root', arn: 'arn:aws:iam::123456789012:root' } } });

    expect(sentInput()).not.toHaveProperty('accessKeyId');
    expect(sentInput()).toMatchObject({ principalArn: 'arn:aws:iam::123456789012:root', principalType: 'Root' });
  });

  it.each([
    ['the caller', { caller: undefined }],
    ['the case id', { caseId: undefined }],
  ])('refuses without %s, starting nothing', async (_what, missing) => {
    await expect(handler({ ...event, ...missing })).rejects.toThrow(new InvalidInputError('contain-principal needs the caller and the case id'));
    expect(sfn).toHaveReceivedCommandTimes(sdk.StartExecutionCommand, 0);
  });
});

describe('start-child and isolate-instance', () => {
  const INSTANCE = 'i-0123456789abcdef0';
  const ISOLATE_NAME = `${CASE_ID}-${INSTANCE}`;
  const ISOLATE_EXECUTION = `arn:aws:states:us-east-1:123456789012:execution:remediation-isolate-instance:${ISOLATE_NAME}`;
  /** What StartIsolation passes (workflows/triage-start-instances.ts). */
  const isolateEvent = { workflow: 'isolate-instance', target: INSTANCE, decision: 'approval' as const, caseId: CASE_ID, parentStartTime: event.parentStartTime, input: { trigger: TRIGGER } };

  it('starts isolate-instance named case-<eventId>-<instanceId> (within 80 characters), with the case id and approval under approval', async () => {
    sfn.on(sdk.StartExecutionCommand).resolves({ executionArn: ISOLATE_EXECUTION });

    const child = await handler(isolateEvent);

    expect(child).toEqual({ workflow: 'isolate-instance', target: INSTANCE, executionArn: ISOLATE_EXECUTION, name: ISOLATE_NAME, alreadyStarted: false, at: NOW.toISOString() });
    expect(ISOLATE_NAME.length).toBeLessThanOrEqual(80);
    expect(sfn).toHaveReceivedCommandWith(sdk.StartExecutionCommand, { stateMachineArn: ISOLATE_ARN, name: ISOLATE_NAME });
    const input = sentInput();
    expect(input).toEqual({
      instanceId: INSTANCE, caseId: CASE_ID, approval: true,
      trigger: { ...TRIGGER, proof: await signIdentityProof('start', ISOLATE_EXECUTION, { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }) },
    });
    expect(isolateInstanceInputSchema.safeParse(input).success).toBe(true);
  });

  it('under auto starts it without asking; a retry or second delivery finds the started one', async () => {
    sfn.on(sdk.StartExecutionCommand).resolvesOnce({ executionArn: ISOLATE_EXECUTION }).rejects(awsError('ExecutionAlreadyExists'));

    await handler({ ...isolateEvent, decision: 'auto' });
    const again = await handler({ ...isolateEvent, decision: 'auto', parentStartTime: '2026-11-27T11:00:00.000Z' });

    expect(sentInput()).toMatchObject({ approval: false, caseId: CASE_ID, instanceId: INSTANCE });
    expect(again).toMatchObject({ name: ISOLATE_NAME, executionArn: ISOLATE_EXECUTION, alreadyStarted: true });
  });

  it('the longest name triage can give fits Step Functions\' 80 characters (event ids of 44, instance ids of 19 characters)', () => {
    const name = childName('isolate-instance', 'i-0123456789abcdef0', event.parentStartTime, `case-${'e'.repeat(44)}`);
    expect([name, name.length]).toEqual([`case-${'e'.repeat(44)}-i-0123456789abcdef0`, 69]);
  });

  it('refuses without the case id, starting nothing', async () => {
    await expect(handler({ ...isolateEvent, caseId: undefined })).rejects.toThrow(new InvalidInputError('isolate-instance needs the case id'));
    expect(sfn).toHaveReceivedCommandTimes(sdk.StartExecutionCommand, 0);
  });
});
