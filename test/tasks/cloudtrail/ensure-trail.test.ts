import './env';
import {
  CloudTrailClient, CreateTrailCommand, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand, UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/cloudtrail/ensure-trail';
import { PreconditionFailedError, ResourceNotFoundError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { LOG_BUCKET, OWN_TRAIL } from './env';
import { EXECUTION, plan, trail } from './fixtures';

const ct = mockClient(CloudTrailClient);
const SETTINGS = { Name: OWN_TRAIL, S3BucketName: LOG_BUCKET, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, EnableLogFileValidation: true };

beforeEach(() => {
  ct.reset();
  ct.on(CreateTrailCommand).resolves(trail());
  ct.on(UpdateTrailCommand).resolves(trail());
  ct.on(GetTrailStatusCommand).resolves({ IsLogging: false });
  ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [] });
});

describe('ensure-trail', () => {
  it('creates the multi-region trail into the stack bucket, tagged with the workflow and execution', async () => {
    const out = await handler({ plan: plan(), execution: EXECUTION });

    expect(ct).toHaveReceivedCommandWith(CreateTrailCommand, {
      ...SETTINGS,
      TagsList: [{ Key: 'remediation:workflow', Value: 'enable-cloudtrail' }, { Key: 'remediation:execution', Value: EXECUTION.name }],
    });
    expect(out).toMatchObject({ action: 'create', alreadyDone: false, trail: { name: OWN_TRAIL, isMultiRegionTrail: true, logFileValidationEnabled: true } });
  });

  it('passes the KMS key when encryption was asked for', async () => {
    const kmsKeyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const p = plan();

    await handler({ plan: { ...p, desired: { ...p.desired, kmsKeyArn } }, execution: EXECUTION });

    expect(ct).toHaveReceivedCommandWith(CreateTrailCommand, { KmsKeyId: kmsKeyArn });
  });

  it('re-run after a lost answer: the trail already there with the settings is accepted, not created twice', async () => {
    ct.on(CreateTrailCommand).rejects(awsError('TrailAlreadyExistsException'));
    ct.on(GetTrailCommand).resolves({ Trail: trail() });

    const out = await handler({ plan: plan(), execution: EXECUTION });

    expect(out).toMatchObject({ action: 'create', alreadyDone: true });
    expect(ct).toHaveReceivedCommandTimes(CreateTrailCommand, 1);
  });

  it('a trail by that name with other settings is reported, not changed', async () => {
    ct.on(CreateTrailCommand).rejects(awsError('TrailAlreadyExistsException'));
    ct.on(GetTrailCommand).resolves({ Trail: trail({ S3BucketName: 'someone-else', IsMultiRegionTrail: false }) });

    await expect(handler({ plan: plan(), execution: EXECUTION })).rejects.toThrow(new PreconditionFailedError(
      'trail name remediation-trail was taken meanwhile by a trail with other settings (IsMultiRegionTrail is false, bucket someone-else); it is not changed',
    ));
    expect(ct).not.toHaveReceivedCommand(UpdateTrailCommand);
  });

  it('updates our drifted trail, recording its settings before', async () => {
    const existing = { name: OWN_TRAIL, arn: 'arn', homeRegion: 'us-east-1', s3BucketName: LOG_BUCKET, isMultiRegionTrail: false, includeGlobalServiceEvents: true, logFileValidationEnabled: false, isLogging: true };

    const out = await handler({ plan: plan({ trailAction: 'update', existing }), execution: EXECUTION });

    expect(ct).toHaveReceivedCommandWith(UpdateTrailCommand, SETTINGS);
    expect(ct).not.toHaveReceivedCommand(CreateTrailCommand);
    expect(out).toMatchObject({ action: 'update', before: existing, trail: { isMultiRegionTrail: true, isLogging: true } });
  });

  it.each([
    ['InsufficientS3BucketPolicyException', PreconditionFailedError, `the policy of bucket ${LOG_BUCKET} does not let CloudTrail write`],
    ['InsufficientEncryptionPolicyException', PreconditionFailedError, 'CloudTrail cannot use the KMS key'],
    ['AccessDeniedException', PreconditionFailedError, 'not allowed to change trail remediation-trail'],
    ['S3BucketDoesNotExistException', ResourceNotFoundError, `log bucket ${LOG_BUCKET} does not exist`],
  ])('%s becomes a clear %p', async (name, type, message) => {
    ct.on(CreateTrailCommand).rejects(awsError(name));

    const failure = handler({ plan: plan(), execution: EXECUTION });

    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
  });

  it('re-throws throttling under its own name', async () => {
    ct.on(UpdateTrailCommand).rejects(awsError('ThrottlingException'));

    await expect(handler({ plan: plan({ trailAction: 'update' }), execution: EXECUTION })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('refuses a plan with nothing to create or update', async () => {
    await expect(handler({ plan: plan({ trailAction: 'none' }), execution: EXECUTION })).rejects.toThrow(PreconditionFailedError);
    expect(ct).not.toHaveReceivedCommand(CreateTrailCommand);
  });
});
