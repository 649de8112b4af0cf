import { handler, type BuildReportEvent } from '../../../tasks/config/build-report';
import type { ConfigPlan } from '../../../tasks/config/preflight';
import { desired, request, SLR_ARN } from './fixtures';

const execution = { name: 'enable-config-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };
const plan = (outcome: ConfigPlan['outcome'], before: ConfigPlan['before'] = {}): ConfigPlan => ({
  outcome, region: 'us-east-1', homeRegion: 'us-east-1', role: 'AWSServiceRoleForConfig', before, desired: desired(),
  differences: [], overwriteRequired: false, steps: outcome === 'NO_ACTION' ? [] : ['start-configuration-recorder default'],
});
const after = {
  recorder: { name: 'default', roleARN: SLR_ARN, allSupported: true, includeGlobalResourceTypes: true },
  status: { recording: true, lastStatus: 'PENDING' },
  channel: { name: 'default', s3BucketName: 'b', deliveryFrequency: 'TwentyFour_Hours' },
};

describe('build-report (enable-config)', () => {
  it('lists each change with the preflight before and the verified after', async () => {
    const event: BuildReportEvent = {
      request: request(), execution, plan: plan('PROCEED', { recorder: { name: 'default', allSupported: false, includeGlobalResourceTypes: false } }),
      work: {
        role: { roleArn: SLR_ARN, created: true, at: 't1' },
        recorder: { name: 'default', roleArn: SLR_ARN, at: 't2' },
        channel: { name: 'default', s3BucketName: 'b', at: 't3' },
        start: { name: 'default', startedAt: 't4' },
        polls: { recording: { status: 'completed', count: 1, startedAt: 't5', waitSeconds: 5, maxPolls: 12, after } },
      },
    };

    const report = await handler(event);

    expect(report).toMatchObject({ workflow: 'enable-config', target: 'us-east-1', execution: execution.name, outcome: 'REMEDIATED', mode: 'apply', trigger: { source: 'console' }, after });
    expect(report.actions).toEqual([
      { action: 'create-service-linked-role', resourceId: SLR_ARN, after: { roleArn: SLR_ARN }, at: 't1' },
      { action: 'put-configuration-recorder', resourceId: 'default', before: { name: 'default', allSupported: false, includeGlobalResourceTypes: false }, after: after.recorder, at: 't2' },
      { action: 'put-delivery-channel', resourceId: 'default', after: after.channel, at: 't3' },
      { action: 'start-configuration-recorder', resourceId: 'default', before: { recording: false }, after: after.status, at: 't4' },
    ]);
  });

  it.each(['NO_ACTION', 'PLANNED'] as const)('%s has the plan and no actions', async (outcome) => {
    const report = await handler({ request: request(), execution, plan: plan(outcome), work: {} });

    expect(report.outcome).toBe(outcome);
    expect(report.actions).toEqual([]);
    expect(report.plan.desired).toEqual(desired());
    expect(report.after).toBeUndefined();
  });
});
