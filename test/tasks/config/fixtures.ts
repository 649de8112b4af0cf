import type { ConfigurationRecorder } from '@aws-sdk/client-config-service';
import type { EnableConfigRequest } from '../../../tasks/config/schema';
import type { DesiredSettings } from '../../../tasks/config/config-state';
import { BUCKET } from './config-env';

export const SLR_ARN = 'arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';

export const request = (overrides: Partial<EnableConfigRequest> = {}): EnableConfigRequest => ({
  homeRegion: 'us-east-1', overwrite: false, deliveryFrequency: 'TwentyFour_Hours', mode: 'apply', trigger: { source: 'console' }, ...overrides,
});

export const ourRecorder = (overrides: Partial<ConfigurationRecorder> = {}): ConfigurationRecorder => ({
  name: 'default', roleARN: SLR_ARN, recordingGroup: { allSupported: true, includeGlobalResourceTypes: true }, ...overrides,
});

export const ourChannel = { name: 'default', s3BucketName: BUCKET, configSnapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' as const } };

export const desired = (includeGlobalResourceTypes = true): DesiredSettings => ({
  recorder: { name: 'default', allSupported: true, includeGlobalResourceTypes },
  channel: { name: 'default', s3BucketName: BUCKET, deliveryFrequency: 'TwentyFour_Hours' },
});
