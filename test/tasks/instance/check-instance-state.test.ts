import { DescribeInstancesCommand, EC2Client, type InstanceStateName } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/instance/check-instance-state';
import { InstanceChangedError, PollBudgetExceededError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { INSTANCE_ID, NOW, awsError, freezeTime, instance, pollState } from '../fixtures';

const ec2 = mockClient(EC2Client);
const inState = (Name: InstanceStateName) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ State: { Name } })] }] });

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('check-instance-state', () => {
  it.each([['stopped' as const], ['running' as const]])('reports completed once the instance is %s', async (desired) => {
    // Prepare
    inState(desired);

    // Act
    const poll = await handler({ instanceId: INSTANCE_ID, desired });

    // Assess
    expect(poll).toEqual({ status: 'completed', count: 1, startedAt: NOW.toISOString(), maxPolls: 30, waitSeconds: 5, seen: desired });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: [INSTANCE_ID] });
  });

  it('stays pending on the way, waiting longer each time up to a minute', async () => {
    // Prepare
    inState('stopping');
    const polls = [await handler({ instanceId: INSTANCE_ID, desired: 'stopped' })];

    // Act
    for (let i = 0; i < 5; i += 1) polls.push(await handler({ instanceId: INSTANCE_ID, desired: 'stopped', poll: polls[polls.length - 1] }));

    // Assess
    expect(polls.map((p) => p.waitSeconds)).toEqual([5, 10, 20, 40, 60, 60]);
    expect(polls.every((p) => p.status === 'pending' && p.startedAt === NOW.toISOString())).toBe(true);
    expect(polls.map((p) => p.count)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([['terminated' as const], ['shutting-down' as const]])('reports error when the instance is %s', async (state) => {
    // Prepare
    inState(state);

    // Act
    const poll = await handler({ instanceId: INSTANCE_ID, desired: 'running', poll: pollState({ count: 2, maxPolls: 30 }) });

    // Assess
    expect(poll).toMatchObject({ status: 'error', count: 3, error: { Error: 'InstanceLost', Cause: `instance ${INSTANCE_ID} is ${state}` } });
  });

  it('throws PollBudgetExceededError when the last poll of the budget is still pending', async () => {
    // Prepare
    inState('pending');

    // Act
    const result = handler({ instanceId: INSTANCE_ID, desired: 'running', poll: pollState({ count: 29, maxPolls: 30 }) });

    // Assess
    await expect(result).rejects.toThrow(PollBudgetExceededError);
    await expect(result).rejects.toMatchObject({
      name: 'PollBudgetExceededError',
      message: `instance ${INSTANCE_ID} reaching running still pending after 30 polls (budget 30)`,
    });
  });

  it('accepts the desired state on the last poll of the budget', async () => {
    // Prepare
    inState('running');

    // Act
    const poll = await handler({ instanceId: INSTANCE_ID, desired: 'running', poll: pollState({ count: 29, maxPolls: 30 }) });

    // Assess
    expect(poll).toMatchObject({ status: 'completed', count: 30 });
  });

  it('throws ResourceNotFoundError when the instance is gone', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));

    // Act
    const result = handler({ instanceId: INSTANCE_ID, desired: 'stopped' });

    // Assess
    await expect(result).rejects.toThrow(ResourceNotFoundError);
    await expect(result).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: `instance ${INSTANCE_ID} not found` });
  });

  it('lets a transient error through with its name for Retry', async () => {
    // Prepare
    ec2.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded'));

    // Act / Assess
    await expect(handler({ instanceId: INSTANCE_ID, desired: 'stopped' })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });

  describe('waiting for stopped, never stopping again an instance someone started', () => {
    it.each([
      ['stopping' as const, 'running' as const], ['stopping' as const, 'pending' as const],
      ['stopped' as const, 'running' as const], ['stopped' as const, 'pending' as const],
    ])('seen %s, then %s: throws InstanceChangedError naming both', async (seen, now) => {
      // Prepare
      inState(now);

      // Act
      const result = handler({ instanceId: INSTANCE_ID, desired: 'stopped', poll: { ...pollState({ maxPolls: 30 }), seen } });

      // Assess
      await expect(result).rejects.toBeInstanceOf(InstanceChangedError);
      await expect(result).rejects.toMatchObject({
        name: 'InstanceChangedError',
        message: `instance ${INSTANCE_ID} is ${now} again after it was seen ${seen}: someone started it while the workflow waited for it to stop; not stopping it again`,
      });
    });

    it('still running on the first polls after StopInstances (not yet seen stopping) is only pending', async () => {
      // Prepare
      inState('running');

      // Act
      const poll = await handler({ instanceId: INSTANCE_ID, desired: 'stopped', poll: { ...pollState({ maxPolls: 30 }), seen: 'running' } });

      // Assess
      expect(poll).toMatchObject({ status: 'pending', count: 2, seen: 'running' });
    });

    it('waiting for running, an instance seen stopped that is pending is on its way, not a change', async () => {
      // Prepare
      inState('pending');

      // Act
      const poll = await handler({ instanceId: INSTANCE_ID, desired: 'running', poll: { ...pollState({ maxPolls: 30 }), seen: 'stopped' } });

      // Assess
      expect(poll).toMatchObject({ status: 'pending', seen: 'pending' });
    });
  });
});
