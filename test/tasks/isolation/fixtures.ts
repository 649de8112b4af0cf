// What the stack gives the isolate-instance functions; imported first so handlers read it at load, as in Lambda.
export const TABLE = 'instance-cases';
export const ACCOUNT = '111122223333';
Object.assign(process.env, {
  INSTANCE_CASE_TABLE_NAME: TABLE, ISOLATE_OWN_ROLE_PREFIX: 'RemediationStack-', ISOLATE_OWN_ROLE_ARNS: `arn:aws:iam::${ACCOUNT}:role/break-glass`,
  BLOCK_STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:remediation-block-source-ip`,
  ROTATE_STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:remediation-rotate-key-pair`,
});

import type { InstanceCase } from '../../../tasks/isolation/lib/case-store';
import type { InstanceState } from '../../../tasks/isolation/lib/instance-state';
import type { IsolationPlan } from '../../../tasks/isolation/lib/plan';

export const INSTANCE = 'i-0123456789abcdef0';
export const CASE = 'case-1';
export const EXECUTION = 'isolate-instance-i-0123456789abcdef0-20261201T120000Z';
export const ENI = 'eni-0123456789abcdef0';
export const VPC = 'vpc-0123456789abcdef0';
export const TG = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/web/0123456789abcdef`;
export const PROFILE = `arn:aws:iam::${ACCOUNT}:instance-profile/web`;

/** An instance's state; an override of undefined removes the field (as readInstanceState leaves it out). */
export const state = (overrides: Partial<InstanceState> = {}): InstanceState => JSON.parse(JSON.stringify({
  instanceId: INSTANCE, state: 'running', vpcId: VPC, keyName: 'web-key', tags: [{ Key: 'Name', Value: 'web' }], volumeIds: ['vol-0123456789abcdef0'],
  enis: [{ networkInterfaceId: ENI, vpcId: VPC, groupIds: ['sg-0000000000000000a', 'sg-0000000000000000b'] }],
  profile: { associationId: 'iip-assoc-0123456789abcdef0', arn: PROFILE }, protection: { termination: false, stop: false },
  autoScaling: { groupName: 'workers', lifecycleState: 'InService' }, targetGroups: [{ targetGroupArn: TG, port: 8080 }], ...overrides,
})) as InstanceState;

export const plan = (overrides: Partial<IsolationPlan> = {}): IsolationPlan => ({
  outcome: 'PROCEED', action: 'isolate', target: INSTANCE, caseId: CASE, instanceId: INSTANCE, keyName: 'web-key', state: state(), vpcIds: [VPC], networkInterfaceIds: [ENI],
  profileRole: { name: 'web-role', arn: `arn:aws:iam::${ACCOUNT}:role/web-role`, policyName: `remediation-isolate-${CASE}-${INSTANCE}` }, steps: ['...'], ...overrides,
});

/** The case record as DynamoDB holds it (GetItem's Item). */
export const caseItem = (record: Partial<InstanceCase> = {}) => ({
  caseId: { S: CASE }, instanceId: { S: INSTANCE }, isolateExecution: { S: record.isolateExecution ?? EXECUTION }, savedAt: { S: '2026-12-01T12:00:00.000Z' },
  prior: { S: JSON.stringify(record.prior ?? state()) }, consoleOutput: { S: '{}' }, snapshotIds: { S: JSON.stringify(record.snapshotIds ?? ['snap-0123456789abcdef0']) },
  steps: { M: Object.fromEntries(Object.entries(record.steps ?? {}).map(([k, v]) => [k, { S: JSON.stringify(v) }])) },
  ...(record.releasedAt ? { releasedAt: { S: record.releasedAt }, releaseExecution: { S: record.releaseExecution ?? 'r' } } : {}),
});
