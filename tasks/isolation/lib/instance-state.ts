import { DescribeAutoScalingInstancesCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  DescribeIamInstanceProfileAssociationsCommand, DescribeInstanceAttributeCommand, DescribeInstancesCommand, type EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand, paginateDescribeTargetGroups, type ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ResourceNotFoundError, isEc2NotFound } from '../../lib/errors';
import type { ResourceTag } from '../../lib/types';

export interface EniState { networkInterfaceId: string; vpcId: string; groupIds: string[] }

/** The same security groups, in any order. */
export const sameGroups = (a: readonly string[], b: readonly string[]): boolean => {
  const sorted = [...b].sort();
  return a.length === b.length && [...a].sort().every((g, i) => g === sorted[i]);
};
export interface TargetRegistration { targetGroupArn: string; port?: number }

/** What isolate-instance changes on an instance, as EC2, Auto Scaling and ELBv2 say it is now. */
export interface InstanceState {
  instanceId: string;
  state: string;
  vpcId: string;
  keyName?: string;
  /** Its AMI: names the default login in a key rotation's manual steps. */
  imageId?: string;
  tags: ResourceTag[];
  volumeIds: string[];
  enis: EniState[];
  /** The association's id and the profile's ARN. */
  profile?: { associationId: string; arn: string };
  protection: { termination: boolean; stop: boolean };
  autoScaling?: { groupName: string; lifecycleState: string };
  targetGroups: TargetRegistration[];
}

export interface StateClients { ec2: EC2Client; autoScaling: AutoScalingClient; elbv2: ElasticLoadBalancingV2Client }

const attribute = async (ec2: EC2Client, InstanceId: string, Attribute: 'disableApiTermination' | 'disableApiStop'): Promise<boolean> => {
  const out = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId, Attribute }));
  return (Attribute === 'disableApiTermination' ? out.DisableApiTermination?.Value : out.DisableApiStop?.Value) ?? false;
};

/** Every target group of the instance's VPC that has it registered (any health), with the port it is registered on. */
async function targetGroupsOf(elbv2: ElasticLoadBalancingV2Client, instanceId: string, vpcId: string): Promise<TargetRegistration[]> {
  const found: TargetRegistration[] = [];
  for await (const page of paginateDescribeTargetGroups({ client: elbv2 }, {})) {
    for (const group of page.TargetGroups ?? []) {
      if (group.TargetType !== 'instance' || group.VpcId !== vpcId || !group.TargetGroupArn) continue;
      const { TargetHealthDescriptions: targets = [] } = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }));
      for (const t of targets) {
        if (t.Target?.Id === instanceId) found.push({ targetGroupArn: group.TargetGroupArn, ...(t.Target.Port !== undefined ? { port: t.Target.Port } : {}) });
      }
    }
  }
  return found;
}

/** Reads the instance, its ENIs' groups, its profile association, protection flags, Auto Scaling membership and target groups. */
export async function readInstanceState({ ec2, autoScaling, elbv2 }: StateClients, instanceId: string): Promise<InstanceState> {
  let reservations;
  try {
    ({ Reservations: reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
  } catch (error) {
    if (isEc2NotFound(error)) throw new ResourceNotFoundError(`instance ${instanceId} not found`);
    throw error;
  }
  const instance = reservations?.[0]?.Instances?.[0];
  if (!instance) throw new ResourceNotFoundError(`instance ${instanceId} not found`);
  const vpcId = instance.VpcId ?? '';
  const { IamInstanceProfileAssociations: associations = [] } = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({
    Filters: [{ Name: 'instance-id', Values: [instanceId] }, { Name: 'state', Values: ['associated', 'associating'] }],
  }));
  const association = associations[0];
  const { AutoScalingInstances: asg = [] } = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  const member = asg[0];
  return {
    instanceId, state: instance.State?.Name ?? 'unknown', vpcId,
    ...(instance.KeyName ? { keyName: instance.KeyName } : {}),
    ...(instance.ImageId ? { imageId: instance.ImageId } : {}),
    tags: (instance.Tags ?? []).filter((t): t is ResourceTag => typeof t.Key === 'string' && typeof t.Value === 'string').map((t) => ({ Key: t.Key, Value: t.Value })),
    volumeIds: (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((v): v is string => Boolean(v)),
    enis: (instance.NetworkInterfaces ?? []).map((n) => ({
      networkInterfaceId: n.NetworkInterfaceId ?? '', vpcId: n.VpcId ?? vpcId, groupIds: (n.Groups ?? []).map((g) => g.GroupId ?? '').sort(),
    })).sort((a, b) => a.networkInterfaceId.localeCompare(b.networkInterfaceId)),
    ...(association?.AssociationId && association.IamInstanceProfile?.Arn
      ? { profile: { associationId: association.AssociationId, arn: association.IamInstanceProfile.Arn } } : {}),
    protection: { termination: await attribute(ec2, instanceId, 'disableApiTermination'), stop: await attribute(ec2, instanceId, 'disableApiStop') },
    ...(member?.AutoScalingGroupName ? { autoScaling: { groupName: member.AutoScalingGroupName, lifecycleState: member.LifecycleState ?? '' } } : {}),
    targetGroups: vpcId ? await targetGroupsOf(elbv2, instanceId, vpcId) : [],
  };
}
