import { WORKFLOW } from '../../lib/workflow-names';

/** What one fleet item targets: an instance, a VPC or a security group. */
export type TargetKind = 'instance' | 'vpc' | 'group';

export interface FleetChild {
  targetKind: TargetKind;
  /** The child input field(s) one target fills, e.g. `{ instanceId }` or `{ vpcIds: [vpc] }`: the fleet refuses them in childInput. */
  targetFields: readonly string[];
  /** The child's own input for one target. */
  targetInput: (target: string) => Record<string, unknown>;
}

/**
 * The workflows a fleet runs, one child execution per target: encrypt-volumes and enforce-imdsv2 per
 * instance, enable-flow-logs per VPC, restrict-security-groups per security group.
 */
export const FLEET_CHILDREN = {
  [WORKFLOW.encryptVolumes]: { targetKind: 'instance', targetFields: ['instanceId'], targetInput: (id: string) => ({ instanceId: id }) },
  [WORKFLOW.enableFlowLogs]: { targetKind: 'vpc', targetFields: ['vpcIds', 'allVpcs'], targetInput: (id: string) => ({ vpcIds: [id] }) },
  [WORKFLOW.enforceImdsv2]: { targetKind: 'instance', targetFields: ['instanceIds', 'allInstances', 'accountDefault'], targetInput: (id: string) => ({ instanceIds: [id] }) },
  [WORKFLOW.restrictSecurityGroups]: {
    targetKind: 'group', targetFields: ['groupIds', 'instanceId', 'vpcId'], targetInput: (id: string) => ({ groupIds: [id] }),
  },
} as const satisfies Record<string, FleetChild>;

export type FleetChildWorkflow = keyof typeof FLEET_CHILDREN;
export const FLEET_CHILD_WORKFLOWS = Object.keys(FLEET_CHILDREN) as [FleetChildWorkflow, ...FleetChildWorkflow[]];
