import type * as z from 'zod/mini';
import { encryptVolumesInputSchema } from '../tasks/lib/schemas';
import { enableFlowLogsInputSchema } from '../tasks/network/lib/schema';
import { enableConfigInputSchema } from '../tasks/config/schema';
import { enableCloudTrailInputSchema } from '../tasks/cloudtrail/lib/schema';

export interface CliWorkflow {
  /** The zod schema the workflow's first state validates with: the CLI refuses what it would refuse. */
  schema: z.ZodMiniType;
  /** The input field that names the target; `--instance` fills it. */
  targetField?: string;
}

/** Workflows `remediate start` accepts. Add a line here when a workflow lands. */
export const CLI_WORKFLOWS: Record<string, CliWorkflow> = {
  'encrypt-volumes': { schema: encryptVolumesInputSchema, targetField: 'instanceId' },
  'enable-flow-logs': { schema: enableFlowLogsInputSchema },
  'enable-config': { schema: enableConfigInputSchema },
  'enable-cloudtrail': { schema: enableCloudTrailInputSchema },
};

export const workflowNames = () => Object.keys(CLI_WORKFLOWS);
