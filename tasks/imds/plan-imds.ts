import { GetInstanceMetadataDefaultsCommand, type Instance } from '@aws-sdk/client-ec2';
import { createCloudWatchClient } from '../lib/clients/cloudwatch';
import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { TAG, tagValue } from '../lib/tags';
import type { ExecutionFacts, Outcome } from '../lib/types';
import { CHANGEABLE_STATES, instancesToAssess } from './lib/instances';
import { isEnforced, optionsOf, type MetadataOptions } from './lib/options';
import type { ImdsRequest } from './lib/schema';
import { v1UsageOf, type V1Use } from './lib/v1-usage';

const ec2 = createEc2Client();
const cloudwatch = createCloudWatchClient();

export interface ImdsPlanEvent {
  request: ImdsRequest;
  execution: ExecutionFacts;
}

export interface InstancePlan {
  instanceId: string;
  state: string;
  action: 'enforce' | 'compliant' | 'skipped';
  reason: string;
  before: MetadataOptions;
  v1Use?: V1Use;
}

export interface ImdsPlan {
  outcome: Outcome;
  /** What the approval request and the report name: the one instance, or `instances` / `account-default`. */
  target: string;
  instances: InstancePlan[];
  /** The instances apply changes: tagged remediation:lock before any change (spec lock.resourcesPath). */
  toEnforce: string[];
  /** The region's instance metadata defaults, when the input asks for them. */
  accountDefault?: { before: { httpTokens?: string }; change: boolean };
  warnings: string[];
  window: { days: number };
}

/** Why an instance is left as it is, if it is; undefined: it is enforced. */
function refusal(instance: Instance, use: V1Use | undefined, request: ImdsRequest, executionName: string): string | undefined {
  const state = instance.State?.Name ?? 'unknown';
  if (tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true') return `tagged ${TAG.exclude}=true`;
  if (!CHANGEABLE_STATES.includes(state)) return `${state}: only running or stopped instances are changed`;
  const holder = tagValue(instance.Tags, TAG.lock);
  if (holder && holder !== executionName) return `being remediated by ${holder} (${TAG.lock})`;
  if (use?.recent && !request.allowV1Breakage) {
    return `IMDSv1 used within ${request.v1UsageWindowDays} days (MetadataNoToken, last ${use.lastSeenAt ?? 'unknown'}): enforcing would break that software; update it to IMDSv2, or give allowV1Breakage: true`;
  }
  return undefined;
}

/**
 * Read-only: which instances allow IMDSv1 (HttpTokens optional) and whether their software used it recently
 * (CloudWatch MetadataNoToken). Excluded instances, instances neither running nor stopped, instances another
 * remediation holds and — unless allowV1Breakage — instances with recent IMDSv1 use are left out, each with its
 * reason: enforcing never breaks software silently. With accountDefault, the region's metadata defaults too.
 */
export const handler = async ({ request, execution }: ImdsPlanEvent): Promise<ImdsPlan> => {
  const wanted = request.instanceIds || request.allInstances ? await instancesToAssess(ec2, request.instanceIds) : [];
  const open = wanted.filter((i) => !isEnforced(optionsOf(i), request.httpPutResponseHopLimit));
  const usage = await v1UsageOf(cloudwatch, open.map((i) => i.InstanceId as string), request.v1UsageWindowDays);
  const instances = wanted.map((instance): InstancePlan => {
    const instanceId = instance.InstanceId as string;
    const before = optionsOf(instance);
    const base = { instanceId, state: instance.State?.Name ?? 'unknown', before, ...(usage.has(instanceId) ? { v1Use: usage.get(instanceId)! } : {}) };
    if (isEnforced(before, request.httpPutResponseHopLimit)) return { ...base, action: 'compliant', reason: 'IMDSv2 required already' };
    const why = refusal(instance, usage.get(instanceId), request, execution.name);
    return why ? { ...base, action: 'skipped', reason: why } : { ...base, action: 'enforce', reason: `HttpTokens ${before.httpTokens} -> required` };
  });
  const toEnforce = instances.filter((i) => i.action === 'enforce').map((i) => i.instanceId);
  let accountDefault: ImdsPlan['accountDefault'];
  if (request.accountDefault) {
    const httpTokens = (await ec2.send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel?.HttpTokens;
    accountDefault = { before: httpTokens ? { httpTokens } : {}, change: httpTokens !== 'required' };
  }
  const breaking = instances.filter((i) => i.v1Use?.recent);
  const warnings = breaking.map((i) => (i.action === 'enforce'
    ? `${i.instanceId}: IMDSv1 used within ${request.v1UsageWindowDays} days; allowV1Breakage: software that reads instance metadata without a token will fail`
    : `${i.instanceId}: IMDSv1 used within ${request.v1UsageWindowDays} days; left allowing IMDSv1 so its software keeps working`));
  if (accountDefault?.change) warnings.push('new instances launched in this region will require IMDSv2 unless their launch asks otherwise');
  const changes = toEnforce.length > 0 || accountDefault?.change === true;
  const outcome: Outcome = !changes ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  const target = request.instanceIds?.length === 1 ? request.instanceIds[0]! : request.instanceIds || request.allInstances ? 'instances' : 'account-default';
  logger.info('plan ready', { outcome, instances: instances.length, toEnforce: toEnforce.length, accountDefault });
  return { outcome, target, instances, toEnforce, ...(accountDefault ? { accountDefault } : {}), warnings, window: { days: request.v1UsageWindowDays } };
};
