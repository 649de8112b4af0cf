import { ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { InstanceChangedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import { describeByIds } from './lib/instances';
import { isEnforced, optionsOf } from './lib/options';
import type { ImdsRequest } from './lib/schema';
import type { ImdsPlan } from './plan-imds';

const ec2 = createEc2Client();

export interface EnforceEvent {
  request: Pick<ImdsRequest, 'httpPutResponseHopLimit'>;
  plan: Pick<ImdsPlan, 'toEnforce'>;
}

export interface Enforced {
  instanceId: string;
  status: 'changed' | 'unchanged';
  at: string;
}

/**
 * ModifyInstanceMetadataOptions (HttpTokens required, the hop limit when given) on each planned instance, one at a time.
 * Re-reads them first: one tagged remediation:exclude=true since the plan stops the run before any change to it
 * (InstanceChangedError, and the rollback puts back what was changed); one already enforced is left (a retry).
 */
export const handler = async ({ request, plan }: EnforceEvent): Promise<Enforced[]> => {
  const now = await describeByIds(ec2, plan.toEnforce);
  const done: Enforced[] = [];
  for (const instanceId of plan.toEnforce) {
    const instance = now.get(instanceId);
    if (!instance) throw new InstanceChangedError(`${instanceId} no longer exists; nothing further was changed`);
    if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') {
      throw new InstanceChangedError(`${instanceId} was tagged ${TAG.exclude}=true after the plan; nothing further was changed`);
    }
    const at = new Date().toISOString();
    if (isEnforced(optionsOf(instance), request.httpPutResponseHopLimit)) {
      done.push({ instanceId, status: 'unchanged', at });
      continue;
    }
    await ec2.send(new ModifyInstanceMetadataOptionsCommand({
      InstanceId: instanceId, HttpTokens: 'required',
      ...(request.httpPutResponseHopLimit === undefined ? {} : { HttpPutResponseHopLimit: request.httpPutResponseHopLimit }),
    }));
    done.push({ instanceId, status: 'changed', at });
  }
  logger.info('IMDSv2 required', { changed: done.filter((d) => d.status === 'changed').length, unchanged: done.filter((d) => d.status === 'unchanged').length });
  return done;
};
