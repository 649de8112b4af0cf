import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetEbsEncryptionByDefaultCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { alarmNameOf, hasCpuAlarm } from '../../high-cpu/lib/alarm';
import { regionAndAccountOf } from '../../lock/lib/lock';
import type { TriageDecision } from './policy';

/** One remediation triage reports or starts (assess-instance's `remediations`). */
export interface HygieneRemediation {
  workflow: 'enforce-imdsv2' | 'enable-ebs-encryption-by-default' | 'high-cpu';
  decision: TriageDecision;
  reason: string;
  target: string;
}

export interface HygieneFindings {
  /** The instance allows IMDSv1 (MetadataOptions.HttpTokens optional); undefined when EC2 reported no options. */
  imdsV1Allowed?: boolean;
  /** The region's EBS encryption by default; undefined when it could not be read. */
  ebsEncryptionByDefault?: boolean;
  /** The instance has high-cpu's alarm (remediation-high-cpu-<instanceId>); undefined when no CloudWatch client was given. */
  cpuAlarm?: boolean;
  remediations: HygieneRemediation[];
}

/**
 * The started instance's hygiene (issue 11 item 6): IMDSv1 allowed -> enforce-imdsv2 on it (it has an approval gate, so
 * `approval` asks a person first); EBS encryption by default off in the region -> enable-ebs-encryption-by-default,
 * which has no approval gate: started under `auto` only, `approval` reports and says so. Its target is the region, so
 * the instances of one event name one child (the second start finds it started). No CPU alarm -> high-cpu for the
 * alarm alone (start-child never asks it to resize); its input takes `approval` for the alarm too, so `approval`
 * asks a person first.
 */
export async function hygieneOf(
  ec2: EC2Client, instance: Instance, region: string, decisionOf: (workflow: HygieneRemediation['workflow']) => TriageDecision,
  cloudwatch?: CloudWatchClient,
): Promise<HygieneFindings> {
  const instanceId = instance.InstanceId as string;
  const tokens = instance.MetadataOptions?.HttpTokens;
  const imdsV1Allowed = tokens === undefined ? undefined : tokens !== 'required';
  const ebsEncryptionByDefault = (await ec2.send(new GetEbsEncryptionByDefaultCommand({})))?.EbsEncryptionByDefault;
  const cpuAlarm = cloudwatch ? await hasCpuAlarm(cloudwatch, instanceId) : undefined;
  const remediations: HygieneRemediation[] = [];
  if (imdsV1Allowed) {
    remediations.push({ workflow: 'enforce-imdsv2', decision: decisionOf('enforce-imdsv2'), reason: 'allows IMDSv1 (HttpTokens optional)', target: instanceId });
  }
  if (ebsEncryptionByDefault === false) {
    const reason = `EBS encryption by default is off in ${region}: the next volume created is unencrypted`;
    const decision = decisionOf('enable-ebs-encryption-by-default');
    remediations.push(decision === 'approval'
      ? { workflow: 'enable-ebs-encryption-by-default', decision: 'report', reason: `${reason}; policy approval is reported only (it has no approval gate)`, target: region }
      : { workflow: 'enable-ebs-encryption-by-default', decision, reason, target: region });
  }
  if (cpuAlarm === false) {
    remediations.push({ workflow: 'high-cpu', decision: decisionOf('high-cpu'), reason: `no CPU alarm (${alarmNameOf(instanceId)})`, target: instanceId });
  }
  return {
    ...(imdsV1Allowed === undefined ? {} : { imdsV1Allowed }), ...(ebsEncryptionByDefault === undefined ? {} : { ebsEncryptionByDefault }),
    ...(cpuAlarm === undefined ? {} : { cpuAlarm }), remediations,
  };
}

/** The region a Lambda runs in (AWS_REGION), else the one an execution ARN names. */
export const regionOf = (fallbackExecutionArn?: string): string =>
  process.env.AWS_REGION ?? (fallbackExecutionArn ? regionAndAccountOf(fallbackExecutionArn).region : 'unknown');
