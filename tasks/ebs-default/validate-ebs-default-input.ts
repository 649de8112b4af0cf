import { validateInputHandler } from '../lib/validate-input';
import { enableEbsEncryptionByDefaultInputSchema } from './lib/schema';

/** First state: the input's shape, before anything is read or changed. The lock is account-level (`<account>/<region>/<workflow>`). */
export const handler = validateInputHandler(enableEbsEncryptionByDefaultInputSchema, {
  summary: (r) => ({ kmsKeyId: r.kmsKeyId, mode: r.mode }),
});
