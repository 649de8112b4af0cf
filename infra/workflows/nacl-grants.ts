import * as iam from 'aws-cdk-lib/aws-iam';
import { BLOCK_TAG_PREFIX } from '../../tasks/network/lib/nacl-blocks';
import { EXCLUDED, ec2Arn } from '../kit/grants';
import type { Grant } from '../kit/spec';

/**
 * NACL entry changes only on NACLs of this account and region, never on one tagged remediation:exclude=true
 * (explicit Deny). Entries have no ARN of their own: the NACL is the resource.
 */
export const naclEntries = (...actions: ('CreateNetworkAclEntry' | 'DeleteNetworkAclEntry')[]): Grant => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: [ec2Arn(scope, 'network-acl')] }),
  new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: actions.map((a) => `ec2:${a}`), resources: [ec2Arn(scope, 'network-acl')], conditions: EXCLUDED }),
];

/** Only the block records' tag keys (`remediation:block:<direction>:<cidr>`) on NACLs: no other tag can be set or removed. */
export const naclBlockTags = (action: 'CreateTags' | 'DeleteTags'): Grant => ({ scope }) => [
  new iam.PolicyStatement({
    actions: [`ec2:${action}`], resources: [ec2Arn(scope, 'network-acl')],
    conditions: { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${BLOCK_TAG_PREFIX}*`] }, Null: { 'aws:TagKeys': 'false' } },
  }),
  new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: [`ec2:${action}`], resources: [ec2Arn(scope, 'network-acl')], conditions: EXCLUDED }),
];
