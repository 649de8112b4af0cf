import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import { regionAndAccountOf } from '../lock/lib/lock';
import { WORKFLOW } from '../lib/workflow-names';
import type { ValidatedClose } from './lib/closure';
import { closeCaseInputSchema } from './lib/schema';

const validate = validateInputHandler(closeCaseInputSchema, { summary: (r) => ({ caseId: r.caseId, force: r.force, mode: r.mode }) });

/** First state of close-case: the input's shape (the reason required), and the lock key of the case. */
export const handler = async (event: ValidateInputEvent): Promise<ValidatedClose> => {
  const { request, execution } = await validate(event);
  const { account, region } = regionAndAccountOf(execution.arn ?? '');
  return { request, execution, lockTarget: `${account}/${region}/${WORKFLOW.closeCase}/${request.caseId}` };
};
