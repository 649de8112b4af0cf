import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

// enable-config's verify against the emulator: delivery to a bucket that does not exist is not success.
let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
});
afterAll(() => moto?.stop());

describe('enable-config when the stack-owned delivery bucket is missing, then there', () => {
  it('fails VerificationFailedError naming the missing bucket; once it exists, a run verifies and succeeds', async () => {
    const { runWorkflow, localStack } = await import('../../local/runner');
    const bucket = localStack().environment.CONFIG_BUCKET_NAME as string;

    const missing = await runWorkflow('enable-config', { trigger: { source: 'cli' } });

    expect(missing).toMatchObject({ status: 'FAILED', error: 'VerificationFailedError', cause: `delivery bucket ${bucket} does not exist: Config cannot deliver to it` });

    // A fresh account that has the bucket.
    await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
    await new S3Client({ forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
    const delivered = await runWorkflow('enable-config', { trigger: { source: 'cli' } });

    expect(delivered.status).toBe('SUCCEEDED');
    expect(delivered.output).toMatchObject({ outcome: 'REMEDIATED' });
  }, 120_000);
});
