import { DescribeInstancesCommand, EC2Client, type InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/instance/check-instance-settled';
import { PollBudgetExceededError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, awsError, freezeTime, instance, pollState } from '../fixtures';

const ec2 = mockClient(EC2Client);
const inState = (Name: InstanceStateName) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ State: { Name } })] }] });

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('check-instance-settled', () => {
  it.each([['pending' as const], ['stopping' as const]])('stays pending while the instance is %s, waiting 5, 10, 20, then 30 s', async (state) => {
    // Prepare
    inState(state);
    const polls = [await handler({ instanceId: INSTANCE_ID })];

    // Act
    for (let i = 0; i < 4; i += 1) polls.push(await handler({ instanceId: INSTANCE_ID, poll: polls[polls.length - 1] }));

    // Assess
    expect(polls.map((p) => [p.status, p.waitSeconds, p.maxPolls, p.seen])).toEqual([
      ['pending', 5, 10, state], ['pending', 10, 10, state], ['pending', 20, 10, state], ['pending', 30, 10, state], ['pending', 30, 10, state],
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
  });

  it.each([['running' as const], ['stopped' as const], ['terminated' as const], ['shutting-down' as const]])(
    'is completed at %s: preflight judges every state that is not on its way',
    async (state) => {
      // Prepare
      inState(state);

      // Act
      const poll = await handler({ instanceId: INSTANCE_ID, poll: pollState({ count: 2, maxPolls: 10 }) });

      // Assess
      expect(poll).toMatchObject({ status: 'completed', count: 3, seen: state });
    },
  );

  it('is completed when the instance does not exist: preflight refuses it with ResourceNotFoundError', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const poll = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(poll).toMatchObject({ status: 'completed', count: 1, seen: 'not-found' });
  });

  it('throws PollBudgetExceededError saying nothing was changed when the last poll still finds it pending', async () => {
    // Prepare
    inState('pending');

    // Act
    const result = handler({ instanceId: INSTANCE_ID, poll: pollState({ count: 9, maxPolls: 10 }) });

    // Assess
    await expect(result).rejects.toBeInstanceOf(PollBudgetExceededError);
    await expect(result).rejects.toThrow(
      `instance ${INSTANCE_ID} is still pending after 10 polls before preflight (budget 10): nothing was changed; start the run again once it is running or stopped`,
    );
  });

  it('lets a transient error through with its name for Retry', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ instanceId: INSTANCE_ID })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
