import './env';
import { CloudTrailClient, GetEventSelectorsCommand, PutEventSelectorsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/cloudtrail/put-event-selectors';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { S3 } from './fixtures';

const ct = mockClient(CloudTrailClient);
const management = { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };

beforeEach(() => {
  ct.reset();
  ct.on(PutEventSelectorsCommand).resolves({});
});

describe('put-event-selectors', () => {
  it('basic: puts the trail\'s selectors with ours merged in, and only basic ones', async () => {
    const writeOnly = { ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'], DataResources: [] };
    ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [writeOnly], AdvancedEventSelectors: [] });

    const out = await handler({ trailName: 'org-audit', dataEventBuckets: ['app-data'] });

    expect(ct.commandCalls(PutEventSelectorsCommand)[0]?.args[0].input).toEqual({
      TrailName: 'org-audit',
      EventSelectors: [writeOnly, { ReadWriteType: 'All', IncludeManagementEvents: false, ExcludeManagementEventSources: [], DataResources: [{ Type: S3, Values: ['arn:aws:s3:::app-data/'] }] }],
    });
    expect(out).toMatchObject({ changed: true, added: ['arn:aws:s3:::app-data/'], before: { eventSelectors: [writeOnly] } });
  });

  it('advanced: puts advanced selectors only, every existing one kept', async () => {
    ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [], AdvancedEventSelectors: [management] });

    await handler({ trailName: 'org-audit', dataEventBuckets: 'all' });

    const input = ct.commandCalls(PutEventSelectorsCommand)[0]?.args[0].input;
    expect(input?.EventSelectors).toBeUndefined();
    expect(input?.AdvancedEventSelectors).toEqual([management, {
      Name: 'S3 data events (remediation)', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: [S3] }],
    }]);
  });

  it('idempotent: nothing missing, nothing put', async () => {
    ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::app-data/'] }] }] });

    expect(await handler({ trailName: 'org-audit', dataEventBuckets: ['app-data'] })).toMatchObject({ changed: false, added: [] });
    expect(await handler({ trailName: 'org-audit', dataEventBuckets: [] })).toMatchObject({ changed: false });
    expect(ct).not.toHaveReceivedCommand(PutEventSelectorsCommand);
  });

  it('access denied is a clear permanent error; throttling is re-thrown for Retry', async () => {
    ct.on(GetEventSelectorsCommand).resolves({ EventSelectors: [] });
    ct.on(PutEventSelectorsCommand).rejectsOnce(awsError('AccessDeniedException')).rejectsOnce(awsError('ThrottlingException'));

    await expect(handler({ trailName: 'org-audit', dataEventBuckets: ['a-b'] })).rejects.toThrow(PreconditionFailedError);
    await expect(handler({ trailName: 'org-audit', dataEventBuckets: ['a-b'] })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});
