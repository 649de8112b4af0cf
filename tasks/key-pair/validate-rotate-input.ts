import { validateInputHandler } from '../lib/validate-input';
import { rotateKeyPairInputSchema } from './lib/schema';

/** First state: checks the execution input's shape (InvalidInputError naming the field) before anything is read or changed. */
export const handler = validateInputHandler(rotateKeyPairInputSchema, {
  summary: (r) => ({ instanceId: r.instanceId, rotateKeyPair: r.rotateKeyPair, osUser: r.osUser, caseId: r.caseId, mode: r.mode }),
});
