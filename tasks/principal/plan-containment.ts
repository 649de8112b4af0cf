import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createIamClient } from '../lib/clients/iam';
import { commaList, readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { CASE_TABLE_ENV } from './lib/case-store';
import type { ContainPlan } from './lib/plan';
import { planContain } from './lib/plan-contain';
import { planRelease } from './lib/plan-release';
import type { Principal } from './lib/principal';
import type { ContainInput } from './lib/schema';

const iam = createIamClient();
const dynamodb = createDynamoDbClient();
const env = readEnv({
  [CASE_TABLE_ENV]: requiredString,
  /** This stack's roles are named `<stack name>-...` by CloudFormation: the product never contains itself. */
  CONTAIN_OWN_ROLE_PREFIX: requiredString,
  /** Further roles of our own (named ones), by ARN. */
  CONTAIN_OWN_ROLE_ARNS: commaList,
});

export interface PlanContainmentEvent {
  request: ContainInput;
  execution: ExecutionFacts;
  caseId: string;
  principal: Principal;
}

/** Preflight (read-only): what contain or release will change on the principal, or the refusal, before any change. */
export const handler = async ({ request, execution, caseId, principal }: PlanContainmentEvent): Promise<ContainPlan> => {
  const plan = request.release
    ? await planRelease(request.mode, caseId, iam, dynamodb, env[CASE_TABLE_ENV])
    : await planContain(request, caseId, principal, {
      iam, dynamodb, table: env[CASE_TABLE_ENV], executionName: execution.name, now: new Date(),
      protection: { ownRolePrefix: env.CONTAIN_OWN_ROLE_PREFIX, ownRoleArns: env.CONTAIN_OWN_ROLE_ARNS },
    });
  logger.info('containment planned', {
    action: plan.action, outcome: plan.outcome, target: plan.target, deactivate: plan.changes.deactivateKeys.length,
    sessionPolicy: plan.changes.sessionPolicy?.name, reactivate: plan.release?.reactivateKeys.length,
  });
  return plan;
};
