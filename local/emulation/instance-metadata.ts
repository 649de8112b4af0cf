import { DescribeInstancesCommand, EC2Client, type Instance, type InstanceMetadataOptionsResponse } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

const ec2 = new EC2Client({});
const OPTION_FIELDS = ['HttpTokens', 'HttpPutResponseHopLimit', 'HttpEndpoint', 'HttpProtocolIpv6', 'InstanceMetadataTags'] as const;
/** DescribeInstances filters EC2 has and moto 5.2.1 lacks (it refuses them as not implemented). */
const FILTER_FIELD: Record<string, keyof InstanceMetadataOptionsResponse> = {
  'metadata-options.http-tokens': 'HttpTokens',
  'metadata-options.http-endpoint': 'HttpEndpoint',
  'metadata-options.http-put-response-hop-limit': 'HttpPutResponseHopLimit',
  'metadata-options.instance-metadata-tags': 'InstanceMetadataTags',
};

/**
 * ModifyInstanceMetadataOptions: EC2 changes only the fields the call names; moto 5.2.1 resets every field the call
 * leaves out (HttpEndpoint to none, the hop limit to 1). The call is completed with the instance's current values
 * before it reaches moto, so a run that sets HttpTokens alone keeps the rest, as on EC2.
 */
export async function completeMetadataOptions(call: AwsCall): Promise<void> {
  if (call.service !== 'ec2' || call.command !== 'ModifyInstanceMetadataOptions') return;
  const instanceId = call.input.InstanceId as string;
  const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
  const current = instance?.MetadataOptions ?? {};
  for (const field of OPTION_FIELDS) if (call.input[field] === undefined && current[field] !== undefined) call.input[field] = current[field];
}

/**
 * DescribeInstances with `metadata-options.*` filters: taken off the call before moto and applied to its answer, as
 * EC2 applies them. Returns the filters taken off (apply them with `applyMetadataFilters`), or none.
 */
export function takeMetadataFilters(call: AwsCall): { Name: string; Values: string[] }[] {
  if (call.service !== 'ec2' || call.command !== 'DescribeInstances') return [];
  const filters = (call.input.Filters ?? []) as { Name?: string; Values?: string[] }[];
  const taken = filters.filter((f) => f.Name && f.Name in FILTER_FIELD) as { Name: string; Values: string[] }[];
  if (taken.length > 0) call.input.Filters = filters.filter((f) => !taken.includes(f as { Name: string; Values: string[] }));
  return taken;
}

export function applyMetadataFilters(output: unknown, filters: { Name: string; Values: string[] }[]): unknown {
  if (filters.length === 0) return output;
  const matches = (instance: Instance) => filters.every((f) => f.Values.includes(String(instance.MetadataOptions?.[FILTER_FIELD[f.Name]!] ?? '')));
  const out = output as { Reservations?: { Instances?: Instance[] }[] };
  out.Reservations = (out.Reservations ?? [])
    .map((r) => ({ ...r, Instances: (r.Instances ?? []).filter(matches) }))
    .filter((r) => r.Instances.length > 0);
  return out;
}

/**
 * EC2 applies new metadata options asynchronously: DescribeInstances reports them `pending` for a while, then
 * `applied`. moto applies them at once; with `polls`, each instance changed by ModifyInstanceMetadataOptions is
 * reported `pending` for that many DescribeInstances answers by id after the change.
 */
export class PendingMetadataOptions {
  private readonly remaining = new Map<string, number>();
  constructor(private readonly polls: number, private readonly injected: { fault: string; command: string; detail?: string }[]) {}

  seen(call: AwsCall): void {
    if (this.polls > 0 && call.command === 'ModifyInstanceMetadataOptions') this.remaining.set(call.input.InstanceId as string, this.polls);
  }

  answer(call: AwsCall, output: unknown): unknown {
    if (this.remaining.size === 0 || !call.input.InstanceIds) return output;
    for (const instance of ((output as { Reservations?: { Instances?: Instance[] }[] }).Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const left = this.remaining.get(instance.InstanceId ?? '') ?? 0;
      if (left <= 0 || !instance.MetadataOptions) continue;
      instance.MetadataOptions.State = 'pending';
      this.remaining.set(instance.InstanceId as string, left - 1);
      this.injected.push({ fault: 'metadata-options-pending', command: 'ec2:DescribeInstances', detail: instance.InstanceId });
    }
    return output;
  }
}
