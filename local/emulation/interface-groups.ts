import { DescribeNetworkInterfacesCommand, ModifyInstanceAttributeCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

/**
 * EC2 ModifyNetworkInterfaceAttribute with Groups replaces the ENI's groups; an instance's groups are its primary ENI's.
 * moto (5.2) reports an attached ENI's groups as its own set united with the groups the instance was launched with, so
 * an ENI moved to an isolation group still shows its old groups. After the call, the instance's groups in moto are set
 * to the primary ENI's new ones, which makes moto's union the set EC2 reports. Fixed upstream when an ENI moved with
 * ModifyNetworkInterfaceAttribute no longer lists its launch groups in DescribeInstances (then remove this).
 */
export async function primaryInterfaceGroupsFollow(ec2: EC2Client, call: AwsCall): Promise<void> {
  if (call.service !== 'ec2' || call.command !== 'ModifyNetworkInterfaceAttribute' || !Array.isArray(call.input.Groups)) return;
  const { NetworkInterfaces: [eni] = [] } = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [call.input.NetworkInterfaceId as string] }));
  const instanceId = eni?.Attachment?.InstanceId;
  if (!instanceId || eni.Attachment?.DeviceIndex !== 0) return;
  await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, Groups: call.input.Groups as string[] }));
}
