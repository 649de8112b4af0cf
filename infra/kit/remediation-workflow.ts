import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { AcceptedFinding, AcceptsFindings } from '../nag';
import { RemediationStateMachine } from '../constructs/remediation-state-machine';
import { TaskFunction } from '../constructs/task-function';
import { HAND_OVER_TASK_SPECS, LOCK_RESOURCES_TASK, LOCK_RESOURCES_TASK_SPEC, LOCK_TASK_SPECS, LockTable, type KitTask } from './lock';
import { PLAN_CHECK_TASK_SPECS, type PlanCheckTask } from './plan-check';
import { taskNames, type KitSteps, type SpecContext, type TaskSpec, type WorkflowSpec } from './spec';

/**
 * One workflow from its spec: the resources it owns, one TaskFunction per task (holding only its
 * grants), and its state machine with our defaults. Construct ids are `<task>` and `Workflow`, so
 * logical ids stay what they were before the kit.
 */
export class RemediationWorkflow<T extends string, R, P> extends Construct implements AcceptsFindings {
  readonly machine: RemediationStateMachine;
  readonly functions: Record<T, TaskFunction>;
  /** The kit's own steps (the lock, the plan check after an approval), when the spec asks for them. */
  readonly kitFunctions: Partial<Record<KitTask | PlanCheckTask, TaskFunction>> = {};
  readonly resources: R;
  readonly acceptedFindings: readonly AcceptedFinding[];

  constructor(scope: Construct, id: string, readonly spec: WorkflowSpec<T, R, P>, props: P) {
    super(scope, id);
    this.acceptedFindings = spec.acceptedFindings ?? [];
    this.resources = spec.resources ? spec.resources(this, props) : ({} as R);
    const ctx: SpecContext<R> = { scope: this, resources: this.resources };
    const functions = {} as Record<T, TaskFunction>;
    const fns = {} as Record<T, IFunction>;
    for (const task of taskNames(spec)) {
      functions[task] = this.taskFunction(task, spec.tasks[task], ctx);
      fns[task] = functions[task].fn;
    }
    this.functions = functions;
    const kit: KitSteps = {};
    if (spec.lock) {
      const lockCtx = { scope: this, resources: { table: LockTable.of(this).table } };
      const acquire = this.taskFunction('acquire-lock', LOCK_TASK_SPECS['acquire-lock'], lockCtx);
      const release = this.taskFunction('release-lock', LOCK_TASK_SPECS['release-lock'], lockCtx);
      this.kitFunctions = { 'acquire-lock': acquire, 'release-lock': release };
      kit.lock = {
        acquire: acquire.fn, release: release.fn, ttlSeconds: spec.timeout.toSeconds(), ...(spec.lock.targetPath ? { targetPath: spec.lock.targetPath } : {}),
        ...(spec.lock.readOnlyPath ? { readOnlyPath: spec.lock.readOnlyPath } : {}),
        ...(spec.lock.untagResources ? { untagResources: true as const } : {}),
        ...(spec.lock.acceptsHandOver ? { acceptsHandOver: true as const } : {}),
      };
      if (spec.lock.handsOver) {
        const grant = this.taskFunction('grant-lock', HAND_OVER_TASK_SPECS['grant-lock'], lockCtx);
        const reclaim = this.taskFunction('reclaim-lock', HAND_OVER_TASK_SPECS['reclaim-lock'], lockCtx);
        this.kitFunctions = { ...this.kitFunctions, 'grant-lock': grant, 'reclaim-lock': reclaim };
        kit.lock.handOver = { grant: grant.fn, reclaim: reclaim.fn };
      }
      if (spec.lock.resourcesPath) {
        const lockResources = this.taskFunction(LOCK_RESOURCES_TASK, LOCK_RESOURCES_TASK_SPEC, lockCtx);
        this.kitFunctions[LOCK_RESOURCES_TASK] = lockResources;
        kit.lock.resources = { fn: lockResources.fn, path: spec.lock.resourcesPath };
      }
    }
    if (spec.approval) {
      const compare = this.taskFunction('compare-plans', PLAN_CHECK_TASK_SPECS['compare-plans'], { scope: this, resources: undefined });
      this.kitFunctions = { ...this.kitFunctions, 'compare-plans': compare };
      kit.comparePlans = compare.fn;
    }
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: spec.name,
      definition: spec.definition(this, fns, this.resources, kit),
      comment: spec.comment,
      timeout: spec.timeout,
    });
    spec.attach?.(this, this.machine.stateMachine, this.resources);
  }

  private taskFunction<C>(task: string, { entry, grants, environment, timeout }: TaskSpec<C>, ctx: SpecContext<C>): TaskFunction {
    return new TaskFunction(this, task, {
      entry,
      statements: grants.flatMap((grant) => grant(ctx)),
      ...(timeout ? { timeout } : {}),
      ...(environment ? { environment: environment(ctx) } : {}),
    });
  }
}
