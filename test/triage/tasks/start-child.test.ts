import type { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { signIdentityProof } from '../../../tasks/lib/identity/sign';
import { INSTANCE_ID, NOW, awsError, freezeTime } from '../../tasks/fixtures';

type Sdk = typeof import('@aws-sdk/client-sfn');
type StartChild = typeof import('../../../tasks/triage/start-child');
type Errors = typeof import('../../../tasks/lib/errors');
interface Loaded {
  sdk: Sdk;
  handler: StartChild['handler'];
  childName: StartChild['childName'];
  InvalidInputError: Errors['InvalidInputError'];
  sfn: AwsClientStub<SFNClient>;
}

const ENCRYPT_VOLUMES_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-encrypt-volumes';
const INVESTIGATE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-investigate-traffic';
const FLOW_LOGS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-enable-flow-logs';
const PARENT_START = '2026-11-27T10:15:31.123Z';
const NAME = `encrypt-volumes-${INSTANCE_ID}-20261127T101531Z`;
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:${NAME}`;
/** What the state machine passes: the trigger; the handler adds the workflow's own fields. */
const BASE = {
  trigger: {
    source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: 'e0a1b2c3-1111-4222-8333-444455556666',
    parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:exec-0001',
  },
};
/** With decision `auto` the child may stop the instance without asking. */
const INPUT = { ...BASE, instanceId: INSTANCE_ID, allowStop: true };
const FLOW_LOGS_EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:remediation-enable-flow-logs:enable-flow-logs-vpc-0123456789abcdef0-20261127T101531Z';
/** The trigger with the proof start-child signs with its own credentials (the environment's) for starting `executionArn`. */
const proven = async (executionArn: string) => ({
  ...BASE,
  trigger: { ...BASE.trigger, proof: await signIdentityProof('start', executionArn, { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }) },
});
const event = { workflow: 'encrypt-volumes', target: INSTANCE_ID, decision: 'auto' as const, input: BASE, parentStartTime: PARENT_START };

/**
 * The handler reads CHILD_STATE_MACHINES once at module load, as in Lambda: load a fresh copy with it
 * set (or unset). Its SFN SDK and errors come from the same isolated registry as the handler.
 */
async function loadWith(children: Record<string, string> | undefined, restrictAllowedPorts?: string): Promise<Loaded> {
  const saved = process.env.CHILD_STATE_MACHINES;
  if (children === undefined) delete process.env.CHILD_STATE_MACHINES;
  else process.env.CHILD_STATE_MACHINES = JSON.stringify(children);
  if (restrictAllowedPorts !== undefined) process.env.RESTRICT_ALLOWED_PORTS = restrictAllowedPorts;
  try {
    let loaded: Omit<Loaded, 'sfn'> | undefined;
    await jest.isolateModulesAsync(async () => {
      const sdk = await import('@aws-sdk/client-sfn');
      const { handler, childName } = await import('../../../tasks/triage/start-child');
      const { InvalidInputError } = await import('../../../tasks/lib/errors');
      loaded = { sdk, handler, childName, InvalidInputError };
    });
    if (!loaded) throw new Error('start-child did not load');
    return { ...loaded, sfn: mockClient(loaded.sdk.SFNClient) };
  } finally {
    if (saved === undefined) delete process.env.CHILD_STATE_MACHINES;
    else process.env.CHILD_STATE_MACHINES = saved;
    delete process.env.RESTRICT_ALLOWED_PORTS;
  }
}

afterEach(() => jest.useRealTimers());

describe('start-child', () => {
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith({ 'encrypt-volumes': ENCRYPT_VOLUMES_ARN, 'enable-flow-logs': FLOW_LOGS_ARN });
  });
  beforeEach(() => {
    t.sfn.reset();
    freezeTime(NOW);
  });
  afterAll(() => t.sfn.restore());

  it('starts the child state machine named for the workflow, target and parent start time, with the input as JSON', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });

    // Act
    const child = await t.handler(event);

    // Assess
    expect(child).toEqual({ workflow: 'encrypt-volumes', target: INSTANCE_ID, executionArn: EXECUTION_ARN, name: NAME, alreadyStarted: false, at: NOW.toISOString() });
    expect(t.sfn).toHaveReceivedCommandTimes(t.sdk.StartExecutionCommand, 1);
    const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { stateMachineArn: string; name: string; input: string };
    expect(sent).toEqual({ stateMachineArn: ENCRYPT_VOLUMES_ARN, name: NAME, input: expect.any(String) });
    expect(JSON.parse(sent.input)).toEqual({ ...INPUT, ...(await proven(EXECUTION_ARN)) });
    expect(new URL((JSON.parse(sent.input) as { trigger: { proof: { url: string } } }).trigger.proof.url).searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-remediation-binding');
  });

  it('with decision approval the child asks a person first and is not allowed to stop on its own', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    // Act
    await t.handler({ ...event, decision: 'approval' });

    // Assess
    const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { input: string };
    expect(JSON.parse(sent.input)).toEqual({ ...(await proven(EXECUTION_ARN)), instanceId: INSTANCE_ID, approval: true });
  });

  it('starts enable-flow-logs for the VPC, to the S3 destination by default', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-enable-flow-logs:x' });

    // Act
    await t.handler({ ...event, workflow: 'enable-flow-logs', target: 'vpc-0123456789abcdef0' });

    // Assess
    const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { input: string };
    expect(JSON.parse(sent.input)).toEqual({ ...(await proven(FLOW_LOGS_EXECUTION_ARN)), vpcIds: ['vpc-0123456789abcdef0'], destination: 's3' });
  });

  it('starts investigate-traffic for the instance with nothing but its trigger (read-only: no approval gate), under approval too', async () => {
    // Prepare
    const investigate = await loadWith({ 'investigate-traffic': INVESTIGATE_ARN });
    investigate.sfn.on(investigate.sdk.StartExecutionCommand).resolves({ executionArn: 'x' });

    // Act
    await investigate.handler({ ...event, workflow: 'investigate-traffic', decision: 'approval' });

    // Assess
    const sent = investigate.sfn.commandCalls(investigate.sdk.StartExecutionCommand)[0]?.args[0].input as { stateMachineArn: string; name: string; input: string };
    expect(sent.stateMachineArn).toBe(INVESTIGATE_ARN);
    expect(sent.name).toMatch(new RegExp(`^investigate-traffic-${INSTANCE_ID}-\\d{8}T\\d{6}Z$`));
    expect(Object.keys(JSON.parse(sent.input) as Record<string, unknown>).sort()).toEqual(['instanceId', 'trigger']);
    expect(JSON.parse(sent.input)).toMatchObject({ instanceId: INSTANCE_ID });
    investigate.sfn.restore();
  });

  it('picks the state machine of the workflow asked for', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:remediation-enable-flow-logs:x' });

    // Act
    await t.handler({ ...event, workflow: 'enable-flow-logs', target: 'vpc-0123456789abcdef0' });

    // Assess
    expect(t.sfn).toHaveReceivedCommandWith(t.sdk.StartExecutionCommand, {
      stateMachineArn: FLOW_LOGS_ARN, name: 'enable-flow-logs-vpc-0123456789abcdef0-20261127T101531Z',
    });
  });

  it('uses the same name for the same parent start (a retried start finds the same execution)', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    // Act
    const first = await t.handler(event);
    const second = await t.handler(event);

    // Assess
    expect(second.name).toBe(first.name);
    const names = t.sfn.commandCalls(t.sdk.StartExecutionCommand).map((c) => (c.args[0].input as { name: string }).name);
    expect(names).toEqual([NAME, NAME]);
  });

  it('falls back to the computed execution ARN when StartExecution returns none', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({});

    // Act
    const child = await t.handler(event);

    // Assess
    expect(child).toMatchObject({ executionArn: EXECUTION_ARN, alreadyStarted: false });
  });

  it('reports ExecutionAlreadyExists as already started, with the computed execution ARN', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));

    // Act
    const child = await t.handler(event);

    // Assess
    expect(child).toEqual({ workflow: 'encrypt-volumes', target: INSTANCE_ID, executionArn: EXECUTION_ARN, name: NAME, alreadyStarted: true, at: NOW.toISOString() });
  });

  it('throws InvalidInputError for a workflow it does not know, starting nothing', async () => {
    // Act
    const result = t.handler({ ...event, workflow: 'delete-everything' });

    // Assess
    await expect(result).rejects.toThrow(t.InvalidInputError);
    await expect(result).rejects.toMatchObject({ name: 'InvalidInputError', message: 'triage cannot start unknown workflow delete-everything' });
    expect(t.sfn).not.toHaveReceivedAnyCommand();
  });

  it.each(['ThrottlingException', 'ExecutionLimitExceeded', 'StateMachineDoesNotExist', 'AccessDeniedException'])(
    'lets %s through with its name', async (name) => {
      // Prepare
      t.sfn.on(t.sdk.StartExecutionCommand).rejects(awsError(name));

      // Act / Assess
      await expect(t.handler(event)).rejects.toMatchObject({ name });
    },
  );
});

describe('childName', () => {
  let childName: Loaded['childName'];
  beforeAll(async () => {
    const t = await loadWith({});
    childName = t.childName;
    t.sfn.restore();
  });

  it.each([
    ['2026-11-27T10:15:31.123Z', `encrypt-volumes-${INSTANCE_ID}-20261127T101531Z`],
    ['2026-11-27T10:15:31Z', `encrypt-volumes-${INSTANCE_ID}-20261127T101531Z`],
    ['2026-01-02T03:04:05.6Z', `encrypt-volumes-${INSTANCE_ID}-20260102T030405Z`],
  ])('names a child started at %s as %s', (at, name) => {
    expect(childName('encrypt-volumes', INSTANCE_ID, at)).toBe(name);
  });

  it('keeps names within the 80 characters Step Functions allows, using only allowed characters', () => {
    // Prepare
    const long = childName('encrypt-volumes', `i-${'a'.repeat(100)}`, PARENT_START);

    // Assess
    expect(long).toHaveLength(80);
    expect(long).toBe(`encrypt-volumes-i-${'a'.repeat(62)}`);
    expect(childName('encrypt-volumes', INSTANCE_ID, PARENT_START)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

describe('start-child without CHILD_STATE_MACHINES', () => {
  it('knows no workflow at all', async () => {
    // Prepare
    const t = await loadWith(undefined);

    // Act
    const result = t.handler(event);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'InvalidInputError', message: 'triage cannot start unknown workflow encrypt-volumes' });
    expect(t.sfn).not.toHaveReceivedAnyCommand();
    t.sfn.restore();
  });
});

describe('start-child and restrict-security-groups', () => {
  const RESTRICT_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-restrict-security-groups';
  const RESTRICT_NAME = `restrict-security-groups-${INSTANCE_ID}-20261127T101531Z`;
  const restrict = { ...event, workflow: 'restrict-security-groups' };
  let t: Loaded;
  beforeAll(async () => {
    t = await loadWith({ 'restrict-security-groups': RESTRICT_ARN });
  });
  beforeEach(() => {
    t.sfn.reset();
    freezeTime(NOW);
  });
  afterAll(() => t.sfn.restore());

  it('starts it under auto for the instance (its interfaces\' groups), named per DESIGN, with the proven trigger', async () => {
    // Prepare
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:remediation-restrict-security-groups:${RESTRICT_NAME}` });

    // Act
    const child = await t.handler(restrict);

    // Assess
    expect(child).toMatchObject({ workflow: 'restrict-security-groups', target: INSTANCE_ID, name: RESTRICT_NAME, alreadyStarted: false });
    const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { stateMachineArn: string; name: string; input: string };
    expect(sent).toEqual({ stateMachineArn: RESTRICT_ARN, name: RESTRICT_NAME, input: expect.any(String) });
    const executionArn = `arn:aws:states:us-east-1:123456789012:execution:remediation-restrict-security-groups:${RESTRICT_NAME}`;
    expect(JSON.parse(sent.input)).toEqual({ ...(await proven(executionArn)), instanceId: INSTANCE_ID });
  });

  it('refuses approval (the workflow has no approval gate), starting nothing', async () => {
    // Act
    const result = t.handler({ ...restrict, decision: 'approval' });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'InvalidInputError', message: 'restrict-security-groups has no approval gate: triage starts it under policy auto only' });
    expect(t.sfn).not.toHaveReceivedAnyCommand();
  });
});

