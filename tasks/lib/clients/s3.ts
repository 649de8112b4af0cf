import { S3Client } from '@aws-sdk/client-s3';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createS3Client = (): S3Client => withHooks(new S3Client({}), 's3');
