import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { ANALYSE_FUNCTION_TIMEOUT, COMMENT, buildInvestigateTrafficDefinition, type InvestigateTrafficTask } from '../../workflows/investigate-traffic';
import { ec2Describe } from '../kit/grants';
import { defineWorkflow, type TaskSpec } from '../kit/spec';
import { actionsOf, hasCondition, list } from '../nag';

/**
 * Where flow logs may be read from. The stack-owned destinations of enable-flow-logs are known at deploy time;
 * flow logs someone else set up deliver to buckets and log groups named in CDK context
 * `investigateTraffic: {"buckets": [...], "logGroups": [...]}` (names), so the grant stays a list, never `*`.
 */
export interface InvestigateTrafficProps {
  flowLogsBucket: s3.IBucket;
  flowLogsLogGroup: logs.ILogGroup;
  buckets?: string[];
  logGroups?: string[];
  /** What StartBlock starts (with `block: true`): the only state machine it may start. */
  blockStateMachine: sfn.IStateMachine;
}
export type InvestigateTrafficResources = InvestigateTrafficProps;

/** Flow logs write `[prefix/]AWSLogs/<account>/vpcflowlogs/...`: objects and listings under AWSLogs only. */
const FLOW_LOG_KEYS = ['AWSLogs/*', '*/AWSLogs/*'];

function readGrants(scope: Construct, r: InvestigateTrafficResources): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const groupArn = (name: string) => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}:*`;
  const bucketArns = [r.flowLogsBucket.bucketArn, ...(r.buckets ?? []).map((b) => `arn:${stack.partition}:s3:::${b}`)];
  return [
    new iam.PolicyStatement({ actions: ['logs:FilterLogEvents'], resources: [r.flowLogsLogGroup.logGroupArn, ...(r.logGroups ?? []).map(groupArn)] }),
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: bucketArns, conditions: { StringLike: { 's3:prefix': FLOW_LOG_KEYS } } }),
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: bucketArns.flatMap((arn) => FLOW_LOG_KEYS.map((k) => `${arn}/${k}`)) }),
  ];
}

/** Which tasks call which APIs. The infra tests check each against the calls in the handler's bundle. */
export const INVESTIGATE_TRAFFIC_TASK_SPECS: Record<InvestigateTrafficTask, TaskSpec<InvestigateTrafficResources>> = {
  'validate-investigate-input': { entry: 'tasks/network/validate-investigate-input.ts', grants: [] },
  'plan-investigation': {
    entry: 'tasks/network/plan-investigation.ts',
    grants: [ec2Describe('DescribeNetworkInterfaces', 'DescribeFlowLogs', 'DescribeSecurityGroupRules')],
  },
  'analyse-traffic': {
    entry: 'tasks/network/analyse-traffic.ts',
    timeout: ANALYSE_FUNCTION_TIMEOUT,
    grants: [({ scope, resources }) => readGrants(scope, resources)],
  },
  'start-block': {
    entry: 'tasks/network/start-block.ts',
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [resources.blockStateMachine.stateMachineArn] })]],
    environment: ({ resources }) => ({ BLOCK_STATE_MACHINE_ARN: resources.blockStateMachine.stateMachineArn }),
  },
  'build-investigation-report': { entry: 'tasks/network/build-investigation-report.ts', grants: [] },
};

/**
 * investigate-traffic: read-only (StartBlock only starts block-source-ip, which asks a person first). It takes no lock: it changes nothing, so there is nothing to serialize, and a
 * lock on the instance would refuse the very remediation (block-source-ip, restrict-security-groups) its
 * findings call for while it runs; an account-level lock would only make two investigations wait for each other.
 */
export const investigateTrafficSpec = defineWorkflow<InvestigateTrafficTask, InvestigateTrafficResources, InvestigateTrafficProps>({
  name: WORKFLOW.investigateTraffic,
  comment: COMMENT,
  // The analysis (at most 6 minutes and one retry after a timeout) and every transient retry, with room.
  timeout: Duration.minutes(30),
  tasks: INVESTIGATE_TRAFFIC_TASK_SPECS,
  resources: (_scope, props) => props,
  definition: (scope, fns, _resources, kit) => buildInvestigateTrafficDefinition(scope, fns, kit),
  acceptedFindings: [{
    // The stack's bucket is in the root stack: in this workflow's nested stack its ARN is a parameter, <referenceto…Arn>.
    rule: /^AwsSolutions-IAM5\[Resource::(<[A-Za-z0-9]+\.Arn>|<referenceto[A-Za-z0-9]+Arn>|arn:(aws|<AWS::Partition>):s3:::[a-z0-9.-]+)\/(\*\/)?AWSLogs\/\*\]$/,
    reason: 'investigate-traffic reads flow-log files, whose keys carry the account, region, date and flow log id: ' +
      'GetObject only under AWSLogs/ of the flow-log buckets (the stack\'s, and those named in CDK context).',
    statement: (s) => !list(s.Resource).some((r) => /AWSLogs\/\*/.test(typeof r === 'string' ? r : JSON.stringify(r))) ||
      actionsOf(s).every((a) => a === 's3:GetObject' || (a === 's3:ListBucket' && hasCondition(s, 's3:prefix'))),
  }],
});
