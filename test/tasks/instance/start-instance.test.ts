import { DescribeInstancesCommand, EC2Client, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/instance/start-instance';
import { INSTANCE_ID, NOW, awsError, freezeTime, instance, sentCommands } from '../fixtures';

const ec2 = mockClient(EC2Client);
const change = (previous: string, current: string) => ({
  StartingInstances: [{ InstanceId: INSTANCE_ID, PreviousState: { Name: previous as 'stopped' }, CurrentState: { Name: current as 'pending' } }],
});

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('start-instance', () => {
  it('starts the instance and reports the state change', async () => {
    // Prepare
    ec2.on(StartInstancesCommand).resolves(change('stopped', 'pending'));

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toEqual({ instanceId: INSTANCE_ID, previousState: 'stopped', currentState: 'pending', at: NOW.toISOString() });
    expect(ec2).toHaveReceivedCommandTimes(StartInstancesCommand, 1);
    expect(ec2.commandCalls(StartInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [INSTANCE_ID] });
  });

  it('succeeds again on an instance that is already running', async () => {
    // Prepare
    ec2.on(StartInstancesCommand).resolves(change('running', 'running'));

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toMatchObject({ previousState: 'running', currentState: 'running' });
  });

  it('reports unknown states when EC2 returns no state change', async () => {
    // Prepare
    ec2.on(StartInstancesCommand).resolves({});

    // Act
    const out = await handler({ instanceId: INSTANCE_ID });

    // Assess
    expect(out).toMatchObject({ previousState: 'unknown', currentState: 'unknown' });
  });

  it.each(['RequestLimitExceeded', 'InsufficientInstanceCapacity', 'IncorrectInstanceState'])(
    'lets a %s error through with its name',
    async (name) => {
      // Prepare
      ec2.on(StartInstancesCommand).rejects(awsError(name));

      // Act / Assess
      await expect(handler({ instanceId: INSTANCE_ID })).rejects.toMatchObject({ name });
    },
  );

  it.each(['RequestLimitExceeded', 'InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'Unsupported'])(
    'lets a %s error through with its name for the state\'s Retry (capacity errors: the long one)',
    async (name) => {
      // Prepare
      ec2.on(StartInstancesCommand).rejects(awsError(name));

      // Act / Assess
      await expect(handler({ instanceId: INSTANCE_ID })).rejects.toMatchObject({ name });
    },
  );
});

describe('start-instance after a rollback', () => {
  const isNow = (state: string) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance({ State: { Name: state as 'stopped' } })] }] });
  const restored = { devices: [{ step: 'restored' }, { step: 'restored' }] };

  it('starts an instance that is stopped now, when every device was put back', async () => {
    // Prepare
    isNow('stopped');
    ec2.on(StartInstancesCommand).resolves(change('stopped', 'pending'));

    // Act
    const out = await handler({ instanceId: INSTANCE_ID, afterRollback: restored });

    // Assess
    expect(out).toEqual({ instanceId: INSTANCE_ID, previousState: 'stopped', currentState: 'pending', at: NOW.toISOString() });
    expect(sentCommands(ec2)).toEqual(['DescribeInstancesCommand', 'StartInstancesCommand']);
  });

  it.each([
    ['running', restored, 'the instance is running, not stopped: left as it is'],
    ['stopping', restored, 'the instance is stopping, not stopped: left as it is'],
    ['stopped', { devices: [{ step: 'restored' }, { step: 'failed' }, { step: 'not-restored' }] }, '2 device(s) not restored: left stopped'],
  ])('never starts an instance that is %s, or one with a device not restored', async (state, afterRollback, skipped) => {
    // Prepare
    isNow(state);

    // Act
    const out = await handler({ instanceId: INSTANCE_ID, afterRollback });

    // Assess
    expect(out).toEqual({ instanceId: INSTANCE_ID, previousState: state, currentState: state, at: NOW.toISOString(), skipped });
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });
});
