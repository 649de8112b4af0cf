import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { signIdentityProof } from '../../../tasks/lib/identity/sign';
import type { BlockRequest, InvestigationPlan } from '../../../tasks/network/lib/investigation';
import { NOW, awsError, freezeTime } from '../fixtures';
import { EXECUTION, SUBNET, WINDOW, request } from './investigate-fixtures';

type StartBlock = typeof import('../../../tasks/network/start-block');

const BLOCK_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-block-source-ip';
const INVESTIGATION_ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-investigate-traffic:${EXECUTION.name}`;
/** The investigation's name with its workflow replaced: the same investigation always names the same block. */
const NAME = 'block-source-ip-i-0aaaaaaaaaaaaaaa1-20260301T120000Z';
const CHILD_ARN = `arn:aws:states:us-east-1:123456789012:execution:remediation-block-source-ip:${NAME}`;
const CIDRS = ['203.0.113.5/32'];
const BLOCK: BlockRequest = { workflow: 'block-source-ip', status: 'not-started', reason: 'started after the analysis', input: { cidrs: CIDRS, subnetIds: [SUBNET], approval: true } };
const plan = (overrides: Partial<InvestigationPlan> = {}): InvestigationPlan => ({
  outcome: 'PROCEED', target: 'i-0aaaaaaaaaaaaaaa1', window: WINDOW, enis: [], sources: [], unreadable: [], worldOpen: [], block: BLOCK, ...overrides,
});
const execution = { ...EXECUTION, arn: INVESTIGATION_ARN };
const event = { request: request({ block: true, blockCidrs: CIDRS, trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:user/alice' } }), execution, plan: plan() };

const sfn = mockClient(SFNClient);
let handler: StartBlock['handler'];
beforeAll(async () => {
  process.env.BLOCK_STATE_MACHINE_ARN = BLOCK_ARN;
  ({ handler } = await import('../../../tasks/network/start-block'));
});
beforeEach(() => {
  sfn.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());
afterAll(() => {
  sfn.restore();
  delete process.env.BLOCK_STATE_MACHINE_ARN;
});

describe('start-block', () => {
  it('starts block-source-ip for the chosen CIDRs on the ENIs\' subnets, through its approval gate, named from the investigation', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: CHILD_ARN, startDate: NOW });

    // Act
    const block = await handler(event);

    // Assess
    expect(block).toEqual({
      ...BLOCK, status: 'started', reason: 'started; it waits for a person\'s approval before any change',
      execution: { name: NAME, executionArn: CHILD_ARN, alreadyStarted: false, at: NOW.toISOString() },
    });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input as { stateMachineArn: string; name: string; input: string };
    expect({ stateMachineArn: sent.stateMachineArn, name: sent.name }).toEqual({ stateMachineArn: BLOCK_ARN, name: NAME });
    const proof = await signIdentityProof('start', CHILD_ARN, { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    expect(JSON.parse(sent.input)).toEqual({
      cidrs: CIDRS, subnetIds: [SUBNET], approval: true,
      trigger: { source: 'cli', principal: 'arn:aws:iam::123456789012:user/alice', parentExecution: INVESTIGATION_ARN, proof },
    });
  });

  it('does not pass on what the investigation\'s own trigger verification added', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: CHILD_ARN });
    const verified = { ...event, request: { ...event.request, trigger: { source: 'console' as const, principal: 'arn:aws:iam::123456789012:role/ops', verified: true } } };

    // Act
    await handler(verified);

    // Assess
    const sent = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input as { input: string };
    expect(Object.keys((JSON.parse(sent.input) as { trigger: Record<string, unknown> }).trigger).sort()).toEqual(['parentExecution', 'principal', 'proof', 'source']);
  });

  it('counts ExecutionAlreadyExists as started (a retry after a lost answer), with the computed ARN', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(awsError('ExecutionAlreadyExists'));

    // Act
    const block = await handler(event);

    // Assess
    expect(block).toMatchObject({ status: 'started', execution: { name: NAME, executionArn: CHILD_ARN, alreadyStarted: true } });
    expect(block?.reason).toContain('earlier attempt');
  });

  it('sends the same name on a retry', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ executionArn: CHILD_ARN });

    // Act
    await expect(handler(event)).rejects.toMatchObject({ name: 'ThrottlingException' });
    await handler(event);

    // Assess
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([NAME, NAME]);
  });

  it.each(['ThrottlingException', 'ExecutionLimitExceeded', 'StateMachineDoesNotExist', 'AccessDeniedException'])('lets %s through with its name', async (name) => {
    // Prepare
    sfn.on(StartExecutionCommand).rejects(awsError(name));

    // Act / Assess
    await expect(handler(event)).rejects.toMatchObject({ name });
  });

  it('plan mode starts nothing and hands the request back as not-started', async () => {
    // Act
    const block = await handler({ ...event, request: { ...event.request, mode: 'plan' }, plan: plan({ outcome: 'PLANNED' }) });

    // Assess
    expect(block).toEqual(BLOCK);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('starts nothing when no block was asked for', async () => {
    // Act
    const block = await handler({ ...event, plan: plan({ block: undefined }) });

    // Assess
    expect(block).toBeUndefined();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
