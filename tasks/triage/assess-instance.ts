import { paginateDescribeFlowLogs, paginateDescribeSecurityGroups, type Instance, type IpPermission } from '@aws-sdk/client-ec2';
import { createCloudWatchClient } from '../lib/clients/cloudwatch';
import { createEc2Client } from '../lib/clients/ec2';
import { describeInstance, describeVolumes } from '../lib/ec2';
import { commaList, jsonValue, readEnv } from '../lib/env';
import { ResourceNotFoundError } from '../lib/errors';
import { TAG, tagValue } from '../lib/tags';
import { principalAllowed as isAllowed } from './lib/containment';
import { hygieneOf, regionOf, type HygieneFindings } from './lib/hygiene';
import { DEFAULT_TRIAGE_POLICY, type TriageDecision, type TriagePolicy } from './lib/policy';

const ec2 = createEc2Client();
const cloudwatch = createCloudWatchClient();
/** Principals (ARN prefixes) allowed to start instances; others are a finding. */
const { ALLOWED_PRINCIPALS, TRIAGE_POLICY: POLICY } = readEnv({
  ALLOWED_PRINCIPALS: commaList,
  TRIAGE_POLICY: jsonValue<TriagePolicy>(DEFAULT_TRIAGE_POLICY),
});
export type { TriageDecision };

export interface AssessInstanceEvent {
  instanceId: string;
  principalArn: string;
}

export interface Assessment {
  instanceId: string;
  found: boolean;
  state?: string;
  excluded: boolean;
  unencryptedVolumes: string[];
  openSecurityGroups: { groupId: string; ports: string[] }[];
  principalAllowed: boolean;
  /** IMDSv1 allowed, EBS encryption by default, the CPU alarm (tasks/triage/lib/hygiene.ts). */
  hygiene?: Omit<HygieneFindings, 'remediations'>;
  /** The child workflows that apply, and whether triage starts them. */
  remediations: { workflow: string; decision: TriageDecision; reason: string; target: string }[];
}

const openToWorld = (p: IpPermission) =>
  (p.IpRanges ?? []).some((r) => r.CidrIp === '0.0.0.0/0') || (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === '::/0');
const portsOf = (p: IpPermission) => (p.IpProtocol === '-1' ? 'all' : `${p.IpProtocol}/${p.FromPort}-${p.ToPort}`);

async function hasActiveFlowLog(resourceIds: string[]): Promise<boolean> {
  // Every page: EC2 may answer a filtered call with a short (even empty) page and a NextToken.
  for await (const page of paginateDescribeFlowLogs({ client: ec2 }, { Filter: [{ Name: 'resource-id', Values: resourceIds }] })) {
    if ((page.FlowLogs ?? []).some((f) => f.FlowLogStatus === 'ACTIVE')) return true;
  }
  return false;
}

const decisionOf = (workflow: keyof typeof DEFAULT_TRIAGE_POLICY): TriageDecision => POLICY[workflow] ?? DEFAULT_TRIAGE_POLICY[workflow];

/** An unexpected start: look at the instance's traffic (read-only), once a flow log records its ENIs (VPC, subnet or ENI). */
async function investigation(instance: Instance, instanceId: string, principalArn: string): Promise<Assessment['remediations'][number]> {
  const enis = (instance.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).filter((id): id is string => !!id);
  const resources = [instance.VpcId, instance.SubnetId, ...enis].filter((id): id is string => !!id);
  const reason = `started by ${principalArn}, who is not on the allow-list`;
  if (resources.length > 0 && (await hasActiveFlowLog(resources))) {
    return { workflow: 'investigate-traffic', decision: decisionOf('investigate-traffic'), reason, target: instanceId };
  }
  // Without a flow log it would fail (PreconditionFailedError): reported, with what comes first.
  return { workflow: 'investigate-traffic', decision: 'report', reason: `${reason}; no flow log records its traffic yet (enable-flow-logs first)`, target: instanceId };
}

/**
 * World-open groups: restrict-security-groups on the instance's groups under `auto`. It has no approval gate
 * (its input takes no `approval`), so `approval` cannot ask a person first: it is reported, and says so.
 */
function restriction(groups: Assessment['openSecurityGroups'], instanceId: string): Assessment['remediations'][number] {
  const reason = `security group(s) open to the world: ${groups.map((g) => `${g.groupId} (${g.ports.join(', ')})`).join(', ')}`;
  const decision = decisionOf('restrict-security-groups');
  if (decision !== 'approval') return { workflow: 'restrict-security-groups', decision, reason, target: instanceId };
  return { workflow: 'restrict-security-groups', decision: 'report', reason: `${reason}; policy approval is reported only (restrict-security-groups has no approval gate)`, target: instanceId };
}

/** Read-only: what applies to one started instance. */
export const handler = async ({ instanceId, principalArn }: AssessInstanceEvent): Promise<Assessment> => {
  const principalAllowed = isAllowed(ALLOWED_PRINCIPALS, principalArn);
  let instance;
  try {
    instance = await describeInstance(ec2, instanceId);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) throw error;
    return { instanceId, found: false, excluded: false, unencryptedVolumes: [], openSecurityGroups: [], principalAllowed, remediations: [] };
  }
  const volumeIds = (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((id): id is string => !!id);
  const unencryptedVolumes = (await describeVolumes(ec2, volumeIds)).filter((v) => !v.Encrypted).map((v) => v.VolumeId as string);
  const groupIds = (instance.SecurityGroups ?? []).map((g) => g.GroupId as string);
  const openSecurityGroups: Assessment['openSecurityGroups'] = [];
  if (groupIds.length > 0) {
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { GroupIds: groupIds })) {
      for (const group of page.SecurityGroups ?? []) {
        const open = (group.IpPermissions ?? []).filter(openToWorld).map(portsOf);
        if (open.length > 0) openSecurityGroups.push({ groupId: group.GroupId as string, ports: open });
      }
    }
  }
  const excluded = tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true';
  const remediations: Assessment['remediations'] = [];
  if (unencryptedVolumes.length > 0 && !excluded) {
    remediations.push({
      workflow: 'encrypt-volumes',
      decision: decisionOf('encrypt-volumes'),
      reason: `${unencryptedVolumes.length} unencrypted EBS volume(s)`,
      target: instanceId,
    });
  }
  // Without flow logs there is no record of the instance's traffic; enabling them changes nothing it runs.
  if (instance.VpcId && !excluded && !(await hasActiveFlowLog([instance.VpcId]))) {
    remediations.push({
      workflow: 'enable-flow-logs', decision: decisionOf('enable-flow-logs'), reason: `VPC ${instance.VpcId} has no active flow log`, target: instance.VpcId,
    });
  }
  if (openSecurityGroups.length > 0 && !excluded) remediations.push(restriction(openSecurityGroups, instanceId));
  if (!principalAllowed && !excluded) remediations.push(await investigation(instance, instanceId, principalArn));
  const { remediations: hygieneRemediations, ...hygiene } = await hygieneOf(ec2, instance, regionOf(), decisionOf, cloudwatch);
  if (!excluded) remediations.push(...hygieneRemediations);

  return { instanceId, found: true, state: instance.State?.Name, excluded, unencryptedVolumes, openSecurityGroups, principalAllowed, ...(Object.keys(hygiene).length > 0 ? { hygiene } : {}), remediations };
};
