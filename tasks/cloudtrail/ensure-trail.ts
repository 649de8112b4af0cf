import { CreateTrailCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { createCloudTrailClient } from '../lib/clients/cloudtrail';
import { PreconditionFailedError, awsErrorName } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG } from '../lib/tags';
import type { ExecutionFacts } from '../lib/types';
import { readEnv, requiredString } from '../lib/env';
import { type CloudTrailPlan, type TrailFacts, explainTrailError, readTrail, settingsProblems, toTrailFacts } from './lib/trails';
import { WORKFLOW } from '../lib/workflow-names';

const ct = createCloudTrailClient();
const ENV = readEnv({ TRAIL_BUCKET_NAME: requiredString });
const BUCKET = ENV.TRAIL_BUCKET_NAME;

export interface EnsureTrailEvent {
  plan: CloudTrailPlan;
  execution: ExecutionFacts;
}

export interface TrailChange {
  action: 'create' | 'update';
  trail: TrailFacts;
  before?: TrailFacts;
  /** A re-run (or a lost answer) found the trail already created with the settings. */
  alreadyDone: boolean;
  at: string;
}

/** Creates the trail, or brings ours back to the settings. Idempotent: a trail already there with the settings is accepted. */
export const handler = async ({ plan, execution }: EnsureTrailEvent): Promise<TrailChange> => {
  const name = plan.trail.name;
  const settings = {
    Name: name,
    S3BucketName: BUCKET,
    IsMultiRegionTrail: true,
    IncludeGlobalServiceEvents: true,
    EnableLogFileValidation: true,
    ...(plan.desired.kmsKeyArn ? { KmsKeyId: plan.desired.kmsKeyArn } : {}),
  };
  const at = new Date().toISOString();
  if (plan.trailAction === 'update') {
    try {
      const out = await ct.send(new UpdateTrailCommand(settings));
      const trail = toTrailFacts(out, plan.existing?.isLogging ?? false);
      logger.info('trail updated', { trail: name });
      return { action: 'update', trail, ...(plan.existing ? { before: plan.existing } : {}), alreadyDone: false, at };
    } catch (error) {
      return explainTrailError(error, name, BUCKET);
    }
  }
  if (plan.trailAction !== 'create') throw new PreconditionFailedError(`nothing to create or update for trail ${name} (plan says ${plan.trailAction})`);
  try {
    const out = await ct.send(new CreateTrailCommand({
      ...settings,
      TagsList: [{ Key: TAG.workflow, Value: WORKFLOW.enableCloudTrail }, { Key: TAG.execution, Value: execution.name }],
    }));
    logger.info('trail created', { trail: name });
    return { action: 'create', trail: toTrailFacts({ ...out, HomeRegion: plan.trail.homeRegion }, false), alreadyDone: false, at };
  } catch (error) {
    if (awsErrorName(error) !== 'TrailAlreadyExistsException') return explainTrailError(error, name, BUCKET);
    // Our first attempt may have succeeded with its answer lost; anything else by that name is not ours to change.
    const found = await readTrail(ct, name);
    const problems = found ? settingsProblems(found.facts, plan.desired) : ['it could not be read'];
    if (!found || problems.length > 0 || found.facts.s3BucketName !== BUCKET) {
      throw new PreconditionFailedError(`trail name ${name} was taken meanwhile by a trail with other settings ` +
        `(${[...problems, `bucket ${found?.facts.s3BucketName ?? 'unknown'}`].join(', ')}); it is not changed`);
    }
    return { action: 'create', trail: found.facts, alreadyDone: true, at };
  }
};
