import { handler } from '../../../tasks/cloudtrail/build-report';
import { enableCloudTrailInputSchema } from '../../../tasks/cloudtrail/lib/schema';
import { selectorStateOf } from '../../../tasks/cloudtrail/lib/selectors';
import { OWN_TRAIL_ARN } from './env';
import { EXECUTION, S3, plan } from './fixtures';

const request = enableCloudTrailInputSchema.parse({ dataEventBuckets: ['app-data'], trigger: { source: 'cli', principal: 'ops' } });
const before = selectorStateOf([], []);
const after = selectorStateOf([{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::app-data/'] }] }], []);
const facts = { name: 'remediation-trail', arn: OWN_TRAIL_ARN, homeRegion: 'us-east-1', s3BucketName: 'logs', isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true, isLogging: false };

describe('build-report', () => {
  it('REMEDIATED: the trail created, logging started, selectors before and after', async () => {
    const report = await handler({
      request, execution: EXECUTION, plan: plan({ selectors: { before, after, added: ['arn:aws:s3:::app-data/'], changed: true } }),
      work: {
        trail: { action: 'create', trail: facts, alreadyDone: false, at: 't1' },
        logging: { started: true, at: 't2' },
        selectors: { before, after, added: ['arn:aws:s3:::app-data/'], changed: true, at: 't3' },
      },
    });

    expect(report).toMatchObject({ workflow: 'enable-cloudtrail', target: OWN_TRAIL_ARN, execution: EXECUTION.name, outcome: 'REMEDIATED', mode: 'apply', trigger: { source: 'cli', principal: 'ops' } });
    expect(report.actions).toEqual([
      { action: 'create-trail', resourceId: OWN_TRAIL_ARN, after: { name: 'remediation-trail', s3BucketName: 'logs', isMultiRegionTrail: true, includeGlobalServiceEvents: true, logFileValidationEnabled: true }, at: 't1' },
      { action: 'start-logging', resourceId: OWN_TRAIL_ARN, before: { isLogging: false }, after: { isLogging: true }, at: 't2' },
      { action: 'put-event-selectors', resourceId: OWN_TRAIL_ARN, before: { ...before }, after: { ...after, added: ['arn:aws:s3:::app-data/'] }, at: 't3' },
    ]);
    expect(report.selectors).toEqual({ before, after });
  });

  it('PLANNED: no actions, the planned selectors', async () => {
    const report = await handler({ request, execution: EXECUTION, plan: plan({ outcome: 'PLANNED', selectors: { before, after, added: [], changed: true } }), work: {} });

    expect(report.outcome).toBe('PLANNED');
    expect(report.actions).toEqual([]);
    expect(report.selectors.after).toEqual(after);
  });

  it('no start-logging or selector action when nothing changed there', async () => {
    const report = await handler({
      request, execution: EXECUTION, plan: plan(),
      work: { logging: { started: false, at: 't' }, selectors: { before: after, after, added: [], changed: false, at: 't' } },
    });

    expect(report.actions).toEqual([]);
  });
  it('a step retried after its answer was lost still reports what this run changed (preflight plan, verify result)', async () => {
    const report = await handler({
      request, execution: EXECUTION, plan: plan({ trailAction: 'none', needsStartLogging: true, selectors: { before, after, added: ['arn:aws:s3:::app-data/'], changed: true } }),
      work: {
        logging: { started: false, at: 't2' },
        selectors: { before: after, after, added: [], changed: false, at: 't3' },
        verification: { verifiedAt: 't4', trail: { ...facts, isLogging: true }, selectors: after },
      },
    });

    expect(report.actions).toEqual([
      { action: 'start-logging', resourceId: OWN_TRAIL_ARN, before: { isLogging: false }, after: { isLogging: true }, at: 't2' },
      { action: 'put-event-selectors', resourceId: OWN_TRAIL_ARN, before: { ...before }, after: { ...after, added: ['arn:aws:s3:::app-data/'] }, at: 't3' },
    ]);
    expect(report.selectors).toEqual({ before, after });
  });
});
