import { DisableEbsEncryptionByDefaultCommand, ModifyEbsDefaultKmsKeyIdCommand, ResetEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { ErrorNames } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import type { EbsDefaultPlan } from './plan-ebs-default';
import { isAwsManagedEbsKey, readEbsDefaults, type EbsDefaults } from './lib/settings';

const ec2 = createEc2Client();

export interface RestoreEvent {
  plan: EbsDefaultPlan;
  execution: ExecutionFacts;
  /** The failure that led here (Step Functions' Catch: Error, Cause). */
  error: { Error?: string; Cause?: string };
}

interface Undo {
  action: 'restore-default-kms-key' | 'disable-encryption-by-default';
  status: 'restored' | 'failed';
  error?: string;
}

export interface Restored {
  error: typeof ErrorNames.remediationRolledBack | typeof ErrorNames.rollbackFailed;
  /** The rollback report, as JSON (the Fail state's cause). */
  cause: string;
}

async function attempt(action: Undo['action'], call: () => Promise<unknown>): Promise<Undo> {
  try {
    await call();
    return { action, status: 'restored' };
  } catch (error) {
    return { action, status: 'failed', error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

const sameKey = (now: string, before: EbsDefaults & { kmsKeyArn?: string }) =>
  now === before.kmsKeyId || now === before.kmsKeyArn || (isAwsManagedEbsKey(now) && isAwsManagedEbsKey(before.kmsKeyId));

/**
 * A failure after a change: put back the region's prior settings, each step attempted even if the other fails —
 * the prior default key (ResetEbsDefaultKmsKeyId when it was the AWS managed one), then encryption off again if it
 * was off. Reads both settings back: all as before → RemediationRolledBack, else RollbackFailedError, the cause
 * saying what a person must do. Re-running it finds the prior state and changes nothing.
 */
export const handler = async ({ plan, execution, error }: RestoreEvent): Promise<Restored> => {
  const { before } = plan;
  const now = await readEbsDefaults(ec2);
  const undone: Undo[] = [];
  if (!sameKey(now.kmsKeyId, before)) {
    undone.push(await attempt('restore-default-kms-key', () => (isAwsManagedEbsKey(before.kmsKeyId)
      ? ec2.send(new ResetEbsDefaultKmsKeyIdCommand({}))
      : ec2.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: before.kmsKeyArn ?? before.kmsKeyId })))));
  }
  if (!before.encryptionByDefault && now.encryptionByDefault) {
    undone.push(await attempt('disable-encryption-by-default', () => ec2.send(new DisableEbsEncryptionByDefaultCommand({}))));
  }
  const after = await readEbsDefaults(ec2);
  const restored = after.encryptionByDefault === before.encryptionByDefault && sameKey(after.kmsKeyId, before);
  const whatToDo = restored ? [] : [
    ...(after.encryptionByDefault === before.encryptionByDefault ? [] : [`aws ec2 ${before.encryptionByDefault ? 'enable' : 'disable'}-ebs-encryption-by-default`]),
    ...(sameKey(after.kmsKeyId, before) ? [] : [isAwsManagedEbsKey(before.kmsKeyId)
      ? 'aws ec2 reset-ebs-default-kms-key-id'
      : `aws ec2 modify-ebs-default-kms-key-id --kms-key-id ${before.kmsKeyArn ?? before.kmsKeyId}`]),
  ];
  const report = {
    workflow: WORKFLOW.enableEbsEncryptionByDefault, execution: execution.name,
    error: { error: error.Error, cause: error.Cause }, before, after, undone, restored, whatToDo,
  };
  logger.info('rollback finished', { restored, undone });
  return { error: restored ? ErrorNames.remediationRolledBack : ErrorNames.rollbackFailed, cause: JSON.stringify(report) };
};
