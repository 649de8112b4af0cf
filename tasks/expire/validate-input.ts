import { validateInputHandler } from '../lib/validate-input';
import { expireRetainedInputSchema } from './lib/schema';

/** First state of expire-retained: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(expireRetainedInputSchema, { summary: (r) => ({ mode: r.mode, trigger: r.trigger.source }) });
