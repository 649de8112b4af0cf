// zod/mini: the same schemas and JSON Schema export as classic zod at ~15 KB bundled instead of ~450 KB.
import * as z from 'zod/mini';
import { ec2IdSchema, triggerSchema } from '../../lib/schemas';

/** The alarm's defaults: 80 % average CPU over 3 of 3 periods of 5 minutes. */
export const ALARM_DEFAULTS = { threshold: 80, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 } as const;
/** The same instance is not resized twice within this many hours (CDK context highCpu.cooldownHours overrides it). */
export const DEFAULT_COOLDOWN_HOURS = 24;
export const MAX_COOLDOWN_HOURS = 24 * 30;
/** The cooldown's default as the stack sets it (infra/workflows/high-cpu.ts); the input's own wins. */
export const COOLDOWN_ENV = 'HIGH_CPU_COOLDOWN_HOURS';

/** An EC2 instance type name: family (with generation and attributes), a dot, a size. */
export const instanceTypeSchema = z.string().check(
  z.regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as m5.xlarge'),
  z.maxLength(32),
);

const alarmSchema = z.strictObject({
  threshold: z._default(z.number().check(z.gt(0), z.lte(100)), ALARM_DEFAULTS.threshold)
    .check(z.describe('Average CPUUtilization (percent) at or above which a period breaches.')),
  // CloudWatch takes 10, 30 or any multiple of 60 seconds; EC2 basic monitoring publishes every 300 s.
  periodSeconds: z._default(z.number().check(z.int(), z.gte(10), z.lte(86_400), z.refine((p) => p === 10 || p === 30 || p % 60 === 0, 'must be 10, 30 or a multiple of 60 up to 86400')), ALARM_DEFAULTS.periodSeconds)
    .check(z.describe('Length of one period in seconds (10, 30, or a multiple of 60).')),
  evaluationPeriods: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), ALARM_DEFAULTS.evaluationPeriods)
    .check(z.describe('How many recent periods are evaluated.')),
  datapointsToAlarm: z._default(z.number().check(z.int(), z.gte(1), z.lte(100)), ALARM_DEFAULTS.datapointsToAlarm)
    .check(z.describe('How many of the evaluated periods must breach (at most evaluationPeriods).')),
}).check(
  z.refine((a) => a.datapointsToAlarm <= a.evaluationPeriods, { message: 'datapointsToAlarm must not exceed evaluationPeriods', path: ['datapointsToAlarm'] }),
  z.describe('The CPU alarm (remediation-high-cpu-<instanceId>), notifying the stack\'s notifications topic.'),
);

export const highCpuInputSchema = z
  .strictObject({
    instanceId: ec2IdSchema('i').check(z.describe('The instance whose CPU is watched (and, with resize, resized).')),
    alarm: z._default(alarmSchema, { ...ALARM_DEFAULTS }),
    resize: z._default(z.boolean(), false).check(z.describe('Also resize the instance to the next size up in its family (or to targetType).')),
    targetType: z.optional(instanceTypeSchema.check(z.describe('The type to resize to (implies resize); default: the next size up in the same family.'))),
    cooldownHours: z.optional(z.number().check(z.gte(0), z.lte(MAX_COOLDOWN_HOURS), z.describe('No second resize of the instance within this many hours (default 24, or CDK context).'))),
    approval: z.optional(z.boolean().check(z.describe('Pause for a person before the stop. Default: true when resizing, false otherwise.'))),
    mode: z._default(z.enum(['apply', 'plan']), 'apply').check(z.describe('plan runs the read-only steps and reports what apply would do.')),
    trigger: z._default(triggerSchema, { source: 'console' as const }),
  })
  .check(z.describe('Input of the high-cpu workflow.'));

export type HighCpuInput = z.output<typeof highCpuInputSchema>;
export type AlarmSettings = HighCpuInput['alarm'];

/** The request the later tasks get: resize and approval decided once. */
export interface HighCpuRequest extends Omit<HighCpuInput, 'approval'> {
  approval: boolean;
}

export function completeRequest(input: HighCpuInput): HighCpuRequest {
  const resize = input.resize || input.targetType !== undefined;
  return { ...input, resize, approval: input.approval ?? resize };
}
