import type { Instance } from '@aws-sdk/client-ec2';
import type { ImdsPlan, InstancePlan } from '../../../tasks/imds/plan-imds';
import type { ImdsRequest } from '../../../tasks/imds/lib/schema';

export const A = 'i-0aaaaaaaaaaaaaaa1';
export const B = 'i-0bbbbbbbbbbbbbbb2';
export const EXECUTION = { name: 'enforce-imdsv2-instances-20260301T120000Z', startTime: '2026-03-01T12:00:00Z', arn: 'arn:aws:states:us-east-1:111122223333:execution:remediation-enforce-imdsv2:enforce-imdsv2-instances-20260301T120000Z' };

export const request = (over: Partial<ImdsRequest> = {}): ImdsRequest => ({
  accountDefault: false, v1UsageWindowDays: 14, allowV1Breakage: false, approval: false, mode: 'apply', trigger: { source: 'console' }, ...over,
});

/** An instance as DescribeInstances reports it: IMDSv1 allowed (EC2's default) unless `options` say otherwise. */
export const instance = (InstanceId: string, over: Partial<Instance> = {}, options: Record<string, unknown> = {}): Instance => ({
  InstanceId, State: { Name: 'running' }, Tags: [],
  MetadataOptions: { State: 'applied', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled', ...options },
  ...over,
});
export const reservations = (...instances: Instance[]) => ({ Reservations: [{ Instances: instances }] });

const before = { httpTokens: 'optional', hopLimit: 1, httpEndpoint: 'enabled', state: 'applied' };
export const instancePlan = (instanceId: string, over: Partial<InstancePlan> = {}): InstancePlan => ({
  instanceId, state: 'running', action: 'enforce', reason: 'HttpTokens optional -> required', before, ...over,
});
export const plan = (over: Partial<ImdsPlan> = {}): ImdsPlan => ({
  outcome: 'PROCEED', target: 'instances', instances: [instancePlan(A), instancePlan(B)], toEnforce: [A, B], warnings: [], window: { days: 14 }, ...over,
});
