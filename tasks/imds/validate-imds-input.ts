import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import type { ExecutionFacts } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { lockKeyOf } from '../lock/lib/lock';
import { enforceImdsv2InputSchema, type ImdsRequest } from './lib/schema';

const validate = validateInputHandler(enforceImdsv2InputSchema, {
  summary: (r) => ({ instances: r.instanceIds?.length, allInstances: r.allInstances, accountDefault: r.accountDefault, mode: r.mode }),
});

export interface ValidatedImds {
  request: ImdsRequest;
  execution: ExecutionFacts;
  /**
   * The lock's key: one instance is locked on its id (shared with every other instance workflow, which tags it); several,
   * all, or the account default on `<account>/<region>/enforce-imdsv2`. Each instance changed carries the lock tag.
   */
  lockTarget: string;
}

/** First state: the input's shape, before anything is read or changed, and the lock it takes. */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedImds> => {
  const { request, execution } = await validate(event);
  const single = request.instanceIds?.length === 1 ? request.instanceIds[0] : undefined;
  return { request, execution, lockTarget: lockKeyOf(WORKFLOW.enforceImdsv2, execution.arn ?? event.execution.arn ?? '', single) };
};
