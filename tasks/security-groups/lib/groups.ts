import {
  paginateDescribeNetworkInterfaces, paginateDescribeSecurityGroups, type EC2Client, type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { describeInstance } from '../../lib/ec2';
import { ResourceNotFoundError, awsErrorName } from '../../lib/errors';
import type { RestrictInput } from './schema';
import { GROUP_GONE } from './rules';

/** Groups by id (paginated); an unknown id is ResourceNotFoundError, before any change. */
export async function describeGroups(ec2: EC2Client, groupIds: readonly string[]): Promise<SecurityGroup[]> {
  const groups: SecurityGroup[] = [];
  try {
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { GroupIds: [...groupIds] })) groups.push(...(page.SecurityGroups ?? []));
  } catch (error) {
    if (GROUP_GONE.has(awsErrorName(error) ?? '')) throw new ResourceNotFoundError(`security group not found: ${(error as Error).message}`);
    throw error;
  }
  return groups;
}

/** Every group of a VPC (paginated). */
export async function groupsOfVpc(ec2: EC2Client, vpcId: string): Promise<SecurityGroup[]> {
  const groups: SecurityGroup[] = [];
  const pages = paginateDescribeSecurityGroups({ client: ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] });
  for await (const page of pages) groups.push(...(page.SecurityGroups ?? []));
  return groups;
}

/** The groups the request names: given, of the instance's network interfaces, or of the VPC. */
export async function requestedGroups(ec2: EC2Client, request: Pick<RestrictInput, 'groupIds' | 'instanceId' | 'vpcId'>): Promise<SecurityGroup[]> {
  if (request.groupIds) return describeGroups(ec2, request.groupIds);
  if (request.instanceId) {
    const instance = await describeInstance(ec2, request.instanceId);
    const ids = new Set((instance.NetworkInterfaces ?? []).flatMap((eni) => (eni.Groups ?? []).map((g) => g.GroupId as string)));
    for (const g of instance.SecurityGroups ?? []) if (g.GroupId) ids.add(g.GroupId);
    return ids.size > 0 ? describeGroups(ec2, [...ids].sort()) : [];
  }
  return groupsOfVpc(ec2, request.vpcId as string);
}

export interface GroupUser {
  networkInterfaceId: string;
  instanceId?: string;
  description?: string;
  interfaceType?: string;
}

/** Who uses each group: its network interfaces and the instances they are attached to (paginated). */
export async function usersOfGroups(ec2: EC2Client, groupIds: readonly string[]): Promise<Map<string, GroupUser[]>> {
  const users = new Map<string, GroupUser[]>(groupIds.map((g) => [g, []]));
  if (groupIds.length === 0) return users;
  const pages = paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters: [{ Name: 'group-id', Values: [...groupIds] }] });
  for await (const page of pages) {
    for (const eni of page.NetworkInterfaces ?? []) {
      const user: GroupUser = {
        networkInterfaceId: eni.NetworkInterfaceId as string,
        ...(eni.Attachment?.InstanceId ? { instanceId: eni.Attachment.InstanceId } : {}),
        ...(eni.Description ? { description: eni.Description } : {}),
        ...(eni.InterfaceType ? { interfaceType: eni.InterfaceType } : {}),
      };
      for (const g of eni.Groups ?? []) users.get(g.GroupId as string)?.push(user);
    }
  }
  return users;
}
