import { Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { stateMachineName } from '../../tasks/lib/names';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { FLEET_BUCKET_ENV, RUNS_PREFIX } from '../../tasks/fleet/lib/manifest';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { FLEET_COMMENT, buildFleetDefinition, type FleetResources, type FleetTask } from '../../workflows/fleet';
import { stackOwnedBucket } from '../kit/buckets';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type Grant, type TaskSpec } from '../kit/spec';
import { actionsOf } from '../nag';

export type FleetProps = Pick<FleetResources, 'children'>;

/**
 * The children as the fleet's own stack names them (`remediation-<workflow>`, as triage names itself), not by a
 * reference into their nested stacks: the state machine role's grants then read `execution:remediation-<workflow>*`
 * literally (and cdk-nag sees the ids the acknowledgements name). The fleet's stack deploys after theirs.
 */
function childrenByName(scope: Construct, children: FleetProps['children']): FleetResources['children'] {
  const stack = Stack.of(scope);
  return Object.fromEntries(Object.entries(children).map(([workflow, child]) => {
    if (Stack.of(child.machine) !== stack) stack.addStackDependency(Stack.of(child.machine));
    return [workflow, { ...child, machine: sfn.StateMachine.fromStateMachineName(scope, `Child-${workflow}`, stateMachineName(workflow)) }];
  })) as FleetResources['children'];
}

/** Objects of fleet runs only (`runs/<fleet execution>/...`): what each task reads or writes. */
const runObjects = (bucket: s3.IBucket): string => bucket.arnForObjects(`${RUNS_PREFIX}/*`);
const s3Runs = (...actions: string[]): Grant<FleetResources> => ({ resources }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `s3:${a}`), resources: [runObjects(resources.bucket)] }),
];
const bucketEnv = ({ resources }: { resources: FleetResources }) => ({ [FLEET_BUCKET_ENV]: resources.bucket.bucketName });

export const FLEET_TASK_SPECS: Record<FleetTask, TaskSpec<FleetResources>> = {
  'validate-fleet-input': { entry: 'tasks/fleet/validate-fleet-input.ts', grants: [] },
  'select-targets': {
    entry: 'tasks/fleet/select-targets.ts',
    // Describe* with filters (tags, ids), paginated; the plan manifest it applies (GetObject) and the items manifest it writes.
    grants: [ec2Describe('DescribeInstances', 'DescribeVpcs', 'DescribeSecurityGroups'), s3Runs('GetObject', 'PutObject')],
    environment: bucketEnv,
    timeout: Duration.minutes(4),
  },
  // The ResultWriter files it reads; the summary and plan manifest it writes.
  'summarize-fleet': { entry: 'tasks/fleet/summarize-fleet.ts', grants: [s3Runs('GetObject', 'PutObject')], environment: bucketEnv, timeout: Duration.minutes(4) },
};

/**
 * The fleet: one parent execution per fleet run over one child workflow's state machine (workflows/fleet.ts). It
 * takes no lock of its own: every child takes its target's. The state machine's role gets from CDK what the
 * Distributed Map and the `.sync:2` starts need (StartExecution on the four children, Describe/StopExecution on
 * their executions, the managed EventBridge rule, and StartExecution on itself for the Map Run).
 */
export const fleetSpec = defineWorkflow<FleetTask, FleetResources, FleetProps>({
  name: WORKFLOW.fleet,
  comment: FLEET_COMMENT,
  // encrypt-volumes' children may take 30 days; a fleet of them as long, as the Map waits for its last child.
  timeout: Duration.days(31),
  tasks: FLEET_TASK_SPECS,
  resources: (scope, props) => ({
    children: childrenByName(scope, props.children),
    bucket: stackOwnedBucket(scope, {
      id: 'Bucket',
      accessLogPrefix: 'fleet-bucket/',
      lifecycleRules: [{ id: 'expire-fleet-runs', prefix: `${RUNS_PREFIX}/`, expiration: Duration.days(400) }],
      accessLogs: { lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }] },
    }).bucket,
  }),
  definition: (scope, fns, resources) => buildFleetDefinition(scope, fns, resources),
  acceptedFindings: [{
    rule: /^AwsSolutions-IAM5\[Resource::<[^>]*FleetBucket[^>]*Arn>\/runs\/\*\]$/,
    reason: 'select-targets and summarize-fleet read and write the objects of fleet runs (runs/<fleet execution>/...), whose names the run makes up.',
    statement: (s) => actionsOf(s).every((a) => a === 's3:GetObject' || a === 's3:PutObject'),
  }, {
    rule: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::<[^>]*FleetBucket[^>]*>\/\*\]$/,
    reason: "CDK's grants for the Distributed Map's ItemReader (GetObject) and ResultWriterV2 (PutObject, GetObject, multipart " +
      'upload parts and abort) on the fleet bucket, which holds nothing but fleet runs.',
    statement: (s) => actionsOf(s).every((a) => ['s3:GetObject', 's3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'].includes(a)),
  }, {
    rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):states:[^:]+:[^:]+:execution:.+\]$/,
    reason: "CDK's grants for the .sync:2 child starts and the Distributed Map's own child executions: Describe/StopExecution on " +
      'the executions of the four child state machines (and of the fleet itself), whose names are made per run.',
    statement: (s) => actionsOf(s).every((a) => ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'].includes(a)),
  }],
});