describe('start-child and the deployment\'s allowedPorts for restrict-security-groups (RESTRICT_ALLOWED_PORTS)', () => {
  const RESTRICT_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-restrict-security-groups';
  const restrict = { ...event, workflow: 'restrict-security-groups' };

  it('hands the configured ports to the child\'s input, so world-open rules on them are kept', async () => {
    // Prepare
    const t = await loadWith({ 'restrict-security-groups': RESTRICT_ARN }, '[80,443]');
    t.sfn.on(t.sdk.StartExecutionCommand).resolves({ executionArn: 'x' });

    // Act
    await t.handler(restrict);

    // Assess
    const sent = t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { input: string };
    expect(JSON.parse(sent.input)).toMatchObject({ instanceId: INSTANCE_ID, allowedPorts: [80, 443] });
    t.sfn.restore();
  });

  it('an empty list (the default) gives no allowedPorts, and only restrict gets them', async () => {
    // Prepare
    const none = await loadWith({ 'restrict-security-groups': RESTRICT_ARN }, '[]');
    const set = await loadWith({ 'investigate-traffic': INVESTIGATE_ARN }, '[443]');
    none.sfn.on(none.sdk.StartExecutionCommand).resolves({ executionArn: 'x' });
    set.sfn.on(set.sdk.StartExecutionCommand).resolves({ executionArn: 'x' });

    // Act
    await none.handler(restrict);
    await set.handler({ ...event, workflow: 'investigate-traffic' });

    // Assess
    const input = (t: Loaded) => JSON.parse((t.sfn.commandCalls(t.sdk.StartExecutionCommand)[0]?.args[0].input as { input: string }).input) as Record<string, unknown>;
    expect(Object.keys(input(none)).sort()).toEqual(['instanceId', 'trigger']);
    expect(Object.keys(input(set)).sort()).toEqual(['instanceId', 'trigger']);
    none.sfn.restore();
    set.sfn.restore();
  });

  it.each(['[70000]', '"443"', 'not json'])('a malformed value (%s) fails the function at load, naming the variable', async (value) => {
    await expect(loadWith({ 'restrict-security-groups': RESTRICT_ARN }, value)).rejects.toThrow(/RESTRICT_ALLOWED_PORTS/);
  });
});
