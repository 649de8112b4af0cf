import type { Image, Instance, InstanceTypeInfo } from '@aws-sdk/client-ec2';

/** EC2 sizes from smallest to largest (a family has some of them; `metal` is never a step up). */
export const SIZES = [
  'nano', 'micro', 'small', 'medium', 'large', 'xlarge', '2xlarge', '3xlarge', '4xlarge', '6xlarge', '8xlarge', '9xlarge',
  '10xlarge', '12xlarge', '16xlarge', '18xlarge', '24xlarge', '32xlarge', '48xlarge', '56xlarge', '96xlarge', '112xlarge',
] as const;

export const splitType = (type: string): { family: string; size: string } => {
  const dot = type.indexOf('.');
  return { family: type.slice(0, dot), size: type.slice(dot + 1) };
};
const rank = (size: string): number => SIZES.indexOf(size as (typeof SIZES)[number]);

/** The smallest of `available` (types of the same family) larger than `current`; undefined at the family's top. */
export function nextSizeUp(current: string, available: readonly string[]): string | undefined {
  const { family, size } = splitType(current);
  const from = rank(size);
  if (from < 0) return undefined;
  return available
    .map(splitType)
    .filter((t) => t.family === family && rank(t.size) > from)
    .sort((a, b) => rank(a.size) - rank(b.size))
    .map((t) => `${t.family}.${t.size}`)[0];
}

/** The instance's network cards in use (highest card index + 1) and its network interfaces. */
function networkUse(instance: Instance): { cards: number; interfaces: number } {
  const enis = instance.NetworkInterfaces ?? [];
  const cards = enis.reduce((max, eni) => Math.max(max, (eni.Attachment?.NetworkCardIndex ?? 0) + 1), 1);
  return { cards, interfaces: Math.max(1, enis.length) };
}

/**
 * Why the instance cannot boot as `target` (empty: it can): the AMI's architecture, the virtualization type,
 * ENA and NVMe that the new type requires and the instance or its current type do not have (the OS may lack
 * the drivers), an EBS root, and the network cards and interfaces attached today.
 */
export function incompatibilities(instance: Instance, image: Image | undefined, current: InstanceTypeInfo, target: InstanceTypeInfo): string[] {
  const name = target.InstanceType ?? 'the target type';
  const problems: string[] = [];
  const architecture = image?.Architecture ?? instance.Architecture;
  const architectures = target.ProcessorInfo?.SupportedArchitectures ?? [];
  if (!architecture || !architectures.includes(architecture as never)) {
    problems.push(`${name} supports ${architectures.join(', ') || 'no known architecture'}, the AMI ${image?.ImageId ?? instance.ImageId ?? ''} is ${architecture ?? 'unknown'}`);
  }
  const virtualization = instance.VirtualizationType ?? image?.VirtualizationType;
  const virtualizations = target.SupportedVirtualizationTypes ?? [];
  if (!virtualization || !virtualizations.includes(virtualization as never)) problems.push(`${name} supports ${virtualizations.join(', ') || 'no'} virtualization, the instance is ${virtualization ?? 'unknown'}`);
  if (!(target.SupportedRootDeviceTypes ?? []).includes('ebs')) problems.push(`${name} does not support an EBS root volume`);
  // An instance running a type that requires ENA has it, whatever DescribeInstances leaves out.
  const hasEna = instance.EnaSupport === true || current.NetworkInfo?.EnaSupport === 'required';
  if (target.NetworkInfo?.EnaSupport === 'required' && !hasEna) problems.push(`${name} requires ENA, which is not enabled on the instance`);
  if (target.EbsInfo?.NvmeSupport === 'required' && current.EbsInfo?.NvmeSupport === 'unsupported') {
    problems.push(`${name} presents EBS volumes as NVMe and ${current.InstanceType ?? 'the current type'} does not: the OS may lack the NVMe driver`);
  }
  const use = networkUse(instance);
  const cards = target.NetworkInfo?.MaximumNetworkCards ?? 1;
  if (use.cards > cards) problems.push(`the instance uses ${use.cards} network cards, ${name} has ${cards}`);
  const interfaces = target.NetworkInfo?.MaximumNetworkInterfaces;
  if (interfaces !== undefined && use.interfaces > interfaces) problems.push(`the instance has ${use.interfaces} network interfaces, ${name} takes ${interfaces}`);
  return problems;
}
