import { paginateDescribeInstances, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { ResourceNotFoundError, awsErrorName } from '../../lib/errors';

/** The states in which EC2 accepts ModifyInstanceMetadataOptions and the change lasts. */
export const CHANGEABLE_STATES = ['running', 'stopped'];

/** The named instances (all of them: missing ids are refused) or, with none named, the region's that allow IMDSv1. */
export async function instancesToAssess(ec2: EC2Client, instanceIds: string[] | undefined): Promise<Instance[]> {
  const filters: Filter[] = instanceIds ? [] : [
    { Name: 'instance-state-name', Values: CHANGEABLE_STATES },
    { Name: 'metadata-options.http-tokens', Values: ['optional'] },
  ];
  const found: Instance[] = [];
  try {
    for await (const page of paginateDescribeInstances({ client: ec2 }, { ...(instanceIds ? { InstanceIds: instanceIds } : { Filters: filters, MaxResults: 1000 }) })) {
      found.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    }
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceID.NotFound') throw new ResourceNotFoundError(`instanceIds: ${(error as Error).message}`);
    throw error;
  }
  const missing = (instanceIds ?? []).filter((id) => !found.some((i) => i.InstanceId === id));
  if (missing.length > 0) throw new ResourceNotFoundError(`instanceIds: ${missing.join(', ')} not found`);
  return found.sort((a, b) => String(a.InstanceId).localeCompare(String(b.InstanceId)));
}

/** The same instances again, by id (apply, verify, rollback). */
export async function describeByIds(ec2: EC2Client, instanceIds: string[]): Promise<Map<string, Instance>> {
  const byId = new Map<string, Instance>();
  if (instanceIds.length === 0) return byId;
  for await (const page of paginateDescribeInstances({ client: ec2 }, { InstanceIds: instanceIds })) {
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) if (instance.InstanceId) byId.set(instance.InstanceId, instance);
  }
  return byId;
}
