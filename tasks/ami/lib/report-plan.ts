import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { findInstances } from '../../lib/ec2';
import { ResourceNotFoundError } from '../../lib/errors';
import { assessFreshness, type Finding, type InstanceFreshness } from './freshness';
import type { RefreshAmiContext, ReportPlan } from './types';

/** Instances listed in one report at most (the output stays far inside Step Functions' 256 KB); the rest are counted. */
export const REPORT_LIMIT = 200;
const LIVE = ['pending', 'running', 'stopping', 'stopped'];

const count = (all: InstanceFreshness[], finding: Finding) => all.filter((i) => i.findings.includes(finding)).length;

/** Read-only: the freshness of each instance's AMI. It changes nothing, so apply and plan differ only in the outcome's name. */
export async function planReport(ec2: EC2Client, ssm: SSMClient, { request }: RefreshAmiContext, now = new Date()): Promise<ReportPlan> {
  const ids = request.instanceIds;
  const filters = [{ Name: 'instance-state-name', Values: LIVE }, ...(ids ? [{ Name: 'instance-id', Values: ids }] : [])];
  const instances: Instance[] = await findInstances(ec2, filters);
  const missing = (ids ?? []).filter((id) => !instances.some((i) => i.InstanceId === id));
  if (missing.length > 0) throw new ResourceNotFoundError(`no such instance (or terminated) in this account and region: ${missing.join(', ')}`);
  const all = (await assessFreshness(ec2, ssm, instances, request.maxAgeDays, now)).sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const flagged = all.filter((i) => i.findings.length > 0);
  const listed = [...flagged, ...all.filter((i) => i.findings.length === 0)].slice(0, REPORT_LIMIT);
  return {
    action: 'report', outcome: request.mode === 'plan' ? 'PLANNED' : 'NO_ACTION', target: ids ? ids.join(',') : 'all-instances', maxAgeDays: request.maxAgeDays,
    counts: {
      instances: all.length, flagged: flagged.length, old: count(all, 'old'), deprecated: count(all, 'deprecated'),
      deregistered: count(all, 'deregistered'), notLatest: count(all, 'not-latest'), familyRetired: count(all, 'family-retired'),
    },
    instances: listed, omitted: all.length - listed.length,
  };
}
