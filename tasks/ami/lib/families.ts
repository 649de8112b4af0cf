/**
 * Which public image family an AMI belongs to, from its name and owner, and where the family's latest
 * image is found: an SSM public parameter (Amazon Linux, matched to the architecture) or DescribeImages by
 * owner and name pattern (families without parameters here). An image of no known family (a golden image
 * of one's own) gets only the age, deprecation and deregistration checks.
 */
export type Architecture = 'x86_64' | 'arm64';

export type LatestSource =
  | { kind: 'ssm'; parameter: string }
  | { kind: 'describe-images'; owner: string; namePattern: string };

export interface Family {
  /** e.g. `al2023-kernel-6.1`, `ubuntu-jammy-22.04`. */
  name: string;
  source: LatestSource;
}

const AMAZON = '137112412989';
const CANONICAL = '099720109477';
const DEBIAN = '136693071363';
const AL_PARAMETER = '/aws/service/ami-amazon-linux-latest/';

interface Rule {
  owner: string;
  pattern: RegExp;
  family: (m: RegExpMatchArray, arch: Architecture) => Family;
}

const ssm = (name: string, parameter: string): Family => ({ name, source: { kind: 'ssm', parameter: `${AL_PARAMETER}${parameter}` } });
const ubuntuArch = (arch: Architecture) => (arch === 'x86_64' ? 'amd64' : 'arm64');

const RULES: Rule[] = [
  // al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64, al2023-ami-minimal-2023...-kernel-6.1-arm64
  { owner: AMAZON, pattern: /^al2023-ami-(minimal-)?2023\.[\d.]+-kernel-([\d.]+)-(x86_64|arm64)$/,
    family: (m, a) => ssm(`al2023-${m[1] ?? ''}kernel-${m[2]}`, `al2023-ami-${m[1] ?? ''}kernel-${m[2]}-${a}`) },
  // al2022-ami-2022.0.20220728.1-kernel-5.15-x86_64 (a preview family, retired: its parameters are gone)
  { owner: AMAZON, pattern: /^al2022-ami-(minimal-)?2022\.[\d.]+-kernel-([\d.]+)-(x86_64|arm64)$/,
    family: (m, a) => ssm(`al2022-${m[1] ?? ''}kernel-${m[2]}`, `al2022-ami-${m[1] ?? ''}kernel-${m[2]}-${a}`) },
  // amzn2-ami-kernel-5.10-hvm-2.0.20240916.0-x86_64-gp2
  { owner: AMAZON, pattern: /^amzn2-ami-(minimal-)?kernel-([\d.]+)-hvm-2\.0\.[\d.]+-(x86_64|arm64)-(gp2|ebs)$/,
    family: (m, a) => ssm(`amzn2-${m[1] ?? ''}kernel-${m[2]}-${m[4]}`, `amzn2-ami-${m[1] ?? ''}kernel-${m[2]}-hvm-${a}-${m[4]}`) },
  // amzn2-ami-hvm-2.0.20240916.0-x86_64-gp2
  { owner: AMAZON, pattern: /^amzn2-ami-(minimal-)?hvm-2\.0\.[\d.]+-(x86_64|arm64)-(gp2|ebs)$/,
    family: (m, a) => ssm(`amzn2-${m[1] ?? ''}hvm-${m[3]}`, `amzn2-ami-${m[1] ?? ''}hvm-${a}-${m[3]}`) },
  // amzn-ami-hvm-2018.03.0.20231218.0-x86_64-gp2 (Amazon Linux 1)
  { owner: AMAZON, pattern: /^amzn-ami-(minimal-)?hvm-20\d\d\.\d\d\.[\d.]+-(x86_64)-(gp2|ebs)$/,
    family: (m, a) => ssm(`amzn-${m[1] ?? ''}hvm-${m[3]}`, `amzn-ami-${m[1] ?? ''}hvm-${a}-${m[3]}`) },
  // ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240927
  { owner: CANONICAL, pattern: /^ubuntu\/images\/(hvm-ssd(?:-gp3)?)\/ubuntu-([a-z]+)-([\d.]+)-(amd64|arm64)-server-\d+(\.\d+)?$/,
    family: (m, a) => ({
      name: `ubuntu-${m[2]}-${m[3]}`,
      source: { kind: 'describe-images', owner: CANONICAL, namePattern: `ubuntu/images/${m[1]}/ubuntu-${m[2]}-${m[3]}-${ubuntuArch(a)}-server-*` },
    }) },
  // debian-12-amd64-20240717-1811
  { owner: DEBIAN, pattern: /^debian-(\d+)-(amd64|arm64)-\d{8}-\d+$/,
    family: (m, a) => ({ name: `debian-${m[1]}`, source: { kind: 'describe-images', owner: DEBIAN, namePattern: `debian-${m[1]}-${ubuntuArch(a)}-*` } }) },
];

/** The family of an image (by its name and owner, for its architecture), or undefined when it is of none we know. */
export function familyOf(image: { Name?: string; OwnerId?: string; Architecture?: string }): Family | undefined {
  const arch = image.Architecture;
  if (!image.Name || (arch !== 'x86_64' && arch !== 'arm64')) return undefined;
  for (const rule of RULES) {
    if (rule.owner !== image.OwnerId) continue;
    const m = image.Name.match(rule.pattern);
    if (m) return rule.family(m, arch);
  }
  return undefined;
}

/** A stable key for one family's lookup (one SSM parameter, or one owner + name pattern). */
export const sourceKey = (source: LatestSource): string =>
  source.kind === 'ssm' ? `ssm:${source.parameter}` : `describe-images:${source.owner}:${source.namePattern}`;
