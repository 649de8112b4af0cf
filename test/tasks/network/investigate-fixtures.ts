import type { InvestigateTrafficInput } from '../../../tasks/network/lib/investigate-schema';
import type { ExecutionFacts } from '../../../tasks/lib/types';

// Shared values for the investigate-traffic task tests; ids match the input schema's patterns.
export const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
export const ENI = 'eni-0aaaaaaaaaaaaaaa1';
export const ENI_B = 'eni-0bbbbbbbbbbbbbbb2';
export const SUBNET = 'subnet-0aaaaaaaaaaaaaaa1';
export const VPC = 'vpc-0aaaaaaaaaaaaaaa1';
export const GROUP = 'sg-0aaaaaaaaaaaaaaa1';
export const ADDRESS = '10.0.1.10';
export const EXECUTION: ExecutionFacts = { name: 'investigate-traffic-i-0aaaaaaaaaaaaaaa1-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };
export const WINDOW = { from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z' };
/** A time inside WINDOW, in Unix seconds. */
export const INSIDE = Date.parse('2026-03-01T11:30:00Z') / 1000;

export function request(overrides: Partial<InvestigateTrafficInput> = {}): InvestigateTrafficInput {
  return { eniIds: [ENI], maxRecords: 100_000, top: 20, block: false, mode: 'apply', trigger: { source: 'console' }, ...overrides };
}
