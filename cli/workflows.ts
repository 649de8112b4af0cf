import type * as z from 'zod/mini';
import { startableWorkflows } from '../workflows/registry';

export interface CliWorkflow {
  /** The zod schema the workflow's first state validates with: the CLI refuses what it would refuse. */
  schema: z.ZodMiniType;
  /** The input field that names the target; `--instance` fills it. */
  targetField?: string;
}

/** Workflows `remediate start` accepts: those of the registry (workflows/registry.ts) that people start. */
export const CLI_WORKFLOWS: Record<string, CliWorkflow> = Object.fromEntries(startableWorkflows().map((w) => [w.name, {
  schema: w.schema, ...(w.targetField ? { targetField: w.targetField } : {}),
}]));

export const workflowNames = () => Object.keys(CLI_WORKFLOWS);
