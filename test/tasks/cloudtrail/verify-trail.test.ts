import './env';
import { CloudTrailClient, GetEventSelectorsCommand, GetTrailCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/cloudtrail/verify-trail';
import { selectorStateOf } from '../../../tasks/cloudtrail/lib/selectors';
import { VerificationFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { S3, plan, trail } from './fixtures';

const ct = mockClient(CloudTrailClient);
const desired = plan().desired;
const writeOnly = { ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'], DataResources: [] };
const ours = { ReadWriteType: 'All' as const, IncludeManagementEvents: false, ExcludeManagementEventSources: [], DataResources: [{ Type: S3, Values: ['arn:aws:s3:::app-data/'] }] };
const verify = (selectorsBefore = selectorStateOf([writeOnly], [])) =>
  handler({ trailName: 'remediation-trail', desired, dataEventBuckets: ['app-data'], selectorsBefore });

beforeEach(() => {
  ct.reset();
  ct.on(GetTrailCommand).resolves({ Trail: trail() });
  ct.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [writeOnly, ours] });
});

describe('verify-trail', () => {
  it('passes when the trail has the settings, logs, has ours and everything it had', async () => {
    const out = await verify();

    expect(out.trail).toMatchObject({ isLogging: true, isMultiRegionTrail: true });
    expect(out.selectors.eventSelectors).toEqual([writeOnly, ours]);
  });

  it.each([
    ['not logging', () => ct.on(GetTrailStatusCommand).resolves({ IsLogging: false }), 'the trail is not logging'],
    ['single-region', () => ct.on(GetTrailCommand).resolves({ Trail: trail({ IsMultiRegionTrail: false }) }), 'IsMultiRegionTrail is false'],
    ['our selector missing', () => ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [writeOnly] }), 'no data-event selector for arn:aws:s3:::app-data/'],
    ['an existing selector lost', () => ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [ours] }), 'lost event selector WriteOnly/management'],
  ])('fails when %s', async (_, arrange, problem) => {
    arrange();

    const failure = verify();

    await expect(failure).rejects.toBeInstanceOf(VerificationFailedError);
    await expect(failure).rejects.toThrow(problem);
  });

  it('fails when the trail is gone', async () => {
    ct.on(GetTrailCommand).rejects(awsError('TrailNotFoundException'));

    await expect(verify()).rejects.toThrow(new VerificationFailedError('verification failed: trail remediation-trail does not exist'));
  });

  it('re-throws throttling for Retry', async () => {
    ct.on(GetTrailStatusCommand).rejects(awsError('ThrottlingException'));

    await expect(verify()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
