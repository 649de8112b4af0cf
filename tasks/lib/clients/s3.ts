import { S3Client } from '@aws-sdk/client-s3';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createS3Client = (): S3Client => withHooks(new S3Client({ ...SDK_RETRY }), 's3');
