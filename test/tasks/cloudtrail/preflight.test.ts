import './env';
import {
  CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/cloudtrail/preflight';
import { enableCloudTrailInputSchema } from '../../../tasks/cloudtrail/lib/schema';
import { PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { EXECUTION, S3, trail } from './fixtures';
import { LOG_BUCKET, OWN_TRAIL_ARN } from './env';

const ct = mockClient(CloudTrailClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const run = (input: Record<string, unknown> = {}) => handler({ request: enableCloudTrailInputSchema.parse(input), execution: EXECUTION });
const ORG_ARN = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit';

beforeEach(() => {
  ct.reset(); s3.reset(); kms.reset();
  ct.on(GetTrailCommand).rejects(awsError('TrailNotFoundException'));
  ct.on(DescribeTrailsCommand).resolves({ trailList: [] });
  ct.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [], AdvancedEventSelectors: [] });
  s3.on(GetBucketLocationCommand).resolves({});
});

describe('preflight', () => {
  it('plans our trail when no trail logs every region with the settings', async () => {
    const plan = await run({ dataEventBuckets: ['app-data'] });

    expect(plan).toMatchObject({ outcome: 'PROCEED', trailAction: 'create', needsStartLogging: true, trail: { name: 'remediation-trail', arn: OWN_TRAIL_ARN } });
    expect(plan.desired).toEqual({ isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true, s3BucketName: LOG_BUCKET });
    expect(plan.selectors.added).toEqual(['arn:aws:s3:::app-data/']);
    expect(s3).toHaveReceivedCommandWith(GetBucketLocationCommand, { Bucket: 'app-data' });
  });

  it('plan mode: the same plan, outcome PLANNED', async () => {
    expect((await run({ mode: 'plan' })).outcome).toBe('PLANNED');
  });

  it('reuses a multi-region trail that logs with the settings, and needs no action when it logs the buckets', async () => {
    ct.on(DescribeTrailsCommand).resolves({ trailList: [trail({ Name: 'single', TrailARN: 'arn:x:single', IsMultiRegionTrail: false }), trail({ Name: 'org-audit', TrailARN: ORG_ARN, S3BucketName: 'org-logs' })] });
    ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3'] }] }] });

    const plan = await run({ dataEventBuckets: ['app-data'] });

    expect(plan).toMatchObject({ outcome: 'NO_ACTION', trailAction: 'none', needsStartLogging: false, trail: { name: 'org-audit', arn: ORG_ARN } });
    expect(ct).toHaveReceivedCommandWith(GetEventSelectorsCommand, { TrailName: 'org-audit' });
  });

  it('does not reuse a trail that does not log, or lacks log file validation', async () => {
    ct.on(DescribeTrailsCommand).resolves({ trailList: [trail({ Name: 'quiet', TrailARN: 'arn:quiet' }), trail({ Name: 'unvalidated', TrailARN: 'arn:unvalidated', LogFileValidationEnabled: false })] });
    ct.on(GetTrailStatusCommand, { Name: 'arn:quiet' }).resolves({ IsLogging: false });

    expect((await run()).trailAction).toBe('create');
  });

  it('brings our own drifted trail back (update) and starts it', async () => {
    ct.on(GetTrailCommand).resolves({ Trail: trail({ IsMultiRegionTrail: false }) });
    ct.on(GetTrailStatusCommand).resolves({ IsLogging: false });

    expect(await run()).toMatchObject({ outcome: 'PROCEED', trailAction: 'update', needsStartLogging: true, reason: 'trail remediation-trail lacks: IsMultiRegionTrail is false' });
  });

  it('refuses a trail name taken by a trail with other settings, changing nothing', async () => {
    ct.on(GetTrailCommand).resolves({ Trail: trail({ Name: 'audit', S3BucketName: 'elsewhere', LogFileValidationEnabled: false }) });

    await expect(run({ trailName: 'audit' })).rejects.toThrow(new PreconditionFailedError(
      'trail name audit is taken by a trail with different settings (LogFileValidationEnabled is false; bucket elsewhere); it is not changed: fix it, or choose another trailName',
    ));
  });

  it('refuses to create a trail by another name than the one the stack bucket accepts', async () => {
    await expect(run({ trailName: 'audit' })).rejects.toThrow(PreconditionFailedError);
  });

  it('refuses missing buckets, buckets of another region and unreadable buckets before any change', async () => {
    s3.on(GetBucketLocationCommand, { Bucket: 'gone' }).rejects(awsError('NoSuchBucket'));
    s3.on(GetBucketLocationCommand, { Bucket: 'in-ireland' }).resolves({ LocationConstraint: 'EU' });
    s3.on(GetBucketLocationCommand, { Bucket: 'theirs' }).rejects(awsError('AccessDenied'));

    await expect(run({ dataEventBuckets: ['gone'] })).rejects.toThrow(new ResourceNotFoundError('data event bucket gone does not exist'));
    await expect(run({ dataEventBuckets: ['in-ireland'] })).rejects.toThrow('data event bucket in-ireland is in eu-west-1, not us-east-1: run the workflow in eu-west-1 for it');
    await expect(run({ dataEventBuckets: ['theirs'] })).rejects.toThrow(PreconditionFailedError);
    expect(ct).not.toHaveReceivedCommand(DescribeTrailsCommand);
  });

  it('resolves the KMS key to its ARN, and refuses a disabled or missing key', async () => {
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    kms.on(DescribeKeyCommand, { KeyId: 'alias/trail' }).resolves({ KeyMetadata: { KeyId: 'k', Arn: keyArn, KeyState: 'Enabled' } });
    kms.on(DescribeKeyCommand, { KeyId: 'alias/off' }).resolves({ KeyMetadata: { KeyId: 'k', Arn: keyArn, KeyState: 'Disabled' } });
    kms.on(DescribeKeyCommand, { KeyId: 'alias/none' }).rejects(awsError('NotFoundException'));

    expect((await run({ kmsKeyId: 'alias/trail' })).desired.kmsKeyArn).toBe(keyArn);
    await expect(run({ kmsKeyId: 'alias/off' })).rejects.toThrow(new PreconditionFailedError('KMS key alias/off is Disabled'));
    await expect(run({ kmsKeyId: 'alias/none' })).rejects.toThrow(ResourceNotFoundError);
  });

  it('re-throws throttling under its own name for the state machine to retry', async () => {
    ct.on(DescribeTrailsCommand).rejects(awsError('ThrottlingException'));

    await expect(run()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('preflight: a named trail with other settings beside a compliant one', () => {
  it('reuses the compliant trail and leaves the named one alone (no second multi-region trail)', async () => {
    ct.on(GetTrailCommand).resolves({ Trail: trail({ IsMultiRegionTrail: false }) });
    ct.on(DescribeTrailsCommand).resolves({ trailList: [trail({ Name: 'org-audit', TrailARN: ORG_ARN, S3BucketName: 'org-logs' })] });

    const plan = await run();

    expect(plan).toMatchObject({
      outcome: 'NO_ACTION', trailAction: 'none', trail: { name: 'org-audit' },
      reason: 'reusing multi-region trail org-audit, which logs with the settings; trail remediation-trail (IsMultiRegionTrail is false) is left as it is',
    });
  });

  it('refuses to add selectors to a reusable trail homed in another region (only its home region may change it)', async () => {
    ct.on(DescribeTrailsCommand).resolves({ trailList: [trail({ Name: 'org-audit', TrailARN: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/org-audit', HomeRegion: 'eu-west-1' })] });

    await expect(run({ dataEventBuckets: ['app-data'] })).rejects.toThrow(/run this workflow in its home region eu-west-1/);
    expect((await run()).outcome).toBe('NO_ACTION');
  });
});
