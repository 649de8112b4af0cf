import type * as z from 'zod/mini';
import { enableCloudTrailInputSchema } from '../tasks/cloudtrail/lib/schema';
import { enableConfigInputSchema } from '../tasks/config/schema';
import { encryptVolumesInputSchema } from '../tasks/ebs/lib/schema';
import { enableFlowLogsInputSchema } from '../tasks/network/lib/schema';
import { investigateTrafficInputSchema } from '../tasks/network/lib/investigate-schema';
import { blockSourceIpInputSchema, unblockSourceIpInputSchema } from '../tasks/network/lib/block-schema';
import { WORKFLOW, type WorkflowName } from '../tasks/lib/workflow-names';
import { restoreSecurityGroupsInputSchema, restrictSecurityGroupsInputSchema } from '../tasks/security-groups/lib/schema';
import { expireRetainedInputSchema } from '../tasks/expire/lib/schema';
import { refreshAmiInputSchema } from '../tasks/ami/lib/schema';
import { enableEbsEncryptionByDefaultInputSchema } from '../tasks/ebs-default/lib/schema';
import { enforceImdsv2InputSchema } from '../tasks/imds/lib/schema';
import { highCpuInputSchema } from '../tasks/high-cpu/lib/schema';
import { containPrincipalInputSchema } from '../tasks/principal/lib/schema';
import { closeCaseInputSchema } from '../tasks/case/lib/schema';
import { rotateKeyPairInputSchema } from '../tasks/key-pair/lib/schema';
import { isolateInstanceInputSchema } from '../tasks/isolation/lib/schema';
import { fleetInputSchema } from '../tasks/fleet/lib/schema';

export interface WorkflowEntry {
  name: WorkflowName;
  /** Construct id in the stack (and prefix of its logical ids and outputs): never change it once deployed. */
  constructId: string;
  /**
   * The zod schema the first state validates with: the CLI refuses what it would refuse, and the docs export
   * it as JSON Schema with ready-to-paste examples under docs/examples/<name>/. None: not started by people.
   */
  schema?: z.ZodMiniType;
  /** The input field that names the target (`--instance` fills it); none: account-level. */
  targetField?: string;
}

/**
 * Every workflow, once: the stack builds each one's spec (infra/workflows, keyed by these names), the CLI
 * starts the ones with a schema, the docs generator exports their schemas, the tests iterate them.
 * CDK is kept out of this module so the CLI starts without loading it.
 */
export const WORKFLOWS = [
  { name: WORKFLOW.encryptVolumes, constructId: 'EncryptVolumes', schema: encryptVolumesInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.enableFlowLogs, constructId: 'EnableFlowLogs', schema: enableFlowLogsInputSchema },
  { name: WORKFLOW.enableConfig, constructId: 'EnableConfig', schema: enableConfigInputSchema },
  { name: WORKFLOW.enableCloudTrail, constructId: 'EnableCloudTrail', schema: enableCloudTrailInputSchema },
  { name: WORKFLOW.triageStartInstances, constructId: 'TriageStartInstances' },
  { name: WORKFLOW.investigateTraffic, constructId: 'InvestigateTraffic', schema: investigateTrafficInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.restrictSecurityGroups, constructId: 'RestrictSecurityGroups', schema: restrictSecurityGroupsInputSchema }, { name: WORKFLOW.restoreSecurityGroups, constructId: 'RestoreSecurityGroups', schema: restoreSecurityGroupsInputSchema },
  { name: WORKFLOW.blockSourceIp, constructId: 'BlockSourceIp', schema: blockSourceIpInputSchema },
  { name: WORKFLOW.unblockSourceIp, constructId: 'UnblockSourceIp', schema: unblockSourceIpInputSchema },
  { name: WORKFLOW.expireRetained, constructId: 'ExpireRetained', schema: expireRetainedInputSchema },
  { name: WORKFLOW.refreshAmi, constructId: 'RefreshAmi', schema: refreshAmiInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.enableEbsEncryptionByDefault, constructId: 'EnableEbsEncryptionByDefault', schema: enableEbsEncryptionByDefaultInputSchema },
  { name: WORKFLOW.enforceImdsv2, constructId: 'EnforceImdsv2', schema: enforceImdsv2InputSchema },
  { name: WORKFLOW.highCpu, constructId: 'HighCpu', schema: highCpuInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.containPrincipal, constructId: 'ContainPrincipal', schema: containPrincipalInputSchema },
  { name: WORKFLOW.closeCase, constructId: 'CloseCase', schema: closeCaseInputSchema },
  { name: WORKFLOW.rotateKeyPair, constructId: 'RotateKeyPair', schema: rotateKeyPairInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.isolateInstance, constructId: 'IsolateInstance', schema: isolateInstanceInputSchema, targetField: 'instanceId' },
  { name: WORKFLOW.fleet, constructId: 'Fleet', schema: fleetInputSchema },
] as const satisfies readonly WorkflowEntry[];

/** The workflows people start (console, CLI), with their input schemas. */
export const startableWorkflows = (): (WorkflowEntry & { schema: z.ZodMiniType })[] =>
  WORKFLOWS.filter((w): w is Extract<(typeof WORKFLOWS)[number], { schema: z.ZodMiniType }> => 'schema' in w);

export function workflowEntry(name: string): WorkflowEntry | undefined {
  return WORKFLOWS.find((w) => w.name === name);
}
