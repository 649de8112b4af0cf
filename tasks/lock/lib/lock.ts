import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { paginateDescribeInstances, paginateDescribeNetworkInterfaces, paginateDescribeSecurityGroups, type EC2Client } from '@aws-sdk/client-ec2';
import { findVolumes } from '../../lib/ec2';
import { awsErrorName } from '../../lib/errors';
import { TAG } from '../../lib/tags';

/** Where the lock table's name reaches the lock functions. */
export const LOCK_TABLE_ENV = 'LOCK_TABLE_NAME';
/** The lock table's partition key. */
export const LOCK_KEY = 'lockKey';
export const LOCK_TAG = TAG.lock;

/** What the lock step hands on (at `$.lock`): release reads it, the report may show it. */
export interface LockState {
  held: boolean;
  key?: string;
  holder?: string;
  acquiredAt?: string;
  /** Epoch seconds: the holder's state machine timeout, after which anyone may take the lock over. */
  expiresAt?: number;
  /** The execution whose lock this one took over (it had ended, or its time was up). */
  tookOverFrom?: string;
  /** The instance carries `remediation:lock` = this execution's name. */
  taggedInstance?: string;
  /** A child's lock, handed over by its parent (GrantLock): release gives it back to this holder instead of deleting it. */
  handedOverBy?: LockHolder;
}

/** Who holds a lock, as its item records it. */
export interface LockHolder {
  holder: string;
  executionName: string;
  workflow: string;
  acquiredAt: string;
  /** Epoch seconds. */
  expiresAt: number;
}

/**
 * The input field by which a child learns its parent: Step Functions' own convention, set to `$$.Execution.Id` when a
 * parent starts the child with `associateWithParent` (a child whose schema lists it may take a lock its parent granted).
 */
export const STARTED_BY_FIELD = 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID';

/** `arn:aws:states:<region>:<account>:execution:<machine>:<name>` -> its region and account. */
export function regionAndAccountOf(executionArn: string): { region: string; account: string } {
  const [, , , region, account] = executionArn.split(':');
  if (!region || !account) throw new Error(`not an execution ARN: ${executionArn}`);
  return { region, account };
}

/**
 * The lock key (DESIGN.md "One at a time"): the target's id for work on one resource (an instance),
 * `<account>/<region>/<workflow>` for account-level work.
 */
export function lockKeyOf(workflow: string, executionArn: string, target?: string): string {
  if (target) return target;
  const { region, account } = regionAndAccountOf(executionArn);
  return `${account}/${region}/${workflow}`;
}

/** DynamoDB refused a conditional write: the lock is not in the state the write assumed. */
export const isConditionFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || awsErrorName(error) === 'ConditionalCheckFailedException';

/** A lock on one resource (an instance id), not account-level work (`<account>/<region>/<workflow>`), which tags nothing. */
export const isResourceLock = (key: string): boolean => !key.includes('/');

/** Every instance, volume, security group and network interface that carries `remediation:lock` = this execution's name. */
export async function lockTaggedResources(ec2: EC2Client, executionName: string): Promise<string[]> {
  const Filters = [{ Name: `tag:${LOCK_TAG}`, Values: [executionName] }];
  const instances: string[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2 }, { Filters })) {
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) if (instance.InstanceId) instances.push(instance.InstanceId);
    }
  }
  const volumes = (await findVolumes(ec2, Filters)).flatMap((v) => (v.VolumeId ? [v.VolumeId] : []));
  const groups: string[] = [];
  for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters })) {
    for (const group of page.SecurityGroups ?? []) if (group.GroupId) groups.push(group.GroupId);
  }
  // isolate-instance's LockResources tags the ENIs it moves.
  const interfaces: string[] = [];
  for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, { Filters })) {
    for (const eni of page.NetworkInterfaces ?? []) if (eni.NetworkInterfaceId) interfaces.push(eni.NetworkInterfaceId);
  }
  return [...instances, ...volumes, ...groups, ...interfaces];
}
