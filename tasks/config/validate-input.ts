import { readEnv, requiredString } from '../lib/env';
import { validateInputHandler } from '../lib/validate-input';
import { enableConfigInputSchema, type EnableConfigRequest } from './schema';

// Lambda runs in the stack's region, so this is both the execution's region and the default home region.
const { AWS_REGION: REGION } = readEnv({ AWS_REGION: requiredString });

/** First state: checks the execution input's shape before anything is read or changed; every later task gets the region. */
export const handler = validateInputHandler(enableConfigInputSchema, {
  complete: (input): EnableConfigRequest => ({ ...input, homeRegion: input.homeRegion ?? REGION }),
  extra: { region: REGION },
  summary: (request) => ({ mode: request.mode, homeRegion: request.homeRegion, overwrite: request.overwrite }),
});

/** What every enable-config task after this one is handed. */
export type ConfigRunContext = Awaited<ReturnType<typeof handler>>;
