import { logger } from '../lib/logger';
import { reportAction, reportHeader } from '../lib/report';
import type { WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { AmiPlan, BackupWork, RefreshAmiContext, ReportPlan } from './lib/types';

export interface BuildRefreshAmiReportEvent extends RefreshAmiContext {
  plan: AmiPlan;
  work: BackupWork;
}

export interface RefreshAmiReport extends WorkflowReport {
  action: AmiPlan['action'];
  plan: AmiPlan;
  /** backup: the image (created, or found from an earlier run) and what verify read. */
  image?: { imageId: string; name: string; resumed: boolean; snapshots: NonNullable<BackupWork['verified']>['snapshots'] };
  /** report: per instance, its AMI's findings. */
  freshness?: Pick<ReportPlan, 'maxAgeDays' | 'counts' | 'instances' | 'omitted'>;
  /** This workflow replaces no instance: a new AMI reaches instances through their launch template. */
  note: string;
}

const NOTE = 'refresh-ami never replaces or restarts instances for a new AMI: roll it out through the launch template (or Auto Scaling instance refresh)';

/** The report: what was imaged (or found), or which instances run an outdated AMI. */
export const handler = async ({ request, execution, plan, work }: BuildRefreshAmiReportEvent): Promise<RefreshAmiReport> => {
  const header = reportHeader(WORKFLOW.refreshAmi, plan.target, request, execution, plan.outcome);
  const base = { ...header, action: plan.action, plan, note: NOTE };
  if (plan.action === 'report') {
    const report: RefreshAmiReport = { ...base, actions: [], freshness: { maxAgeDays: plan.maxAgeDays, counts: plan.counts, instances: plan.instances, omitted: plan.omitted } };
    logger.info('report', { outcome: report.outcome, flagged: plan.counts.flagged });
    return report;
  }
  const { image, verified } = work;
  const created = image && verified && !image.resumed;
  const actions = created ? [reportAction('create-image', plan.instanceId, image.at,
    { instanceState: plan.instanceState }, { imageId: image.imageId, name: image.imageName, noReboot: plan.noReboot, rebooted: plan.reboots, snapshots: verified.snapshots.map((s) => s.snapshotId) })] : [];
  const report: RefreshAmiReport = {
    ...base,
    // A resumed wait created nothing in this execution: NO_ACTION, the image named.
    outcome: header.outcome === 'REMEDIATED' && !created ? 'NO_ACTION' : header.outcome,
    actions,
    ...(image && verified ? { image: { imageId: image.imageId, name: image.imageName, resumed: image.resumed, snapshots: verified.snapshots } } : {}),
    ...(!image && plan.existing ? { image: { imageId: plan.existing.imageId, name: plan.imageName, resumed: true, snapshots: [] } } : {}),
  };
  logger.info('report', { outcome: report.outcome, actions: actions.length });
  return report;
};
