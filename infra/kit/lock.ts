import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { stackOwnedTable } from './tables';
import { STATE_MACHINE_PREFIX } from '../../tasks/lib/names';
import { TAG } from '../../tasks/lib/tags';
import { LOCK_KEY, LOCK_TABLE_ENV } from '../../tasks/lock/lib/lock';
import { ec2Describe, ec2TagKeysOnly, type Ec2ResourceType } from './grants';
import { rootSingleton } from './root';
import type { TaskSpec } from './spec';

/** The stack's one lock table (DESIGN.md "One at a time"), shared by every workflow. */
export class LockTable extends Construct {
  static readonly ID = 'Locks';
  readonly table: dynamodb.Table;

  /** The deployment's lock table, created on first use in the root stack (never in a workflow's nested stack). */
  static of(scope: Construct): LockTable {
    return rootSingleton(scope, LockTable.ID, (root, id) => new LockTable(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stackOwnedTable(this, {
      partitionKey: { name: LOCK_KEY, type: dynamodb.AttributeType.STRING },
      // An expired lock is taken over by the next execution whatever DynamoDB's TTL sweep does; TTL only tidies.
      timeToLiveAttribute: 'expiresAt',
      // Locks are transient: nothing in the table outlives the executions that hold them.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

export type LockTask = 'acquire-lock' | 'release-lock';
/** Tags what the plan will change (spec `lock.resourcesPath`): only workflows that name those resources get it. */
export const LOCK_RESOURCES_TASK = 'lock-resources';
/** The parent's side of a lock hand-over (spec `lock.handsOver`): grant to a named child, take back after it. */
export type HandOverTask = 'grant-lock' | 'reclaim-lock';
export type KitTask = LockTask | typeof LOCK_RESOURCES_TASK | HandOverTask;

interface LockResources {
  table: dynamodb.ITable;
}

/** What a lock target can be (AcquireLock tags it): an instance, a volume or a security group. */
const LOCK_TARGET_TYPES: Ec2ResourceType[] = ['instance', 'volume', 'security-group'];
/** What a plan's resources can be besides (LockResources tags them, ReleaseLock untags them): isolate-instance's ENIs too. */
const LOCKED_RESOURCE_TYPES: Ec2ResourceType[] = [...LOCK_TARGET_TYPES, 'network-interface'];

/** Only the `remediation:lock` tag, on resources of these types in this account and region. */
const lockTag = (action: 'CreateTags' | 'DeleteTags', types: Ec2ResourceType[]) => (scope: Construct) =>
  ec2TagKeysOnly(action, types, [TAG.lock])({ scope, resources: undefined });

const lockTableEnv = ({ resources }: { resources: LockResources }) => ({ [LOCK_TABLE_ENV]: resources.table.tableName });
/** Is the holder still running? Any execution of our own state machines may hold a lock. */
const describeOurExecutions = (scope: Construct) => {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    actions: ['states:DescribeExecution'], resources: [`arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${STATE_MACHINE_PREFIX}*:*`],
  });
};

/** The lock steps every workflow gets from the kit. */
export const LOCK_TASK_SPECS: Record<LockTask, TaskSpec<LockResources>> = {
  'acquire-lock': {
    entry: 'tasks/lock/acquire-lock.ts',
    environment: lockTableEnv,
    grants: [({ scope, resources }) => [
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [resources.table.tableArn] }),
      describeOurExecutions(scope),
      ...lockTag('CreateTags', LOCK_TARGET_TYPES)(scope),
    ]],
  },
  'release-lock': {
    entry: 'tasks/lock/release-lock.ts',
    environment: lockTableEnv,
    grants: [
      // What carries this execution's lock tag is found by tag filter: Describe* has no resource-level permissions.
      ec2Describe('DescribeInstances', 'DescribeVolumes', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces'),
      ({ scope, resources }) => [
        // DeleteItem: our own lock; PutItem: a handed-over lock given back to the parent, whose name the instance's tag takes again.
        new iam.PolicyStatement({ actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: [resources.table.tableArn] }),
        ...lockTag('DeleteTags', LOCKED_RESOURCE_TYPES)(scope),
        ...lockTag('CreateTags', LOCK_TARGET_TYPES)(scope),
      ],
    ],
  },
};

/** What a workflow that hands its lock to a child gets besides (workflows/lib/skeleton.ts lockHandOver). */
export const HAND_OVER_TASK_SPECS: Record<HandOverTask, TaskSpec<LockResources>> = {
  'grant-lock': {
    entry: 'tasks/lock/grant-lock.ts',
    environment: lockTableEnv,
    grants: [({ resources }) => [new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [resources.table.tableArn] })]],
  },
  'reclaim-lock': {
    entry: 'tasks/lock/reclaim-lock.ts',
    environment: lockTableEnv,
    grants: [({ scope, resources }) => [
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem'], resources: [resources.table.tableArn] }),
      // Has the child that holds it ended?
      describeOurExecutions(scope),
      ...lockTag('CreateTags', LOCK_TARGET_TYPES)(scope),
    ]],
  },
};

/** LockResources (workflows/lib/skeleton.ts): the lock tag on each resource the plan will change. */
export const LOCK_RESOURCES_TASK_SPEC: TaskSpec<LockResources> = {
  entry: 'tasks/lock/lock-resources.ts',
  grants: [({ scope }) => lockTag('CreateTags', LOCKED_RESOURCE_TYPES)(scope)],
};
