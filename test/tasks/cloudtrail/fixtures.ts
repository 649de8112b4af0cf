import type { Trail } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailPlan } from '../../../tasks/cloudtrail/lib/trails';
import { LOG_BUCKET, OWN_TRAIL, OWN_TRAIL_ARN } from './env';

export const S3 = 'AWS::S3::Object';
export const EXECUTION = { name: 'enable-cloudtrail-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };

/** A trail as CloudTrail describes it: by default ours, with every setting. */
export function trail(overrides: Partial<Trail> = {}): Trail {
  return {
    Name: OWN_TRAIL, TrailARN: OWN_TRAIL_ARN, HomeRegion: 'us-east-1', S3BucketName: LOG_BUCKET,
    IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, LogFileValidationEnabled: true, ...overrides,
  };
}

const empty = { style: 'basic' as const, eventSelectors: [], advancedEventSelectors: [] };

/** A plan to create our trail with no selectors asked for. */
export function plan(overrides: Partial<CloudTrailPlan> = {}): CloudTrailPlan {
  return {
    outcome: 'PROCEED', trail: { name: OWN_TRAIL, arn: OWN_TRAIL_ARN, homeRegion: 'us-east-1' }, reason: 'test',
    trailAction: 'create', needsStartLogging: true,
    desired: { isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true, s3BucketName: LOG_BUCKET },
    selectors: { before: empty, after: empty, added: [], changed: false }, dataEventBuckets: [],
    ...overrides,
  };
}
