import type { WorkflowName } from '../../tasks/lib/workflow-names';
import { enableCloudTrailSpec } from './enable-cloudtrail';
import { enableConfigSpec } from './enable-config';
import { enableFlowLogsSpec } from './enable-flow-logs';
import { encryptVolumesSpec } from './encrypt-volumes';
import { triageSpec } from './triage-start-instances';
import { investigateTrafficSpec } from './investigate-traffic';
import { restoreSecurityGroupsSpec, restrictSecurityGroupsSpec } from './security-groups';
import { blockSourceIpSpec } from './block-source-ip';
import { unblockSourceIpSpec } from './unblock-source-ip';
import { expireRetainedSpec } from './expire-retained';
import { refreshAmiSpec } from './refresh-ami';
import { enableEbsEncryptionByDefaultSpec } from './enable-ebs-encryption-by-default';
import { enforceImdsv2Spec } from './enforce-imdsv2';
import { highCpuSpec } from './high-cpu';
import { containPrincipalSpec } from './contain-principal';
import { closeCaseSpec } from './close-case';
import { rotateKeyPairSpec } from './rotate-key-pair';
import { isolateInstanceSpec } from './isolate-instance';
import { fleetSpec } from './fleet';

/**
 * Each workflow's spec, by the name workflows/registry.ts gives it (which also holds its schema and construct id);
 * TypeScript refuses a registry name without a spec here.
 */
export const SPECS = {
  'encrypt-volumes': encryptVolumesSpec,
  'enable-flow-logs': enableFlowLogsSpec,
  'enable-config': enableConfigSpec,
  'enable-cloudtrail': enableCloudTrailSpec,
  'triage-start-instances': triageSpec,
  'investigate-traffic': investigateTrafficSpec,
  'restrict-security-groups': restrictSecurityGroupsSpec, 'restore-security-groups': restoreSecurityGroupsSpec,
  'block-source-ip': blockSourceIpSpec,
  'unblock-source-ip': unblockSourceIpSpec,
  'expire-retained': expireRetainedSpec,
  'refresh-ami': refreshAmiSpec,
  'enable-ebs-encryption-by-default': enableEbsEncryptionByDefaultSpec,
  'enforce-imdsv2': enforceImdsv2Spec,
  'high-cpu': highCpuSpec,
  'contain-principal': containPrincipalSpec,
  'close-case': closeCaseSpec,
  'rotate-key-pair': rotateKeyPairSpec,
  'isolate-instance': isolateInstanceSpec,
  fleet: fleetSpec,
} as const satisfies Record<WorkflowName, { name: WorkflowName }>;
