import * as iam from 'aws-cdk-lib/aws-iam';
import { BLOCK_TAG_PREFIX } from '../../tasks/network/lib/nacl-blocks';
import { EXCLUDED, ec2Arn } from '../kit/grants';
import type { Grant } from '../kit/spec';
import { REGION, actionsOf, hasCondition, list, type AcceptedFinding } from '../nag';

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

/** The NACL ARNs above: NACL ids come from the input's subnets at run time. */
export const NACL_ACCEPTED_FINDINGS: AcceptedFinding[] = [{
  rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}:(<AWS::AccountId>|\\d{12}):network-acl/\\*\\]$`),
  reason: 'block-source-ip / unblock-source-ip: NACL ids are found from the input\'s subnets at run time; grants are limited to this account '
    + 'and region, entries to Create/DeleteNetworkAclEntry (denied on remediation:exclude=true), tags to the remediation:block:* keys.',
  statement: (s) => !list(s.Resource).some((r) => /:network-acl\/\*("|$)/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
    s.Effect === 'Deny' || actionsOf(s).every((a) => a === 'ec2:CreateNetworkAclEntry' || a === 'ec2:DeleteNetworkAclEntry' ||
      ((a === 'ec2:CreateTags' || a === 'ec2:DeleteTags') && hasCondition(s, 'aws:TagKeys'))),
}];
