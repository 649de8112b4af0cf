import {
  type CloudTrailClient, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand, type Trail,
} from '@aws-sdk/client-cloudtrail';
import { PreconditionFailedError, ResourceNotFoundError, awsErrorName } from '../../lib/errors';
import type { ExecutionFacts, Outcome } from '../../lib/types';
import type { EnableCloudTrailInput } from './schema';
import { readEnv, requiredString } from '../../lib/env';
import { selectorStateOf, type SelectorState } from './selectors';

/** What the workflow needs to know about a trail. */
export interface TrailFacts {
  name: string;
  arn: string;
  homeRegion: string;
  s3BucketName: string;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
  kmsKeyId?: string;
  isLogging: boolean;
}

/** The settings every trail this workflow relies on must have. */
export interface DesiredSettings {
  isMultiRegionTrail: true;
  includeGlobalServiceEvents: true;
  logFileValidationEnabled: true;
  /** Key ARN (resolved from the input's key id or alias), when encryption was asked for. */
  kmsKeyArn?: string;
}

export type TrailAction = 'create' | 'update' | 'none';

export interface CloudTrailPlan {
  outcome: Outcome;
  trail: { name: string; arn: string; homeRegion: string };
  /** Why this trail: created, ours updated, or an existing trail reused. */
  reason: string;
  trailAction: TrailAction;
  needsStartLogging: boolean;
  existing?: TrailFacts;
  desired: DesiredSettings & { s3BucketName: string };
  selectors: { before: SelectorState; after: SelectorState; added: string[]; changed: boolean };
  /** The input's dataEventBuckets; [] when none were asked for. */
  dataEventBuckets: 'all' | string[];
}

export interface CloudTrailContext {
  request: EnableCloudTrailInput;
  execution: ExecutionFacts;
}

export function toTrailFacts(trail: Trail, isLogging: boolean): TrailFacts {
  return {
    name: trail.Name ?? '',
    arn: trail.TrailARN ?? '',
    homeRegion: trail.HomeRegion ?? '',
    s3BucketName: trail.S3BucketName ?? '',
    isMultiRegionTrail: trail.IsMultiRegionTrail ?? false,
    includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents ?? false,
    logFileValidationEnabled: trail.LogFileValidationEnabled ?? false,
    ...(trail.KmsKeyId ? { kmsKeyId: trail.KmsKeyId } : {}),
    isLogging,
  };
}

/** Differences between a trail and the settings asked for; [] when it has them all. */
export function settingsProblems(trail: TrailFacts, desired: DesiredSettings): string[] {
  const problems: string[] = [];
  if (!trail.isMultiRegionTrail) problems.push('IsMultiRegionTrail is false');
  if (!trail.includeGlobalServiceEvents) problems.push('IncludeGlobalServiceEvents is false');
  if (!trail.logFileValidationEnabled) problems.push('LogFileValidationEnabled is false');
  if (desired.kmsKeyArn && trail.kmsKeyId !== desired.kmsKeyArn) problems.push(`KmsKeyId is ${trail.kmsKeyId ?? 'not set'}, expected ${desired.kmsKeyArn}`);
  return problems;
}

const NOT_FOUND = new Set(['TrailNotFoundException']);

/** A trail of this region by name, its logging status and selectors; undefined when there is none. */
export async function readTrail(ct: CloudTrailClient, name: string): Promise<{ facts: TrailFacts; selectors: SelectorState } | undefined> {
  let trail: Trail | undefined;
  try {
    trail = (await ct.send(new GetTrailCommand({ Name: name }))).Trail;
  } catch (error) {
    if (NOT_FOUND.has(awsErrorName(error) ?? '')) return undefined;
    throw error;
  }
  if (!trail) return undefined;
  const status = await ct.send(new GetTrailStatusCommand({ Name: name }));
  const selectors = await readSelectors(ct, name);
  // Looked up by name, so a trail of this region (GetTrail may leave HomeRegion out).
  return { facts: toTrailFacts({ ...trail, HomeRegion: trail.HomeRegion ?? readEnv({ AWS_REGION: requiredString }).AWS_REGION }, status.IsLogging ?? false), selectors };
}

export async function readSelectors(ct: CloudTrailClient, name: string): Promise<SelectorState> {
  const out = await ct.send(new GetEventSelectorsCommand({ TrailName: name }));
  return selectorStateOf(out.EventSelectors, out.AdvancedEventSelectors);
}

/** AWS refusals a person must act on, as permanent errors that say what to do; anything else as it came. */
export function explainTrailError(error: unknown, trailName: string, bucket: string): never {
  const name = awsErrorName(error) ?? '';
  const message = (error as Error).message;
  if (name === 'InsufficientS3BucketPolicyException') {
    throw new PreconditionFailedError(`the policy of bucket ${bucket} does not let CloudTrail write for trail ${trailName} ` +
      `(it must allow s3:GetBucketAcl and s3:PutObject on AWSLogs/<account>/* for that trail's ARN): ${message}`);
  }
  if (name === 'InsufficientEncryptionPolicyException' || name === 'KmsKeyNotFoundException' || name === 'KmsException') {
    throw new PreconditionFailedError(`CloudTrail cannot use the KMS key for trail ${trailName} (its key policy must allow cloudtrail.amazonaws.com): ${message}`);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'NotOrganizationMasterAccountException') {
    throw new PreconditionFailedError(`not allowed to change trail ${trailName}: ${message}`);
  }
  if (name === 'S3BucketDoesNotExistException') throw new ResourceNotFoundError(`log bucket ${bucket} does not exist: ${message}`);
  throw error;
}
