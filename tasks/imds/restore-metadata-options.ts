import { ModifyInstanceMetadataDefaultsCommand, ModifyInstanceMetadataOptionsCommand, type HttpTokensState } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { ErrorNames } from '../lib/errors';
import { logger } from '../lib/logger';
import type { ExecutionFacts } from '../lib/types';
import { WORKFLOW } from '../lib/workflow-names';
import { describeByIds } from './lib/instances';
import { optionsOf } from './lib/options';
import type { ImdsPlan } from './plan-imds';

const ec2 = createEc2Client();

export interface RestoreEvent {
  plan: ImdsPlan;
  execution: ExecutionFacts;
  error: { Error?: string; Cause?: string };
}

interface Undo {
  resourceId: string;
  status: 'restored' | 'unchanged' | 'failed';
  error?: string;
  whatToDo?: string;
}

export interface Restored {
  error: typeof ErrorNames.remediationRolledBack | typeof ErrorNames.rollbackFailed;
  cause: string;
}

const failed = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

/**
 * A failure after the first change: each planned instance whose options differ from what the plan read is put back
 * (its HttpTokens and hop limit), every one attempted even if another fails; the account default, where changed, too.
 * All put back → RemediationRolledBack; anything not → RollbackFailedError with what a person must do. A re-run finds
 * them as before and changes nothing.
 */
export const handler = async ({ plan, execution, error }: RestoreEvent): Promise<Restored> => {
  const now = await describeByIds(ec2, plan.toEnforce);
  const undone: Undo[] = [];
  for (const instance of plan.instances.filter((i) => plan.toEnforce.includes(i.instanceId))) {
    const current = optionsOf(now.get(instance.instanceId) ?? {});
    const { httpTokens, hopLimit } = instance.before;
    if (current.httpTokens === httpTokens && current.hopLimit === hopLimit) {
      undone.push({ resourceId: instance.instanceId, status: 'unchanged' });
      continue;
    }
    try {
      await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: instance.instanceId, HttpTokens: httpTokens as HttpTokensState, HttpPutResponseHopLimit: hopLimit }));
      undone.push({ resourceId: instance.instanceId, status: 'restored' });
    } catch (e) {
      undone.push({
        resourceId: instance.instanceId, status: 'failed', error: failed(e),
        whatToDo: `aws ec2 modify-instance-metadata-options --instance-id ${instance.instanceId} --http-tokens ${httpTokens} --http-put-response-hop-limit ${hopLimit}`,
      });
    }
  }
  if (plan.accountDefault?.change) {
    const before = plan.accountDefault.before.httpTokens ?? 'no-preference';
    try {
      await ec2.send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: before as 'optional' | 'required' | 'no-preference' }));
      undone.push({ resourceId: 'account-default', status: 'restored' });
    } catch (e) {
      undone.push({ resourceId: 'account-default', status: 'failed', error: failed(e), whatToDo: `aws ec2 modify-instance-metadata-defaults --http-tokens ${before}` });
    }
  }
  const restored = undone.every((u) => u.status !== 'failed');
  const report = {
    workflow: WORKFLOW.enforceImdsv2, execution: execution.name, error: { error: error.Error, cause: error.Cause }, undone, restored,
    whatToDo: undone.flatMap((u) => (u.whatToDo ? [u.whatToDo] : [])),
  };
  logger.info('rollback finished', { restored, undone: undone.length });
  return { error: restored ? ErrorNames.remediationRolledBack : ErrorNames.rollbackFailed, cause: JSON.stringify(report) };
};
