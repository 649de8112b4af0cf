import { DescribeInstancesCommand, DescribeInstanceTypesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';
import { awsError } from '../emulation';

const ec2 = new EC2Client({});

/**
 * EC2 ModifyInstanceAttribute of InstanceType: EC2 changes the type of a stopped instance only
 * (IncorrectInstanceState otherwise) and refuses a type that does not exist (InvalidInstanceAttributeValue).
 * moto 5.2 changes a running instance's type and takes any string. Refused here as EC2 refuses them; when moto
 * refuses them itself, the tests of high-cpu's modify still pass without this (remove it then).
 */
export async function refuseWhatEc2RefusesOnInstanceTypes(call: AwsCall): Promise<void> {
  if (call.service !== 'ec2' || call.command !== 'ModifyInstanceAttribute') return;
  const type = (call.input.InstanceType as { Value?: string } | undefined)?.Value;
  if (type === undefined) return;
  const instanceId = call.input.InstanceId as string;
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
  if (!instance) throw awsError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
  const state = instance.State?.Name;
  if (state !== 'stopped') {
    throw awsError('IncorrectInstanceState', `The instance '${instanceId}' is not in the 'stopped' state.`);
  }
  const known = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as never] })).then((o) => (o.InstanceTypes ?? []).length > 0, () => false);
  if (!known) throw awsError('InvalidInstanceAttributeValue', `Value (${type}) for parameter instanceType is invalid.`);
}

interface AlarmsOutput { MetricAlarms?: { StateValue?: string; StateReason?: string }[] }

/**
 * CloudWatch DescribeAlarms: a new alarm is INSUFFICIENT_DATA until it has evaluated data; moto 5.2 reports it
 * OK at once ("Unchecked: Initial alarm creation"). Answered as CloudWatch would, so nothing takes an
 * unevaluated alarm for a healthy instance.
 */
export function newAlarmsHaveInsufficientData(output: unknown): unknown {
  for (const alarm of (output as AlarmsOutput).MetricAlarms ?? []) {
    if (alarm.StateValue === 'OK' && alarm.StateReason?.startsWith('Unchecked: Initial alarm creation')) alarm.StateValue = 'INSUFFICIENT_DATA';
  }
  return output;
}
