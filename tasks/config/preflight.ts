import { createConfigClient } from '../lib/clients/config';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import {
  type ConfigState, type DesiredSettings, SERVICE_LINKED_ROLE_NAME, desiredSettings, differences, explainConfigError, isFailure, readConfigState,
} from './config-state';
import { readEnv, requiredString } from '../lib/env';
import type { ConfigRunContext } from './validate-input';

const config = createConfigClient();
/** The stack-owned bucket the delivery channel writes to. */
const ENV = readEnv({ CONFIG_BUCKET_NAME: requiredString });
const BUCKET = ENV.CONFIG_BUCKET_NAME;

export type ConfigOutcome = 'PROCEED' | 'NO_ACTION' | 'PLANNED';

export interface ConfigPlan {
  outcome: ConfigOutcome;
  region: string;
  homeRegion: string;
  role: string;
  before: ConfigState;
  desired: DesiredSettings;
  /** Settings of an existing recorder or channel that apply changes (only with overwrite). */
  differences: string[];
  overwriteRequired: boolean;
  /** What apply does, in order. */
  steps: string[];
}

/** Read-only: decides what apply would do, and refuses to change differing settings without overwrite, before any change. */
export const handler = async ({ request, region }: Pick<ConfigRunContext, 'request' | 'region'>): Promise<ConfigPlan> => {
  let before: ConfigState;
  try {
    before = await readConfigState(config);
  } catch (error) {
    throw explainConfigError(error, 'reading AWS Config settings');
  }
  const desired = desiredSettings(request, region, before, BUCKET);
  const found = differences(before, desired);
  const recording = before.status?.recording === true && !isFailure(before.status.lastStatus);
  const steps = [
    `ensure-service-linked-role ${SERVICE_LINKED_ROLE_NAME}`,
    `${before.recorder ? 'update' : 'create'}-configuration-recorder ${desired.recorder.name}`,
    `${before.channel ? 'update' : 'create'}-delivery-channel ${desired.channel.name} (bucket ${BUCKET})`,
    `start-configuration-recorder ${desired.recorder.name}`,
  ];
  const plan: ConfigPlan = {
    outcome: 'PROCEED',
    region,
    homeRegion: request.homeRegion,
    role: SERVICE_LINKED_ROLE_NAME,
    before,
    desired,
    differences: found,
    overwriteRequired: found.length > 0,
    steps,
  };
  if (before.recorder && before.channel && found.length === 0 && recording) {
    return { ...plan, outcome: 'NO_ACTION', steps: [] };
  }
  if (request.mode === 'plan') return { ...plan, outcome: 'PLANNED' };
  if (found.length > 0 && !request.overwrite) {
    throw new PreconditionFailedError(
      `AWS Config in ${region} is set up differently; nothing was changed. Set overwrite: true to apply: ${found.join('; ')}`,
    );
  }
  logger.info('plan ready', { steps, differences: found });
  return plan;
};
