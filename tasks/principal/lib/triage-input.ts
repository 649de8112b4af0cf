import type { Trigger } from '../../lib/schemas';
import type { ContainInput } from './schema';

/** What triage knows of the caller (tasks/triage/parse-start-event.ts `principal`, and the event's accessKeyId). */
export interface CallerFacts {
  principal: { type: string; arn: string };
  accessKeyId?: string;
}

/**
 * The seam for triage (issue 10 item 4): the contain-principal input for the caller of an event. The ARN triage
 * extracts is the session issuer's where there is one (an assumed role's role, a federated user's IAM user), which
 * contain-principal accepts as it is; one case id links triage, its children and the case record.
 */
export function containInputOf(facts: CallerFacts, caseId: string, trigger: Trigger, approval: boolean): Partial<ContainInput> {
  return {
    principalArn: facts.principal.arn, principalType: facts.principal.type as ContainInput['principalType'],
    ...(facts.accessKeyId ? { accessKeyId: facts.accessKeyId } : {}),
    caseId, approval, trigger,
  };
}
