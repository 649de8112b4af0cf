// zod/mini, as tasks/lib/schemas.ts: the same schema validates the input and is exported as JSON Schema.
import * as z from 'zod/mini';
import { triggerSchema, ec2IdSchema } from '../../lib/schemas';

/** Groups one execution handles at most (DescribeSecurityGroupRules filters take 200 values; one store item each). */
export const MAX_GROUPS_PER_EXECUTION = 50;

const groupId = ec2IdSchema('sg');
const instanceId = ec2IdSchema('i');
const vpcId = ec2IdSchema('vpc');
const port = z.number().check(z.int(), z.gte(0), z.lte(65535));
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/([0-9]|[12]\d|3[0-2])$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/([0-9]|[1-9]\d|1[01]\d|12[0-8])$/;
const cidr = z.string().check(
  z.refine((c) => IPV4_CIDR.test(c) || (c.includes(':') && IPV6_CIDR.test(c)), 'must be an IPv4 or IPv6 CIDR such as 10.0.0.0/8'),
  z.refine((c) => c !== '0.0.0.0/0' && c !== '::/0', 'must not be open to the world'),
);
/** World-open rules on these ports are kept: the input's allowedPorts, and triage's setting for the restrict runs it starts. */
export const allowedPortsSchema = z.array(port).check(z.maxLength(100));
const mode = z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.'));
const trigger = z._default(triggerSchema, { source: 'console' as const });

export const restrictSecurityGroupsInputSchema = z
  .strictObject({
    groupIds: z.optional(z.array(groupId).check(
      z.minLength(1), z.maxLength(MAX_GROUPS_PER_EXECUTION),
      z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a group'),
      z.describe('These security groups (give one of groupIds, instanceId, vpcId).'),
    )),
    instanceId: z.optional(instanceId.check(z.describe("The groups of this instance's network interfaces."))),
    vpcId: z.optional(vpcId.check(z.describe('Every security group of this VPC.'))),
    allowedPorts: z._default(allowedPortsSchema, []).check(
      z.describe('World-open rules whose ports all lie in this list are kept (e.g. [443] on a public load balancer).'),
    ),
    includeEgress: z._default(z.boolean(), false).check(z.describe('Also restrict world-open outbound rules.')),
    includeDefaultGroup: z._default(z.boolean(), false).check(z.describe("Also restrict the VPC's default group (skipped otherwise).")),
    replacementCidrs: z._default(z.array(cidr).check(z.maxLength(10)), []).check(z.describe(
      "Added for each revoked rule's protocol and ports (IPv4 CIDRs for IPv4 rules, IPv6 for IPv6), e.g. the organisation's range.",
    )),
    mode,
    trigger,
  })
  .check(
    z.refine((i) => [i.groupIds, i.instanceId, i.vpcId].filter((v) => v !== undefined).length === 1, 'give exactly one of groupIds, instanceId or vpcId'),
    z.describe('Input of the restrict-security-groups workflow.'),
  );

export const restoreSecurityGroupsInputSchema = z
  .strictObject({
    restrictExecution: z.string().check(
      z.regex(/^restrict-security-groups-[A-Za-z0-9_-]{1,80}$/, 'must be the execution name of a restrict-security-groups run'),
      z.maxLength(80),
      z.describe('The restrict-security-groups execution whose revoked rules are put back.'),
    ),
    mode,
    trigger,
  })
  .check(z.describe('Input of the restore-security-groups workflow.'));

export type RestrictInput = z.output<typeof restrictSecurityGroupsInputSchema>;
export type RestoreInput = z.output<typeof restoreSecurityGroupsInputSchema>;
