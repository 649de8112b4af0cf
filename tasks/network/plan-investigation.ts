import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { describeEnis, flowLogSources } from './lib/flow-log-sources';
import { DEFAULT_WINDOW_MINUTES } from './lib/investigate-schema';
import type { BlockRequest, InvestigationContext, InvestigationPlan } from './lib/investigation';
import { rulesOfGroups } from '../security-groups/lib/rules';
import { worldOpenRules } from './lib/world-open-rules';

const ec2 = createEc2Client();

/** The window: as given, or the hour before the execution started (fixed by the execution, so a retry reads the same). */
export function windowOf(request: InvestigationContext['request'], startTime: string): { from: string; to: string } {
  const to = request.to ?? (request.from ? new Date(Date.parse(request.from) + DEFAULT_WINDOW_MINUTES * 60_000).toISOString() : startTime);
  const from = request.from ?? new Date(Date.parse(to) - DEFAULT_WINDOW_MINUTES * 60_000).toISOString();
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/**
 * Read-only: the ENIs (of the instance, or as given), the flow logs that record them and where they deliver,
 * and the review of their security groups. No readable flow log for an ENI: PreconditionFailedError
 * (enable-flow-logs comes first). Plan mode stops here, reading no record.
 */
export const handler = async ({ request, execution }: InvestigationContext): Promise<InvestigationPlan> => {
  const enis = await describeEnis(ec2, request.instanceId ? { instanceId: request.instanceId } : { eniIds: request.eniIds ?? [] });
  const { sources, unreadable } = await flowLogSources(ec2, enis);
  const groupIds = [...new Set(enis.flatMap((e) => e.groupIds))].sort();
  const worldOpen = worldOpenRules([...(await rulesOfGroups(ec2, groupIds)).values()].flat(), { includeEgress: true });
  const block: BlockRequest | undefined = request.block && request.blockCidrs ? {
    workflow: 'block-source-ip',
    status: 'not-started',
    reason: request.mode === 'plan'
      ? 'plan mode: nothing is started; apply starts block-source-ip with this input, which waits for a person\'s approval'
      : 'started after the analysis',
    input: { cidrs: request.blockCidrs, subnetIds: [...new Set(enis.map((e) => e.subnetId))].sort(), approval: true },
  } : undefined;
  const plan: InvestigationPlan = {
    outcome: request.mode === 'plan' ? 'PLANNED' : 'PROCEED',
    target: request.instanceId ?? (request.eniIds ?? []).join(','),
    window: windowOf(request, execution.startTime),
    enis, sources, unreadable, worldOpen,
    ...(block ? { block } : {}),
  };
  logger.info('investigation planned', { enis: enis.length, sources: sources.length, worldOpen: worldOpen.length, outcome: plan.outcome });
  return plan;
};
