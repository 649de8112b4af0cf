import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import type { RecordingCheck } from './check-recording';
import type { ServiceLinkedRole } from './ensure-service-linked-role';
import type { ConfigPlan } from './preflight';
import type { ChannelPut } from './put-delivery-channel';
import type { RecorderPut } from './put-recorder';
import { type EnableConfigRequest } from './schema';
import type { RecorderStarted } from './start-recorder';
import { reportAction, reportHeader, reportOutcome } from '../lib/report';
import { WORKFLOW } from '../lib/workflow-names';

export interface BuildReportEvent {
  request: EnableConfigRequest;
  execution: ExecutionFacts;
  plan: ConfigPlan;
  work: {
    role?: ServiceLinkedRole;
    recorder?: RecorderPut;
    channel?: ChannelPut;
    start?: RecorderStarted;
    polls?: { recording?: RecordingCheck };
  };
}

export interface EnableConfigReport extends WorkflowReport {
  plan: Pick<ConfigPlan, 'region' | 'homeRegion' | 'role' | 'desired' | 'differences' | 'overwriteRequired' | 'steps'>;
  before: ConfigPlan['before'];
  after?: RecordingCheck['after'];
}

/** The execution's output: the plan, and for apply each change with the before (preflight) and after (verify) state. */
export const handler = async ({ request, execution, plan, work }: BuildReportEvent): Promise<EnableConfigReport> => {
  const outcome = reportOutcome(plan.outcome);
  const after = work.polls?.recording?.after;
  const report: EnableConfigReport = {
    ...reportHeader(WORKFLOW.enableConfig, plan.region, request, execution, plan.outcome),
    plan: {
      region: plan.region, homeRegion: plan.homeRegion, role: plan.role, desired: plan.desired,
      differences: plan.differences, overwriteRequired: plan.overwriteRequired, steps: plan.steps,
    },
    before: plan.before,
    actions: outcome === 'REMEDIATED' ? actionsOf(plan, work) : [],
  };
  if (after) report.after = after;
  return report;
};

const record = (value: object | undefined): Record<string, unknown> | undefined =>
  value ? { ...(value as Record<string, unknown>) } : undefined;

function actionsOf(plan: ConfigPlan, work: BuildReportEvent['work']): ReportAction[] {
  const after = work.polls?.recording?.after;
  const actions: ReportAction[] = [];
  const push = (...entry: Parameters<typeof reportAction>) => actions.push(reportAction(...entry));
  if (work.role?.created) push('create-service-linked-role', work.role.roleArn, work.role.at, undefined, { roleArn: work.role.roleArn });
  if (work.recorder) push('put-configuration-recorder', work.recorder.name, work.recorder.at, record(plan.before.recorder), record(after?.recorder));
  if (work.channel) push('put-delivery-channel', work.channel.name, work.channel.at, record(plan.before.channel), record(after?.channel));
  if (work.start) {
    push('start-configuration-recorder', work.start.name, work.start.startedAt,
      { recording: plan.before.status?.recording ?? false, ...(plan.before.status?.lastStatus ? { lastStatus: plan.before.status.lastStatus } : {}) },
      record(after?.status));
  }
  return actions;
}
