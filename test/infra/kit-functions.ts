/**
 * The kit's own task functions (the lock, infra/kit/lock.ts), which every locking workflow gets beside its
 * own tasks: how the function tests recognise them, and exactly what each may do.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { HAND_OVER_TASK_SPECS, LOCK_RESOURCES_TASK, LOCK_RESOURCES_TASK_SPEC, LOCK_TASK_SPECS, type HandOverTask, type KitTask, type LockTask } from '../../infra/kit/lock';
import { PLAN_CHECK_TASK_SPECS, type PlanCheckTask } from '../../infra/kit/plan-check';
import { TAG } from '../../tasks/lib/tags';
import { sdkCallsOf } from './bundle-calls';
import { ENV, resourcesOf } from './synth';

interface Statement { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }

/** The lock's functions every locking workflow gets. */
export const LOCK_TASKS = Object.keys(LOCK_TASK_SPECS) as LockTask[];
/** Those of a workflow whose spec names the resources its plan changes (`lock.resourcesPath`: encrypt-volumes) besides. */
export const RESOURCE_LOCK_TASKS: KitTask[] = [...LOCK_TASKS, LOCK_RESOURCES_TASK];
/** Those of a workflow that hands its lock to a child (`lock.handsOver`: isolate-instance) besides. */
export const HAND_OVER_TASKS = Object.keys(HAND_OVER_TASK_SPECS) as HandOverTask[];
const entryOf = (task: KitTask): string => (task === LOCK_RESOURCES_TASK ? LOCK_RESOURCES_TASK_SPEC.entry
  : task in HAND_OVER_TASK_SPECS ? HAND_OVER_TASK_SPECS[task as HandOverTask].entry : LOCK_TASK_SPECS[task as LockTask].entry);

/** The lock task whose handler `entry` is (metadata HANDLER_METADATA), if it is one. */
export const lockTaskOf = (entry: unknown): LockTask | undefined => LOCK_TASKS.find((t) => LOCK_TASK_SPECS[t].entry === entry);
/** The kit task (lock-resources included) whose handler `entry` is, if it is one. */
export const kitTaskOf = (entry: unknown): KitTask | undefined => [...RESOURCE_LOCK_TASKS, ...HAND_OVER_TASKS].find((t) => entryOf(t) === entry);

/** The kit's plan check after an approval (infra/kit/plan-check.ts), which workflows with an approval gate get. */
export const PLAN_CHECK_TASKS = Object.keys(PLAN_CHECK_TASK_SPECS) as PlanCheckTask[];

/** The plan-check task whose handler `entry` is, if it is one. */
export const planCheckTaskOf = (entry: unknown): PlanCheckTask | undefined => PLAN_CHECK_TASKS.find((t) => PLAN_CHECK_TASK_SPECS[t].entry === entry);

/** The stack's one lock table. */
export function lockTableId(template: Template): string {
  const ids = Object.keys(resourcesOf(template, 'AWS::DynamoDB::Table')).filter((id) => id.startsWith('Locks'));
  if (ids.length !== 1) throw new Error(`expected one lock table, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}

/** What each lock handler calls (DESIGN.md "One at a time"), written out so a change to the handlers shows here. */
export const LOCK_CALLS: Record<KitTask, string[]> = {
  'acquire-lock': ['dynamodb:GetItem', 'dynamodb:PutItem', 'ec2:CreateTags', 'states:DescribeExecution'],
  'release-lock': ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes'],
  'lock-resources': ['ec2:CreateTags'],
  'grant-lock': ['dynamodb:UpdateItem'],
  'reclaim-lock': ['dynamodb:GetItem', 'dynamodb:PutItem', 'ec2:CreateTags', 'states:DescribeExecution'],
};

/** As CDK renders a statement's resources: sorted. */
const ec2Arns = (...types: string[]) => types.sort().map((type) => `arn:aws:ec2:${ENV.region}:${ENV.account}:${type}/*`);
/** What AcquireLock may tag: the lock's target. */
const lockTargets = ec2Arns('instance', 'volume', 'security-group');
/** What LockResources may tag and ReleaseLock untag: a plan's resources, isolate-instance's ENIs among them. */
const lockedResources = ec2Arns('instance', 'volume', 'security-group', 'network-interface');
/** Only the `remediation:lock` tag, named: the lock functions can neither set nor remove any other, nor all at once. */
const onlyLockTag = { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG.lock] }, Null: { 'aws:TagKeys': 'false' } };

/** Exactly the statements of each lock function besides its runtime's (own logs, tracing). */
export function lockStatements(tableId: string): Record<KitTask, Statement[]> {
  const table = { 'Fn::GetAtt': [tableId, 'Arn'] };
  return {
    'acquire-lock': [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: table },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: `arn:aws:states:${ENV.region}:${ENV.account}:execution:remediation-*:*` },
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: lockTargets, Condition: onlyLockTag },
    ],
    'release-lock': [
      // What carries the execution's lock tag is found by tag filter; Describe* has no resource-level permissions.
      { Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSecurityGroups', 'ec2:DescribeVolumes'], Resource: '*' },
      // DeleteItem: its own lock; PutItem: a handed-over lock given back to the parent (CreateTags: the parent's name on the instance).
      { Effect: 'Allow', Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], Resource: table },
      { Effect: 'Allow', Action: 'ec2:DeleteTags', Resource: lockedResources, Condition: onlyLockTag },
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: lockTargets, Condition: onlyLockTag },
    ],
    'lock-resources': [
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: lockedResources, Condition: onlyLockTag },
    ],
    'grant-lock': [{ Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: table }],
    'reclaim-lock': [
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: table },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: `arn:aws:states:${ENV.region}:${ENV.account}:execution:remediation-*:*` },
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: lockTargets, Condition: onlyLockTag },
    ],
  };
}

const RUNTIME_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A function's statements with the runtime's actions taken out (CDK may merge them with others), empty ones dropped. */
function ownStatements(statements: Statement[]): Statement[] {
  return statements
    .map((s) => {
      const actions = list(s.Action).filter((a) => !RUNTIME_ACTIONS.has(a));
      return { ...s, Action: actions.length === 1 ? actions[0]! : actions };
    })
    .filter((s) => list(s.Action).length > 0);
}

/** Least privilege for one lock function: its bundle calls exactly LOCK_CALLS, and it holds exactly those, as lockStatements. */
export function expectLockFunction(task: KitTask, fn: { statements: Statement[]; bundle: string }, tableId: string): void {
  expect(sdkCallsOf(fn.bundle)).toEqual(LOCK_CALLS[task]);
  const own = ownStatements(fn.statements);
  expect([...new Set(own.flatMap((s) => list(s.Action)))].sort()).toEqual(LOCK_CALLS[task]);
  expect(own).toEqual(lockStatements(tableId)[task]);
}
