import { reportAction, reportHeader } from '../lib/report';
import type { ReportAction, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { ModifyInstanceTypeResult } from './modify-instance-type';
import type { PutAlarmResult } from './put-alarm';
import type { RollbackPoll } from './rollback-resize';
import type { Verification } from './verify-high-cpu';
import type { HighCpuPlan, RunContext } from './lib/types';

export interface HighCpuWork {
  alarm?: PutAlarmResult;
  resize?: ModifyInstanceTypeResult;
  stop?: { at: string };
  start?: { at: string };
  statusChecks?: { system?: string; instance?: string };
  verification?: Verification;
  /** What failed, and the rollback that followed. */
  error?: { Error?: string; Cause?: string };
}

export interface HighCpuReport extends WorkflowReport {
  plan: HighCpuPlan;
  verification?: Verification;
  /** Present when the resize failed and was undone (the execution then fails RemediationRolledBack with this report). */
  rolledBack?: { error: string; cause: string; restored: string[]; alarmKept: boolean; instanceType: string; state: string };
}

/** The audit record (DESIGN.md "Workflow output"): the alarm's before/after, the resize, or what was undone. */
export interface BuildReportEvent extends RunContext {
  plan: HighCpuPlan;
  work: HighCpuWork;
  /** The rollback's last poll, on the rollback path only. */
  rollback?: RollbackPoll;
}

export const handler = async ({ request, execution, plan, work, rollback }: BuildReportEvent): Promise<HighCpuReport> => {
  const actions: ReportAction[] = [];
  if (work.alarm && work.alarm.change !== 'none') {
    actions.push(reportAction(`${work.alarm.change}-alarm`, work.alarm.alarmName, work.alarm.at, work.alarm.before as unknown as Record<string, unknown> | undefined, work.alarm.after as unknown as Record<string, unknown>));
  }
  if (work.stop) actions.push(reportAction('stop-instance', plan.instanceId, work.stop.at));
  if (work.resize) {
    actions.push(reportAction('modify-instance-type', plan.instanceId, work.resize.resizedAt, { instanceType: work.resize.from }, { instanceType: work.resize.to }));
  }
  if (work.start) actions.push(reportAction('start-instance', plan.instanceId, work.start.at));
  return {
    ...reportHeader(WORKFLOW.highCpu, plan.instanceId, request, execution, plan.outcome),
    actions,
    plan,
    ...(work.verification ? { verification: work.verification } : {}),
    ...(rollback ? {
      rolledBack: {
        error: work.error?.Error ?? 'unknown', cause: work.error?.Cause ?? '', restored: rollback.done,
        // The alarm only watches: it is kept whatever became of the resize.
        alarmKept: Boolean(work.alarm && work.alarm.change !== 'none'), instanceType: rollback.instanceType, state: rollback.state,
      },
    } : {}),
  };
};
