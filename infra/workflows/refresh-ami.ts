import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { COMMENT, buildRefreshAmiDefinition, type RefreshAmiTask } from '../../workflows/refresh-ami';
import { EXCLUDED, LOCKED, ec2Arn, ec2Describe, ec2TagOnCreate, statements, type Ec2ResourceType } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { REGION, actionsOf, hasCondition, list, type AcceptedFinding } from '../nag';

const ours = { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.refreshAmi } };

/**
 * CreateImage is authorized on the instance and on the image and snapshots it makes: only from an instance that
 * carries the lock tag (the kit sets it on the instance it locks) and is not excluded, into an image and snapshots
 * requested with our workflow tag; tags only as part of that call.
 */
const createImage: Grant[] = [
  statements((scope) => [
    new iam.PolicyStatement({ actions: ['ec2:CreateImage'], resources: [ec2Arn(scope, 'instance')], conditions: LOCKED }),
    new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['ec2:CreateImage'], resources: [ec2Arn(scope, 'instance')], conditions: EXCLUDED }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateImage'], resources: [ec2Arn(scope, 'image'), ec2Arn(scope, 'snapshot')],
      conditions: { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.refreshAmi } },
    }),
  ]),
  ec2TagOnCreate('CreateImage', 'image'), ec2TagOnCreate('CreateImage', 'snapshot'),
];

/** Removing only what this workflow made: images and snapshots tagged remediation:workflow=refresh-ami. */
const onOurs = (action: string, type: Ec2ResourceType): Grant => statements((scope) => [
  new iam.PolicyStatement({ actions: [`ec2:${action}`], resources: [ec2Arn(scope, type)], conditions: ours }),
]);

/**
 * The public aws/service/ami-* parameters of this region (Amazon Linux latest AMIs), named as AWS documents them (no
 * account) and as they are authorized within the caller's account. No account can create a parameter under `aws`
 * (a reserved prefix), so neither form reaches the account's own parameters.
 */
const publicAmiParameters: Grant = statements((scope) => {
  const stack = Stack.of(scope);
  const path = 'parameter/aws/service/ami-*';
  return [new iam.PolicyStatement({
    actions: ['ssm:GetParameter'],
    resources: [`arn:${stack.partition}:ssm:${stack.region}::${path}`, `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:${path}`],
  })];
});

const mentions = (s: { Resource?: unknown }, pattern: RegExp) => list(s.Resource).some((r) => pattern.test(typeof r === 'string' ? r : JSON.stringify(r)));

/** The wildcards refresh-ami's grants carry, each with why and what limits it. */
export const REFRESH_AMI_ACCEPTED_FINDINGS: AcceptedFinding[] = [
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ec2:${REGION}::image/\\*\\]$`),
    reason: 'refresh-ami: image ids are created at run time; CreateImage only into images requested with remediation:workflow=refresh-ami, '
      + 'tags only within CreateImage (ec2:CreateAction), DeregisterImage only of images tagged remediation:workflow=refresh-ami.',
    statement: (s) => !mentions(s, /:image\/\*("|$)/) || actionsOf(s).every((a) =>
      (a === 'ec2:CreateImage' && hasCondition(s, 'aws:RequestTag/remediation:workflow')) || (a === 'ec2:CreateTags' && hasCondition(s, 'ec2:CreateAction'))
      || (a === 'ec2:DeregisterImage' && hasCondition(s, 'aws:ResourceTag/remediation:workflow'))),
  },
  {
    rule: new RegExp(`^AwsSolutions-IAM5\\[Resource::arn:(aws|<AWS::Partition>):ssm:${REGION}:(<AWS::AccountId>|\\d{12})?:parameter/aws/service/ami-\\*\\]$`),
    reason: 'refresh-ami: the latest AMI of a family is read from the public aws/service/ami-* parameters, whose names follow the '
      + 'instance\'s image at run time; only ssm:GetParameter (read-only), and no account can create a parameter under aws/.',
    statement: (s) => !mentions(s, /:parameter\/aws\/service\/ami-\*/) || actionsOf(s).every((a) => a === 'ssm:GetParameter'),
  },
];

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const REFRESH_AMI_TASK_SPECS: Record<RefreshAmiTask, TaskSpec<Record<string, never>>> = {
  'validate-refresh-ami-input': { entry: 'tasks/ami/validate-refresh-ami-input.ts', grants: [] },
  'plan-refresh-ami': {
    entry: 'tasks/ami/plan-refresh-ami.ts',
    grants: [ec2Describe('DescribeInstances', 'DescribeVolumes', 'DescribeImages'), publicAmiParameters],
  },
  'create-image': { entry: 'tasks/ami/create-image.ts', grants: [ec2Describe('DescribeImages', 'DescribeInstances'), ...createImage] },
  'check-image': { entry: 'tasks/ami/check-image.ts', grants: [ec2Describe('DescribeImages')] },
  'verify-image': { entry: 'tasks/ami/verify-image.ts', grants: [ec2Describe('DescribeImages', 'DescribeSnapshots')] },
  'cleanup-image': {
    entry: 'tasks/ami/cleanup-image.ts',
    grants: [ec2Describe('DescribeImages', 'DescribeSnapshots'), onOurs('DeregisterImage', 'image'), onOurs('DeleteSnapshot', 'snapshot')],
  },
  'build-refresh-ami-report': { entry: 'tasks/ami/build-refresh-ami-report.ts', grants: [] },
};

/** refresh-ami: an AMI backup of one instance (under its lock), or a read-only freshness report (no lock). */
export const refreshAmiSpec = defineWorkflow<RefreshAmiTask>({
  name: WORKFLOW.refreshAmi,
  comment: COMMENT,
  // Longer than the image wait's largest budget (DATA_PROFILE: 200 polls of at most 30 minutes).
  timeout: Duration.days(5),
  tasks: REFRESH_AMI_TASK_SPECS,
  definition: (scope, fns, _resources, kit) => buildRefreshAmiDefinition(scope, fns, kit),
  // A backup locks its instance (the lock tag CreateImage's grant requires); a report changes nothing and takes no lock.
  lock: { targetPath: '$.request.instanceId', readOnlyPath: '$.request.readOnly' },
  acceptedFindings: REFRESH_AMI_ACCEPTED_FINDINGS,
});
