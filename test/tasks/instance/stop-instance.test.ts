import { EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/instance/stop-instance';
import { INSTANCE_ID, NOW, awsError, freezeTime } from '../fixtures';

const ec2 = mockClient(EC2Client);
const change = (previous: string, current: string) => ({
  StoppingInstances: [{ InstanceId: INSTANCE_ID, PreviousState: { Name: previous as 'running' }, CurrentState: { Name: current as 'stopping' } }],
});

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('stop-instance', () => {
  it('asks for a clean stop (never Force) and reports the state change', async () => {
    // Prepare
    ec2.on(StopInstancesCommand).resolves(change('running', 'stopping'));

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toEqual({ instanceId: INSTANCE_ID, previousState: 'running', currentState: 'stopping', at: NOW.toISOString() });
    expect(ec2).toHaveReceivedCommandTimes(StopInstancesCommand, 1);
    expect(ec2.commandCalls(StopInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [INSTANCE_ID] });
  });

  it('succeeds again on an instance that is already stopped', async () => {
    // Prepare
    ec2.on(StopInstancesCommand).resolves(change('stopped', 'stopped'));

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toMatchObject({ previousState: 'stopped', currentState: 'stopped' });
  });

  it('reports unknown states when EC2 returns no state change', async () => {
    // Prepare
    ec2.on(StopInstancesCommand).resolves({});

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toMatchObject({ previousState: 'unknown', currentState: 'unknown' });
  });

  it.each(['RequestLimitExceeded', 'IncorrectInstanceState', 'InvalidInstanceID.NotFound'])(
    'lets a %s error through with its name',
    async (name) => {
      // Prepare
      ec2.on(StopInstancesCommand).rejects(awsError(name));

      // Act / Assess
      await expect(handler({ instanceId: INSTANCE_ID })).rejects.toMatchObject({ name });
    },
  );
});
