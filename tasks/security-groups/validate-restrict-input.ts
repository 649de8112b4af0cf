import { createEc2Client } from '../lib/clients/ec2';
import { InvalidInputError } from '../lib/errors';
import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import type { ExecutionFacts } from '../lib/types';
import { requestedGroups } from './lib/groups';
import { restrictSecurityGroupsInputSchema, type RestrictInput } from './lib/schema';

const ec2 = createEc2Client();
const validate = validateInputHandler(restrictSecurityGroupsInputSchema, {
  summary: (r) => ({ groups: r.groupIds?.length, instanceId: r.instanceId, vpcId: r.vpcId, allowedPorts: r.allowedPorts, mode: r.mode }),
});

export interface ValidatedRestrict {
  request: RestrictInput;
  execution: ExecutionFacts;
  /** The lock's target: the VPC of the groups (restore of the same VPC takes the same lock). */
  target: string;
}

/**
 * First state: the input's shape, then (read-only) the VPC its groups are in, which the lock is taken on.
 * Groups of several VPCs are refused: one run per VPC, so one lock covers every group it changes.
 */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedRestrict> => {
  const { request, execution } = await validate(event);
  if (request.vpcId) return { request, execution, target: request.vpcId };
  const vpcs = [...new Set((await requestedGroups(ec2, request)).map((g) => g.VpcId ?? 'none'))];
  if (vpcs.length > 1) throw new InvalidInputError(`groupIds: the groups are in ${vpcs.length} VPCs (${vpcs.join(', ')}); give the groups of one VPC per execution`);
  if (vpcs[0] === undefined || vpcs[0] === 'none') throw new InvalidInputError(`${request.instanceId ? 'instanceId' : 'groupIds'}: no security group of a VPC found`);
  return { request, execution, target: vpcs[0] };
};
