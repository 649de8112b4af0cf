import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { AcceptedFinding, AcceptsFindings } from '../nag';
import { RemediationStateMachine } from '../constructs/remediation-state-machine';
import { TaskFunction } from '../constructs/task-function';
import { taskNames, type SpecContext, type WorkflowSpec } from './spec';

/**
 * One workflow from its spec: the resources it owns, one TaskFunction per task (holding only its
 * grants), and its state machine with our defaults. Construct ids are `<task>` and `Workflow`, so
 * logical ids stay what they were before the kit.
 */
export class RemediationWorkflow<T extends string, R, P> extends Construct implements AcceptsFindings {
  readonly machine: RemediationStateMachine;
  readonly functions: Record<T, TaskFunction>;
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
      const { entry, grants, environment, timeout } = spec.tasks[task];
      functions[task] = new TaskFunction(this, task, {
        entry,
        statements: grants.flatMap((grant) => grant(ctx)),
        ...(timeout ? { timeout } : {}),
        ...(environment ? { environment: environment(ctx) } : {}),
      });
      fns[task] = functions[task].fn;
    }
    this.functions = functions;
    this.machine = new RemediationStateMachine(this, 'Workflow', {
      workflow: spec.name,
      definition: spec.definition(this, fns, this.resources),
      comment: spec.comment,
      timeout: spec.timeout,
    });
    spec.attach?.(this, this.machine.stateMachine, this.resources);
  }
}
