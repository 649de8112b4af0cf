import { DescribeInstancesCommand, DescribeInstanceTypesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { newAlarmsHaveInsufficientData, refuseWhatEc2RefusesOnInstanceTypes } from '../../local/emulation/instance-type';

const ec2 = mockClient(EC2Client);
const INSTANCE_ID = 'i-0123456789abcdef0';
const modify = (type: string) => ({ service: 'ec2', command: 'ModifyInstanceAttribute', input: { InstanceId: INSTANCE_ID, InstanceType: { Value: type } } });
const instanceIn = (state: string) => ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: INSTANCE_ID, State: { Name: state as 'stopped' } }] }] });

beforeEach(() => ec2.reset());

describe('ModifyInstanceAttribute of InstanceType, as EC2 answers it (moto 5.2 accepts both)', () => {
  it('is refused while the instance is not stopped', async () => {
    instanceIn('running');
    await expect(refuseWhatEc2RefusesOnInstanceTypes(modify('t3.small'))).rejects.toMatchObject({ name: 'IncorrectInstanceState' });
  });

  it('is refused for a type that does not exist, and passes for one that does on a stopped instance', async () => {
    instanceIn('stopped');
    ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.bogus' as never] }).rejects(Object.assign(new Error('no such type'), { name: 'InvalidInstanceType' }));
    ec2.on(DescribeInstanceTypesCommand, { InstanceTypes: ['t3.small'] }).resolves({ InstanceTypes: [{ InstanceType: 't3.small' }] });
    await expect(refuseWhatEc2RefusesOnInstanceTypes(modify('t3.bogus'))).rejects.toMatchObject({ name: 'InvalidInstanceAttributeValue' });
    await expect(refuseWhatEc2RefusesOnInstanceTypes(modify('t3.small'))).resolves.toBeUndefined();
  });

  it('leaves other attributes and other calls to moto', async () => {
    const attribute = { service: 'ec2', command: 'ModifyInstanceAttribute', input: { InstanceId: INSTANCE_ID, DisableApiStop: { Value: true } } };
    await expect(refuseWhatEc2RefusesOnInstanceTypes(attribute)).resolves.toBeUndefined();
    await expect(refuseWhatEc2RefusesOnInstanceTypes({ service: 'ec2', command: 'StopInstances', input: {} })).resolves.toBeUndefined();
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('DescribeAlarms', () => {
  it('reports an alarm that has not evaluated yet INSUFFICIENT_DATA, and leaves evaluated ones as they are', () => {
    const output = { MetricAlarms: [
      { AlarmName: 'new', StateValue: 'OK', StateReason: 'Unchecked: Initial alarm creation' },
      { AlarmName: 'evaluated', StateValue: 'OK', StateReason: 'Threshold Crossed: no datapoints were received' },
      { AlarmName: 'firing', StateValue: 'ALARM', StateReason: 'Threshold Crossed' },
    ] };
    expect((newAlarmsHaveInsufficientData(output) as typeof output).MetricAlarms.map((a) => [a.AlarmName, a.StateValue]))
      .toEqual([['new', 'INSUFFICIENT_DATA'], ['evaluated', 'OK'], ['firing', 'ALARM']]);
  });
});
