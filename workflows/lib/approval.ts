import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorNames } from '../../tasks/lib/errors';
import { TRANSIENT_RETRY, lambdaTask } from './steps';

export const APPROVAL_REJECTED = ErrorNames.approvalRejected;
export const DEFAULT_APPROVAL_TIMEOUT = Duration.hours(24);

export interface ApprovalStepProps {
  /** tasks/approval/request-approval.ts */
  requestApproval: IFunction;
  /** tasks/approval/verify-approver.ts: who approved, from the answer's identity proof. */
  verifyApprover: IFunction;
  /** Where the verified approval record goes (default `$.approval`); the report reads it there. */
  recordPath?: string;
  workflow: string;
  targetPath: string;
  planPath: string;
  timeout?: Duration;
}

/**
 * A reusable approval gate: publishes the plan with the commands that answer it and waits
 * (task token) for `remediate approve|reject`. Rejection (error ApprovalRejected) and no
 * answer within the timeout (States.Timeout) both end the execution FAILED with
 * ApprovalRejected, before any change; so does any answer that is not `{"approved": true, ...}`,
 * and one whose identity proof does not verify or names the requester (`<id>VerifyApprover`).
 */
export function approvalStep(scope: Construct, id: string, props: ApprovalStepProps, next: sfn.IChainable): sfn.IChainable {
  const timeout = props.timeout ?? DEFAULT_APPROVAL_TIMEOUT;
  const gate = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.requestApproval,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      taskToken: sfn.JsonPath.taskToken,
      workflow: props.workflow,
      executionName: sfn.JsonPath.stringAt('$$.Execution.Name'),
      executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      target: sfn.JsonPath.stringAt(props.targetPath),
      plan: sfn.JsonPath.objectAt(props.planPath),
      timeoutSeconds: timeout.toSeconds(),
    }),
    resultPath: '$.approval',
    taskTimeout: sfn.Timeout.duration(timeout),
    retryOnServiceExceptions: false,
    comment: 'Waits for remediate approve|reject; no answer in time counts as rejected.',
  });
  gate.addRetry(TRANSIENT_RETRY);
  const rejected = new sfn.Fail(scope, `${id}Rejected`, { error: APPROVAL_REJECTED, causePath: '$.approvalError.Cause' });
  const unanswered = new sfn.Fail(scope, `${id}Unanswered`, {
    error: APPROVAL_REJECTED,
    cause: `no answer within ${timeout.toHumanString()}: treated as rejected; nothing was changed`,
  });
  gate.addCatch(rejected, { errors: [APPROVAL_REJECTED], resultPath: '$.approvalError' });
  gate.addCatch(unanswered, { errors: [sfn.Errors.TIMEOUT], resultPath: '$.approvalError' });
  // SendTaskSuccess proves only that someone answered: proceed only on {"approved": true} (docs/approval.md).
  const notApproved = new sfn.Fail(scope, `${id}NotApproved`, {
    error: APPROVAL_REJECTED,
    cause: 'the answer did not say "approved": true: treated as rejected; nothing was changed',
  });
  const approved = '$.approval.approved';
  // The approver is who signed the answer's identity proof (STS), never a field of the answer.
  const verify = lambdaTask(scope, `${id}VerifyApprover`, props.verifyApprover, {
    payload: { 'answer.$': '$.approval', 'executionArn.$': '$$.Execution.Id', 'trigger.$': '$.request.trigger' },
    resultPath: props.recordPath ?? '$.approval',
    comment: 'Who approved: the signer of the answer\'s STS proof; no valid proof, or the requester, is a rejection.',
  });
  verify.addCatch(rejected, { errors: [APPROVAL_REJECTED], resultPath: '$.approvalError' });
  verify.next(next);
  return gate.next(new sfn.Choice(scope, `${id}Answered`)
    // Ordered rules: a missing or non-boolean field never reaches the comparison.
    .when(sfn.Condition.not(sfn.Condition.isPresent(approved)), notApproved)
    .when(sfn.Condition.not(sfn.Condition.isBoolean(approved)), notApproved)
    .when(sfn.Condition.booleanEquals(approved, true), verify)
    .otherwise(notApproved));
}
