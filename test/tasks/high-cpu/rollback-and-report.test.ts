import { DescribeInstancesCommand, EC2Client, ModifyInstanceAttributeCommand, StartInstancesCommand, StopInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as buildReport } from '../../../tasks/high-cpu/build-report';
import { handler as rollback } from '../../../tasks/high-cpu/rollback-resize';
import { INSTANCE_ID, NOW, awsError, freezeTime } from '../fixtures';
import { ALARM_NAME, context, cpuInstance, plan } from './fixtures';

const ec2 = mockClient(EC2Client);
const withInstance = (overrides: Partial<Instance>) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [cpuInstance(overrides)] }] });
const event = { instanceId: INSTANCE_ID, from: 't3.micro', wasRunning: true };

beforeEach(() => {
  ec2.reset();
  freezeTime(NOW);
});
afterEach(() => jest.useRealTimers());

describe('rollback-resize, one step per call', () => {
  it('stops an instance running as the new type', async () => {
    withInstance({ InstanceType: 't3.small', State: { Name: 'running' } });
    expect(await rollback(event)).toMatchObject({ status: 'pending', step: 'stopping', done: ['stop (it ran as t3.small)'] });
    expect(ec2).toHaveReceivedCommandWith(StopInstancesCommand, { InstanceIds: [INSTANCE_ID] });
  });

  it('waits while it stops, then sets the original type once stopped', async () => {
    withInstance({ InstanceType: 't3.small', State: { Name: 'stopping' } });
    expect(await rollback(event)).toMatchObject({ status: 'pending', step: 'waiting', done: [] });
    ec2.reset();
    withInstance({ InstanceType: 't3.small', State: { Name: 'stopped' } });
    expect(await rollback(event)).toMatchObject({ status: 'pending', step: 'restoring-type', done: ['type t3.small -> t3.micro'] });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, { InstanceId: INSTANCE_ID, InstanceType: { Value: 't3.micro' } });
    expect(ec2).not.toHaveReceivedCommand(StopInstancesCommand);
  });

  it('starts the instance of the original type that was running, and is done once it runs', async () => {
    withInstance({ State: { Name: 'stopped' } });
    const started = await rollback({ ...event, poll: { status: 'pending', count: 2, startedAt: NOW.toISOString(), waitSeconds: 5, maxPolls: 60, step: 'restoring-type', state: 'stopped', instanceType: 't3.small', done: ['type t3.small -> t3.micro'] } });
    expect(started).toMatchObject({ status: 'pending', step: 'starting', count: 3, done: ['type t3.small -> t3.micro', 'start as t3.micro'] });
    ec2.reset();
    withInstance({ State: { Name: 'running' } });
    expect(await rollback({ ...event, poll: started })).toMatchObject({ status: 'completed', step: 'restored', state: 'running', instanceType: 't3.micro' });
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });

  it('leaves a stopped instance of the original type stopped when it was stopped before', async () => {
    withInstance({ State: { Name: 'stopped' } });
    expect(await rollback({ ...event, wasRunning: false })).toMatchObject({ status: 'completed', done: [] });
    expect(ec2).not.toHaveReceivedCommand(StartInstancesCommand);
  });

  it('a start refused again (no capacity for the original type either) goes up, as does a terminated instance', async () => {
    withInstance({ State: { Name: 'stopped' } });
    ec2.on(StartInstancesCommand).rejects(awsError('InsufficientInstanceCapacity'));
    await expect(rollback(event)).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity' });
    ec2.reset();
    withInstance({ State: { Name: 'terminated' } });
    await expect(rollback(event)).rejects.toMatchObject({ name: 'RollbackIncompleteError', message: expect.stringContaining('is terminated') });
  });
});

describe('build-report', () => {
  const at = NOW.toISOString();
  const work = {
    alarm: { alarmName: ALARM_NAME, change: 'create' as const, after: plan().alarm.desired, at },
    stop: { at }, resize: { instanceId: INSTANCE_ID, from: 't3.micro', to: 't3.small', resizedAt: at }, start: { at },
  };

  it('records the alarm\'s before/after and each step of the resize', async () => {
    const report = await buildReport({ ...context({ resize: true }), plan: plan(), work });
    expect(report).toMatchObject({ workflow: 'high-cpu', target: INSTANCE_ID, outcome: 'REMEDIATED', execution: 'high-cpu-exec' });
    expect(report.actions).toEqual([
      { action: 'create-alarm', resourceId: ALARM_NAME, after: plan().alarm.desired, at },
      { action: 'stop-instance', resourceId: INSTANCE_ID, at },
      { action: 'modify-instance-type', resourceId: INSTANCE_ID, before: { instanceType: 't3.micro' }, after: { instanceType: 't3.small' }, at },
      { action: 'start-instance', resourceId: INSTANCE_ID, at },
    ]);
    expect(report.rolledBack).toBeUndefined();
  });

  it('after a rollback says what failed, what was put back and what is kept', async () => {
    const rollbackPoll = { status: 'completed' as const, count: 3, startedAt: at, waitSeconds: 5, maxPolls: 60, step: 'restored' as const, state: 'running', instanceType: 't3.micro', done: ['type t3.small -> t3.micro', 'start as t3.micro'] };
    const report = await buildReport({ ...context({ resize: true }), plan: plan(), work: { ...work, start: undefined, error: { Error: 'InsufficientInstanceCapacity', Cause: 'no t3.small' } }, rollback: rollbackPoll });
    expect(report.rolledBack).toEqual({
      error: 'InsufficientInstanceCapacity', cause: 'no t3.small', restored: ['type t3.small -> t3.micro', 'start as t3.micro'], alarmKept: true, instanceType: 't3.micro', state: 'running',
    });
  });
});
