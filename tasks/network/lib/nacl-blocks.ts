import { DeleteNetworkAclEntryCommand, paginateDescribeNetworkAcls, type EC2Client, type NetworkAcl, type NetworkAclEntry } from '@aws-sdk/client-ec2';
import { awsErrorName } from '../../lib/errors';
import { isIPv6 } from 'node:net';

export type Direction = 'ingress' | 'egress';
export type Family = 'ipv4' | 'ipv6';

/**
 * Where a block's expiry is kept: a tag on the NACL (entries have no tags), one per blocked CIDR and direction,
 * `remediation:block:<direction>:<cidr>` = `<rule number> <expiresAt> <execution>`. The NACL itself is the
 * record, read live with its entries, so the record cannot drift from the rules it describes.
 */
export const BLOCK_TAG_PREFIX = 'remediation:block:';
/** The band DENY entries are numbered in: below AWS's and the console's first suggested rule (100), and below the first ALLOW. */
export const BLOCK_BAND = { low: 1, high: 99 } as const;
/** Entries per NACL, direction and IP family (AWS's default quota; the default `*` rule is not counted). */
export const ENTRY_QUOTA = 20;
/** The default rule every NACL ends with: never counted, never touched. */
export const DEFAULT_RULE = 32767;

export interface ManagedBlock {
  naclId: string;
  direction: Direction;
  cidr: string;
  ruleNumber: number;
  expiresAt: string;
  execution: string;
}

export const familyOf = (cidr: string): Family => (isIPv6(cidr.split('/')[0] ?? '') ? 'ipv6' : 'ipv4');
export const blockTagKey = (direction: Direction, cidr: string): string => `${BLOCK_TAG_PREFIX}${direction}:${cidr}`;
export const blockTagValue = (b: Pick<ManagedBlock, 'ruleNumber' | 'expiresAt' | 'execution'>): string => `${b.ruleNumber} ${b.expiresAt} ${b.execution}`;

/** The blocks this product manages on a NACL, from its tags. */
export function managedBlocks(nacl: NetworkAcl): ManagedBlock[] {
  return (nacl.Tags ?? []).flatMap((t) => {
    if (!t.Key?.startsWith(BLOCK_TAG_PREFIX) || !t.Value) return [];
    const rest = t.Key.slice(BLOCK_TAG_PREFIX.length);
    const direction = rest.startsWith('ingress:') ? 'ingress' : rest.startsWith('egress:') ? 'egress' : undefined;
    const [rule, expiresAt, execution] = t.Value.split(' ');
    if (!direction || !rule || !expiresAt || !execution) return [];
    return [{ naclId: nacl.NetworkAclId as string, direction, cidr: rest.slice(direction.length + 1), ruleNumber: Number(rule), expiresAt, execution }];
  });
}

const isEgress = (direction: Direction) => direction === 'egress';
const cidrOf = (e: NetworkAclEntry) => e.CidrBlock ?? e.Ipv6CidrBlock;

/** The entries of one direction (and family), without the default rule. */
export function entriesOf(nacl: NetworkAcl, direction: Direction, family?: Family): NetworkAclEntry[] {
  return (nacl.Entries ?? []).filter((e) => Boolean(e.Egress) === isEgress(direction) && e.RuleNumber !== DEFAULT_RULE
    && (!family || (family === 'ipv6') === (e.Ipv6CidrBlock !== undefined)));
}

/** A DENY of all traffic from/to `cidr` in that direction (at `ruleNumber`, when given). */
export function denyOf(nacl: NetworkAcl, direction: Direction, cidr: string, ruleNumber?: number): NetworkAclEntry | undefined {
  return entriesOf(nacl, direction).find((e) => e.RuleAction === 'deny' && e.Protocol === '-1' && cidrOf(e) === cidr
    && (ruleNumber === undefined || e.RuleNumber === ruleNumber));
}

/** The highest rule number a DENY may take: below the first ALLOW of that direction, within the band. */
export function bandTop(nacl: NetworkAcl, direction: Direction): number {
  const allows = entriesOf(nacl, direction).filter((e) => e.RuleAction === 'allow').map((e) => e.RuleNumber as number);
  return Math.min(BLOCK_BAND.high, (allows.length > 0 ? Math.min(...allows) : DEFAULT_RULE) - 1);
}

/** `count` free rule numbers in the band, lowest first; fewer when the band is full. */
export function freeRuleNumbers(nacl: NetworkAcl, direction: Direction, count: number, freed: number[] = []): number[] {
  const taken = new Set(entriesOf(nacl, direction).map((e) => e.RuleNumber as number).filter((n) => !freed.includes(n)));
  const free: number[] = [];
  for (let n = BLOCK_BAND.low; n <= bandTop(nacl, direction) && free.length < count; n++) if (!taken.has(n)) free.push(n);
  return free;
}

/** The NACLs that hold a block this product manages (a block tag, whatever its CIDR): filtered, not every NACL of the account. */
export async function describeManagedNacls(ec2: EC2Client): Promise<NetworkAcl[]> {
  return describeNacls(ec2, { tagKeyPattern: `${BLOCK_TAG_PREFIX}*` });
}

/** The NACLs by id, or those associated with the subnets (one NACL serves every subnet associated with it). */
export async function describeNacls(ec2: EC2Client, by: { naclIds?: string[]; subnetIds?: string[]; tagKeyPattern?: string }): Promise<NetworkAcl[]> {
  const nacls: NetworkAcl[] = [];
  const input = by.naclIds ? { NetworkAclIds: by.naclIds }
    : by.subnetIds ? { Filters: [{ Name: 'association.subnet-id', Values: by.subnetIds }] }
    : by.tagKeyPattern ? { Filters: [{ Name: 'tag-key', Values: [by.tagKeyPattern] }] } : {};
  for await (const page of paginateDescribeNetworkAcls({ client: ec2 }, input)) nacls.push(...(page.NetworkAcls ?? []));
  return nacls;
}

/** Where the unblock state machine's ARN reaches start-block-expiry. */
export const UNBLOCK_ARN_ENV = 'UNBLOCK_STATE_MACHINE_ARN';
/** Where the prefix of block-source-ip's execution ARNs (`...:execution:remediation-block-source-ip:`) reaches stop-block-executions. */
export const BLOCK_EXECUTIONS_ENV = 'BLOCK_EXECUTION_ARN_PREFIX';

/** NACL entry errors as EC2 names them. */
export const ENTRY_MISSING = 'InvalidNetworkAclEntry.NotFound';

/** Deletes one entry; one already missing counts as done (false: there was nothing to delete). */
export async function deleteEntry(ec2: EC2Client, naclId: string, direction: Direction, ruleNumber: number): Promise<boolean> {
  try {
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: ruleNumber, Egress: direction === 'egress' }));
    return true;
  } catch (error) {
    if (awsErrorName(error) !== ENTRY_MISSING) throw error;
    return false;
  }
}
export const ENTRY_EXISTS = 'NetworkAclEntryAlreadyExists';
export const NACL_MISSING = 'InvalidNetworkAclID.NotFound';
