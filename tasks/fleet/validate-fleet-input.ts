import { InvalidInputError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { validateInputHandler, type ValidateInputEvent } from '../lib/validate-input';
import type { ExecutionFacts } from '../lib/types';
import { workflowEntry } from '../../workflows/registry';
import { FLEET_CHILDREN, type TargetKind } from './lib/children';
import { fleetInputSchema, type FleetInput } from './lib/schema';

const validate = validateInputHandler(fleetInputSchema, {
  summary: (r) => ({ workflow: r.workflow, selector: Object.keys(r.selector)[0], mode: r.mode, maxConcurrency: r.maxConcurrency }),
});

/** A sample target of each kind: the child's schema checks childInput with it in the target's place. */
const SAMPLE_TARGET: Record<TargetKind, string> = { instance: 'i-0123456789abcdef0', vpc: 'vpc-0123456789abcdef0', group: 'sg-0123456789abcdef0' };
const SELECTOR_KIND = { instanceIds: 'instance', vpcIds: 'vpc', groupIds: 'group' } as const;

/** childInput against the child's own schema (workflows/registry.ts), its target, mode and trigger being the fleet's. */
export function checkChildInput(request: FleetInput): void {
  const child = FLEET_CHILDREN[request.workflow];
  const reserved = [...child.targetFields, 'mode', 'trigger'].filter((field) => field in request.childInput);
  if (reserved.length > 0) throw new InvalidInputError(`invalid input: childInput: ${reserved.join(', ')} set by the fleet, not by childInput`);
  const schema = workflowEntry(request.workflow)?.schema;
  if (!schema) throw new InvalidInputError(`invalid input: workflow: ${request.workflow} takes no input`);
  try {
    parseOrThrow(schema, { ...request.childInput, ...child.targetInput(SAMPLE_TARGET[child.targetKind]) });
  } catch (error) {
    if (error instanceof InvalidInputError) throw new InvalidInputError(error.message.replace('invalid input: ', 'invalid input: childInput.'));
    throw error;
  }
  const [selector] = Object.keys(request.selector) as (keyof typeof SELECTOR_KIND | 'tags' | 'manifest')[];
  if (selector && selector in SELECTOR_KIND && SELECTOR_KIND[selector as keyof typeof SELECTOR_KIND] !== child.targetKind) {
    throw new InvalidInputError(`invalid input: selector.${selector}: ${request.workflow} runs per ${child.targetKind}, not per ${SELECTOR_KIND[selector as keyof typeof SELECTOR_KIND]}`);
  }
}

/** First state: the fleet's input, then the child's part of it, before anything is read or written. */
export const handler = async (event: ValidateInputEvent): Promise<{ request: FleetInput; execution: ExecutionFacts }> => {
  const validated = await validate(event);
  checkChildInput(validated.request);
  return validated;
};
