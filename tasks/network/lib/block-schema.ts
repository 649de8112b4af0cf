// zod/mini, as tasks/lib/schemas.ts: the same schemas validate the input and are exported as JSON Schema.
import { isIPv4, isIPv6 } from 'node:net';
import * as z from 'zod/mini';
import { triggerSchema, ec2IdSchema } from '../../lib/schemas';

/** CIDRs one execution blocks at most (per direction and family a NACL holds 20 entries by default). */
export const MAX_CIDRS = 20;
/** Standard executions end after a year: an expiry is at most 364 days away (the machine's timeout is 365). */
export const MAX_BLOCK_DAYS = 364;
export const DEFAULT_DURATION_MINUTES = 24 * 60;
/** Above this many subnets + instances behind the NACLs, a block needs approval (input `approvalThreshold` or CDK context). */
export const DEFAULT_APPROVAL_THRESHOLD = 10;

/** An IPv4 or IPv6 CIDR in canonical form (no host bits set), as EC2 accepts it for a NACL entry. */
export function cidrProblem(cidr: string): string | undefined {
  const [address, bits, ...rest] = cidr.split('/');
  if (!address || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) return 'must be a CIDR such as 203.0.113.7/32 or 2001:db8::/64';
  const prefix = Number(bits);
  if (isIPv4(address)) return prefix > 32 ? 'an IPv4 prefix is at most /32' : undefined;
  if (isIPv6(address)) return prefix > 128 ? 'an IPv6 prefix is at most /128' : undefined;
  return 'must be a CIDR such as 203.0.113.7/32 or 2001:db8::/64';
}

/** One CIDR as block-source-ip takes it (investigate-traffic's blockCidrs too, since it hands them on). */
export const cidrSchema = z.string().check(z.refine((c) => cidrProblem(c) === undefined, 'must be an IPv4 or IPv6 CIDR such as 203.0.113.7/32 or 2001:db8::/64'));
const cidr = cidrSchema;
const subnetId = ec2IdSchema('subnet');
const naclId = ec2IdSchema('acl');
const instanceId = ec2IdSchema('i');
const direction = z._default(z.enum(['ingress', 'egress'], 'must be ingress or egress'), 'ingress')
  .check(z.describe('ingress (default): traffic from the CIDRs into the subnets; egress: traffic from the subnets to them.'));
const mode = z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.'));

export const blockSourceIpInputSchema = z
  .strictObject({
    cidrs: z.array(cidr).check(
      z.minLength(1), z.maxLength(MAX_CIDRS), z.refine((c) => new Set(c).size === c.length, 'must not repeat a CIDR'),
      z.describe('The source addresses to deny, IPv4 and/or IPv6 CIDRs (e.g. 203.0.113.7/32, 2001:db8::/64).'),
    ),
    subnetIds: z.optional(z.array(subnetId).check(z.minLength(1), z.maxLength(50), z.describe('The NACLs of these subnets (give subnetIds or instanceId).'))),
    instanceId: z.optional(instanceId.check(z.describe("The NACLs of this instance's subnets (give subnetIds or instanceId)."))),
    expiresAt: z.optional(z.iso.datetime().check(z.describe('When the block is removed by itself (ISO 8601, UTC); give this or durationMinutes.'))),
    durationMinutes: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_BLOCK_DAYS * 24 * 60),
      z.describe('Minutes until the block is removed by itself (default 1440: 24 hours).'))),
    direction,
    evictOldest: z._default(z.boolean(), false).check(z.describe('At the 20-entry quota, replace the oldest entry this product manages instead of failing.')),
    approval: z._default(z.boolean(), false).check(z.describe('true: publish the plan and wait for a person to approve before any change (required anyway above approvalThreshold).')),
    approvalThreshold: z.optional(z.number().check(z.int(), z.minimum(0),
      z.describe('Above this many subnets + instances behind the NACLs, approval is required (default: CDK context blockSourceIp.approvalThreshold, else 10).'))),
    mode,
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => (i.subnetIds === undefined) !== (i.instanceId === undefined), 'give exactly one of subnetIds or instanceId'),
    z.refine((i) => i.expiresAt === undefined || i.durationMinutes === undefined, 'give expiresAt or durationMinutes, not both'),
    z.describe('Input of the block-source-ip workflow.'),
  );

export const unblockSourceIpInputSchema = z
  .strictObject({
    blockExecution: z.optional(z.string().check(z.minLength(1), z.maxLength(80), z.describe('The name of the block-source-ip execution whose entries are removed.'))),
    cidrs: z.optional(z.array(cidr).check(z.minLength(1), z.maxLength(MAX_CIDRS), z.describe('These blocked CIDRs (with naclIds).'))),
    naclIds: z.optional(z.array(naclId).check(z.minLength(1), z.maxLength(50), z.describe('On these NACLs (with cidrs).'))),
    direction: z.optional(z.enum(['ingress', 'egress'], 'must be ingress or egress').check(z.describe('Only this direction (default: both).'))),
    onlyExpired: z._default(z.boolean(), false).check(z.describe('Only entries whose expiry has passed (the scheduled removal sets it).')),
    mode,
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(
    z.refine((i) => (i.blockExecution !== undefined) !== (i.cidrs !== undefined || i.naclIds !== undefined), 'give blockExecution, or cidrs and naclIds'),
    z.refine((i) => (i.cidrs === undefined) === (i.naclIds === undefined), 'cidrs and naclIds go together'),
    z.describe('Input of the unblock-source-ip workflow.'),
  );

export type BlockSourceIpInput = z.output<typeof blockSourceIpInputSchema>;
export type UnblockSourceIpInput = z.output<typeof unblockSourceIpInputSchema>;
