import { handler } from '../../../tasks/ami/build-refresh-ami-report';
import type { ReportPlan } from '../../../tasks/ami/lib/types';
import { IMAGE_ID, IMAGE_NAME, INSTANCE_ID, SNAPSHOT_ID, backupPlan, context } from './fixtures';

const created = { imageId: IMAGE_ID, imageName: IMAGE_NAME, resumed: false, at: '2026-03-01T12:01:00.000Z' };
const verified = { imageId: IMAGE_ID, state: 'available', snapshots: [{ snapshotId: SNAPSHOT_ID, state: 'completed', sizeGiB: 8 }], tags: [] };
const NOTE = 'refresh-ami never replaces or restarts instances for a new AMI: roll it out through the launch template (or Auto Scaling instance refresh)';

describe('build-refresh-ami-report', () => {
  it('a created, verified image: REMEDIATED, one create-image action with the reboot said', async () => {
    // Act
    const report = await handler({ ...context({ action: 'backup', instanceId: INSTANCE_ID }), plan: backupPlan(), work: { image: created, verified } });

    // Assess
    expect(report).toMatchObject({
      workflow: 'refresh-ami', target: INSTANCE_ID, outcome: 'REMEDIATED', action: 'backup', note: NOTE,
      image: { imageId: IMAGE_ID, name: IMAGE_NAME, resumed: false, snapshots: verified.snapshots },
      actions: [{ action: 'create-image', resourceId: INSTANCE_ID, before: { instanceState: 'running' }, after: { imageId: IMAGE_ID, name: IMAGE_NAME, noReboot: false, rebooted: true, snapshots: [SNAPSHOT_ID] }, at: created.at }],
    });
  });

  it('a wait resumed on an earlier run\'s image created nothing: NO_ACTION; an available one found by name is named', async () => {
    // Act
    const resumed = await handler({ ...context({ action: 'backup', instanceId: INSTANCE_ID }), plan: backupPlan(), work: { image: { ...created, resumed: true }, verified } });
    const found = await handler({
      ...context({ action: 'backup', instanceId: INSTANCE_ID }), plan: backupPlan({ outcome: 'NO_ACTION', existing: { imageId: IMAGE_ID, state: 'available' } }), work: {},
    });

    // Assess
    expect(resumed).toMatchObject({ outcome: 'NO_ACTION', actions: [], image: { imageId: IMAGE_ID, resumed: true } });
    expect(found).toMatchObject({ outcome: 'NO_ACTION', actions: [], image: { imageId: IMAGE_ID, name: IMAGE_NAME, resumed: true, snapshots: [] } });
  });

  it('a report: its findings and counts, no actions', async () => {
    // Prepare
    const plan: ReportPlan = {
      action: 'report', outcome: 'NO_ACTION', target: 'all-instances', maxAgeDays: 90, omitted: 0,
      counts: { instances: 1, flagged: 1, old: 1, deprecated: 0, deregistered: 0, notLatest: 0, familyRetired: 0 },
      instances: [{ instanceId: INSTANCE_ID, state: 'running', imageId: 'ami-0aaaaaaaaaaaaaaa1', findings: ['old'] }],
    };

    // Act
    const report = await handler({ ...context({ action: 'report', allInstances: true }), plan, work: {} });

    // Assess
    expect(report).toMatchObject({ outcome: 'NO_ACTION', target: 'all-instances', actions: [], note: NOTE, freshness: { maxAgeDays: 90, counts: plan.counts, instances: plan.instances, omitted: 0 } });
  });
});
