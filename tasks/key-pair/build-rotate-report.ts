import type { ApprovalRecord } from '../approval/verify-approver';
import { readEnv, requiredString } from '../lib/env';
import { reportAction, reportHeader } from '../lib/report';
import type { ExecutionFacts, ReportAction, WorkflowReport } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { KEY_PAIR_READER_ROLE_ENV } from './lib/env';
import type { CreatedKeyPair } from './create-key-pair';
import type { OldKeyPairDeleted } from './delete-old-key-pair';
import type { OldKeyPair, RotationPlan } from './lib/plan';
import type { RotateKeyPairInput } from './lib/schema';
import type { KeyPairVerified } from './verify-key-pair';

const { [KEY_PAIR_READER_ROLE_ENV]: READER_ROLE } = readEnv({ [KEY_PAIR_READER_ROLE_ENV]: requiredString });

export interface BuildRotateReportEvent {
  request: RotateKeyPairInput;
  execution: ExecutionFacts;
  plan: RotationPlan;
  work: { created?: CreatedKeyPair; verified?: KeyPairVerified; deletedOld?: OldKeyPairDeleted; approval?: ApprovalRecord };
}

export interface RotateReport extends WorkflowReport {
  instanceId: string;
  /** The instance's key pair name as EC2 reports it. */
  keyName?: string;
  /** The old key pair as EC2 held it (fingerprint, public key). */
  oldKeyPair?: OldKeyPair;
  ssmManaged: boolean;
  reason?: string;
  /** Not SSM-managed: rotation is manual, these are its steps. */
  manualSteps?: string[];
  planned?: { newKeyName: string; parameterName: string; osUser: string };
  newKeyPair?: { keyName: string; keyPairId: string; keyFingerprint: string; publicKey: string };
  privateKey?: { parameterName: string; type: 'SecureString'; kmsKeyArn: string; readableBy: string };
  /** EC2 keeps an instance's KeyName for its life: it goes on naming the old key pair. */
  note?: string;
  /** The old key pair kept: these instances were launched with it too; rotate each, the last rotation deletes it. */
  oldKeyPairKeptFor?: string[];
  approval?: ApprovalRecord;
}

const keyNameNote = (plan: RotationPlan) =>
  `the instance's KeyName metadata stays ${plan.keyName}: EC2 cannot change it; the key that logs in is now ${plan.newKeyName}`;

/** The execution's output: the key pair found, and what was done or what a person must do. */
export const handler = async ({ request, execution, plan, work }: BuildRotateReportEvent): Promise<RotateReport> => {
  const header = reportHeader(WORKFLOW.rotateKeyPair, plan.target, request, execution, plan.outcome);
  const { created, deletedOld, verified } = work;
  const target = plan.instanceId;
  const actions: ReportAction[] = [];
  if (created) {
    actions.push(reportAction('import-key-pair', created.keyName, created.at, undefined, { keyPairId: created.keyPairId, keyFingerprint: created.keyFingerprint }));
    actions.push(reportAction('put-private-key-parameter', created.parameterName, created.at, undefined, { type: 'SecureString', kmsKeyArn: created.kmsKeyArn }));
  }
  if (verified) {
    actions.push(reportAction('replace-authorized-keys', `${target}:~${plan.osUser}/.ssh/authorized_keys`, verified.at,
      { key: plan.oldKeyPair?.keyFingerprint }, { key: created?.keyFingerprint, onInstance: verified.onInstance }));
  }
  if (deletedOld && !deletedOld.keptFor) {
    actions.push(reportAction('delete-key-pair', deletedOld.deleted.keyName, deletedOld.at,
      { keyPairId: deletedOld.deleted.keyPairId, keyFingerprint: deletedOld.deleted.keyFingerprint, publicKey: deletedOld.deleted.publicKey }, { present: false }));
  }
  return {
    ...header, instanceId: target, ssmManaged: plan.ssmManaged,
    ...(plan.keyName ? { keyName: plan.keyName } : {}), ...(plan.oldKeyPair ? { oldKeyPair: plan.oldKeyPair } : {}),
    ...(plan.reason ? { reason: plan.reason } : {}), ...(plan.manualSteps ? { manualSteps: plan.manualSteps } : {}),
    ...(plan.outcome === 'PLANNED' && plan.newKeyName && plan.parameterName ? { planned: { newKeyName: plan.newKeyName, parameterName: plan.parameterName, osUser: plan.osUser } } : {}),
    ...(created ? {
      newKeyPair: { keyName: created.keyName, keyPairId: created.keyPairId, keyFingerprint: created.keyFingerprint, publicKey: created.publicKey },
      privateKey: { parameterName: created.parameterName, type: 'SecureString' as const, kmsKeyArn: created.kmsKeyArn, readableBy: READER_ROLE },
    } : {}),
    ...(header.outcome === 'REMEDIATED' ? { note: keyNameNote(plan) } : {}),
    ...(deletedOld?.keptFor ? { oldKeyPairKeptFor: deletedOld.keptFor } : {}),
    ...(work.approval ? { approval: work.approval } : {}),
    actions,
  };
};
