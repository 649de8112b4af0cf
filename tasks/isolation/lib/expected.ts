import { TAG, tagValue } from '../../lib/tags';
import type { InstanceCase } from './case-store';
import type { InstanceState } from './instance-state';

const same = (a: string[], b: string[]): boolean => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const tgKey = (t: { targetGroupArn: string; port?: number }) => `${t.targetGroupArn}:${t.port ?? ''}`;

/** What differs between the instance now and what an isolation must leave (each ENI in its VPC's empty group alone, and so on). */
export function isolationProblems(now: InstanceState, record: InstanceCase, emptyGroups: Record<string, string>, caseId: string): string[] {
  const problems: string[] = [];
  for (const eni of now.enis) {
    const empty = emptyGroups[eni.networkInterfaceId];
    if (!empty || !same(eni.groupIds, [empty])) problems.push(`${eni.networkInterfaceId} is in ${eni.groupIds.join(', ')}, not the isolation group ${empty ?? '?'}`);
  }
  if (now.profile) problems.push(`instance profile ${now.profile.arn} is still associated`);
  if (!now.protection.termination || !now.protection.stop) problems.push('termination or stop protection is off');
  if (now.autoScaling?.lifecycleState === 'InService') problems.push(`still InService in ${now.autoScaling.groupName}`);
  for (const t of now.targetGroups) problems.push(`still registered in ${t.targetGroupArn}`);
  if (tagValue(now.tags, TAG.isolated) !== caseId) problems.push(`not tagged ${TAG.isolated}=${caseId}`);
  if (record.prior.volumeIds.length > 0 && record.snapshotIds.length !== record.prior.volumeIds.length) problems.push('a forensic snapshot is missing');
  return problems;
}

/** What differs between the instance now and its state before the isolation (the case record's `prior`). */
export function releaseProblems(now: InstanceState, prior: InstanceState): string[] {
  const problems: string[] = [];
  for (const eni of prior.enis) {
    const current = now.enis.find((e) => e.networkInterfaceId === eni.networkInterfaceId);
    if (current && !same(current.groupIds, eni.groupIds)) problems.push(`${eni.networkInterfaceId} is in ${current.groupIds.join(', ')}, not ${eni.groupIds.join(', ')}`);
  }
  if (prior.profile?.arn !== now.profile?.arn) problems.push(`instance profile is ${now.profile?.arn ?? 'none'}, not ${prior.profile?.arn ?? 'none'}`);
  if (prior.protection.termination !== now.protection.termination || prior.protection.stop !== now.protection.stop) problems.push('protection flags differ from before');
  if (prior.autoScaling && prior.autoScaling.groupName !== now.autoScaling?.groupName) problems.push(`not back in ${prior.autoScaling.groupName}`);
  const missing = prior.targetGroups.filter((t) => !now.targetGroups.some((n) => tgKey(n) === tgKey(t)));
  for (const t of missing) problems.push(`not registered again in ${t.targetGroupArn}`);
  if (tagValue(now.tags, TAG.isolated) !== undefined) problems.push(`still tagged ${TAG.isolated}`);
  return problems;
}
