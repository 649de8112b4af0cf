import './env';
import { CloudTrailClient, GetTrailStatusCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/cloudtrail/start-logging';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';

const ct = mockClient(CloudTrailClient);

beforeEach(() => {
  ct.reset();
  ct.on(StartLoggingCommand).resolves({});
});

describe('start-logging', () => {
  it('starts a trail that does not log', async () => {
    ct.on(GetTrailStatusCommand).resolves({ IsLogging: false });

    expect(await handler({ trailName: 'remediation-trail' })).toMatchObject({ started: true });
    expect(ct).toHaveReceivedCommandWith(StartLoggingCommand, { Name: 'remediation-trail' });
  });

  it('idempotent: a trail that already logs is left alone', async () => {
    ct.on(GetTrailStatusCommand).resolves({ IsLogging: true });

    expect(await handler({ trailName: 'remediation-trail' })).toMatchObject({ started: false });
    expect(ct).not.toHaveReceivedCommand(StartLoggingCommand);
  });

  it('a bucket policy CloudTrail cannot write through is a clear permanent error', async () => {
    ct.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    ct.on(StartLoggingCommand).rejects(awsError('InsufficientS3BucketPolicyException'));

    await expect(handler({ trailName: 'remediation-trail' })).rejects.toThrow(PreconditionFailedError);
  });

  it('re-throws throttling and a missing trail as they came', async () => {
    ct.on(GetTrailStatusCommand).rejects(awsError('ThrottlingException'));
    await expect(handler({ trailName: 'remediation-trail' })).rejects.toMatchObject({ name: 'ThrottlingException' });

    ct.on(GetTrailStatusCommand).rejects(awsError('TrailNotFoundException'));
    await expect(handler({ trailName: 'remediation-trail' })).rejects.toMatchObject({ name: 'TrailNotFoundException' });
  });
});
