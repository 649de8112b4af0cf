import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand, type S3Client } from '@aws-sdk/client-s3';
import { PreconditionFailedError, ResourceNotFoundError, awsErrorName } from '../../lib/errors';
import type { DataEventBuckets } from './schema';

/** Every requested bucket exists, is readable and is in this region: refused before anything changes. */
export async function checkDataBuckets(s3: S3Client, buckets: DataEventBuckets, region: string): Promise<void> {
  if (!Array.isArray(buckets)) return;
  for (const bucket of buckets) {
    let location: string;
    try {
      const out = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
      // S3 reports us-east-1 as no constraint, and eu-west-1 as the legacy "EU".
      location = !out.LocationConstraint ? 'us-east-1' : out.LocationConstraint === 'EU' ? 'eu-west-1' : out.LocationConstraint;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NoSuchBucket') throw new ResourceNotFoundError(`data event bucket ${bucket} does not exist`);
      if (name === 'AccessDenied') throw new PreconditionFailedError(`data event bucket ${bucket} is not readable by this account (another account's bucket?)`);
      throw error;
    }
    if (location !== region) throw new PreconditionFailedError(`data event bucket ${bucket} is in ${location}, not ${region}: run the workflow in ${location} for it`);
  }
}

/** The ARN of an enabled key (CloudTrail stores key ARNs, so the comparison needs one), from its id, ARN or alias. */
export async function enabledKeyArn(kms: KMSClient, keyId: string): Promise<string> {
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    if (out.KeyMetadata?.KeyState !== 'Enabled') throw new PreconditionFailedError(`KMS key ${keyId} is ${out.KeyMetadata?.KeyState ?? 'unusable'}`);
    return out.KeyMetadata.Arn as string;
  } catch (error) {
    if (awsErrorName(error) === 'NotFoundException') throw new ResourceNotFoundError(`KMS key ${keyId} does not exist`);
    throw error;
  }
}
