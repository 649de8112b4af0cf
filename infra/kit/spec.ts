import type { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { WorkflowName } from '../../tasks/lib/workflow-names';
import type { KitSteps } from '../../workflows/lib/skeleton';
import type { AcceptedFinding } from '../nag';

export type { KitSteps, LockSteps } from '../../workflows/lib/skeleton';

/** What a grant or an environment is computed from: the workflow's construct and the resources it owns. */
export interface SpecContext<R> {
  scope: Construct;
  resources: R;
}

/** IAM statements for exactly the calls a handler makes. The infra tests check each against the handler's bundle. */
export type Grant<R = unknown> = (ctx: SpecContext<R>) => iam.PolicyStatement[];

export interface TaskSpec<R> {
  /** Handler file relative to the project root, e.g. `tasks/ebs/create-snapshot.ts`. */
  entry: string;
  grants: Grant<R>[];
  /** Read once by the handler at load. */
  environment?: (ctx: SpecContext<R>) => Record<string, string>;
  /** The function's own timeout (default 50 s, under the Task state's 60 s). */
  timeout?: Duration;
}

/**
 * One workflow, as data: its tasks (entry, grants, environment, timeout), the resources it owns,
 * its definition builder, and the cdk-nag findings it accepts with their reasons.
 * `RemediationWorkflow` turns a spec into functions, roles and a state machine.
 */
export interface WorkflowSpec<T extends string, R = Record<string, never>, P = Record<string, never>> {
  name: WorkflowName;
  /** The state machine's comment, shown in the console beside "Start execution". */
  comment: string;
  /** The execution's total timeout: longer than every poll budget together. */
  timeout: Duration;
  tasks: Record<T, TaskSpec<R>>;
  /** What the workflow owns besides its functions (buckets, topics, roles), built before the functions. */
  resources?: (scope: Construct, props: P) => R;
  definition: (scope: Construct, fns: Record<T, IFunction>, resources: R, kit: KitSteps) => sfn.IChainable;
  /**
   * One execution per target at a time (DESIGN.md "One at a time"): the kit takes a lock right after
   * validation and releases it at every ending. `targetPath` names the target in the validated input;
   * without it the lock is account-level. Omitted: no lock (triage, which changes nothing itself).
   */
  lock?: {
    targetPath?: string;
    /**
     * JSONPath of the ids of the resources the plan will change (evaluated once the plan says PROCEED):
     * the kit tags each `remediation:lock` before any approval or change (LockResources), as the target is.
     */
    resourcesPath?: string;
    /** JSONPath of a boolean in the validated state: true means this run changes nothing and takes no lock (as a plan). */
    readOnlyPath?: string;
    /**
     * The lock may be account-level (`<account>/<region>/<workflow>`) while `resourcesPath` tags resources: release
     * then finds and untags them too (a resource lock always does). enforce-imdsv2 locks several instances so.
     */
    untagResources?: true;
    /** The workflow hands its lock to a child it starts and waits for (grant-lock, reclaim-lock: the skeleton's lockHandOver). */
    handsOver?: true;
    /** A child may take the lock its parent granted it: the input field AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID names the parent. */
    acceptsHandOver?: true;
  };
  /** The workflow has an approval gate: the kit adds its plan check after the approval (infra/kit/plan-check.ts). */
  approval?: true;
  /** Wiring that needs the state machine (an EventBridge rule targeting it, say). */
  attach?: (scope: Construct, stateMachine: sfn.StateMachine, resources: R) => void;
  /** cdk-nag findings this workflow's resources may carry, each with its reason (infra/nag.ts). */
  acceptedFindings?: AcceptedFinding[];
}

/** Typed identity: lets TypeScript infer the task names and resources of a spec literal. */
export function defineWorkflow<T extends string, R = Record<string, never>, P = Record<string, never>>(spec: WorkflowSpec<T, R, P>): WorkflowSpec<T, R, P> {
  return spec;
}

/** The task names of a spec, in declaration order. */
export const taskNames = <T extends string>(spec: { tasks: Record<T, unknown> }): T[] => Object.keys(spec.tasks) as T[];
