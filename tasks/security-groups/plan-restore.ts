import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import type { ExecutionFacts, Outcome } from '../lib/types';
import { groupsOfVpc } from './lib/groups';
import { rulesOfGroups } from './lib/rules';
import type { RestoreInput } from './lib/schema';
import { SG_STORE_ENV, savedGroups } from './lib/store';
import { undoPlanOfGroup, type GroupRestorePlan } from './lib/undo';

export type { GroupRestorePlan } from './lib/undo';

const dynamodb = createDynamoDbClient();
const ec2 = createEc2Client();
const { [SG_STORE_ENV]: TABLE } = readEnv({ [SG_STORE_ENV]: requiredString });

export interface RestorePlanEvent {
  request: RestoreInput;
  execution: ExecutionFacts;
  vpcId: string;
}

export interface RestorePlan {
  outcome: Outcome;
  restrictExecution: string;
  vpcId: string;
  groups: GroupRestorePlan[];
  toChange: string[];
}

/**
 * Read-only: per saved group, which saved rules are missing now and which replacement rules remain. Nothing left → NO_ACTION.
 * A group the restrict run already put back itself (its rollback) is NO_ACTION too: a later change by a person is theirs.
 */
export const handler = async ({ request, vpcId }: RestorePlanEvent): Promise<RestorePlan> => {
  const saved = await savedGroups(dynamodb, TABLE, request.restrictExecution);
  const existing = new Set((await groupsOfVpc(ec2, vpcId)).map((g) => g.GroupId));
  const ids = saved.map((g) => g.groupId).filter((id) => existing.has(id));
  const now = await rulesOfGroups(ec2, ids);
  const groups = saved.map((g): GroupRestorePlan => {
    const base = { groupId: g.groupId, groupName: g.groupName };
    if (!existing.has(g.groupId)) return { ...base, action: 'skipped', reason: `the group no longer exists in ${vpcId}`, toAuthorize: [], present: [], toRemove: [] };
    if (g.rolledBackAt) return { ...base, action: 'none', reason: `the restrict run rolled itself back at ${g.rolledBackAt}: nothing of it to undo`, toAuthorize: [], present: [], toRemove: [] };
    return undoPlanOfGroup(g, now.get(g.groupId) ?? [], request.restrictExecution);
  });
  const toChange = groups.filter((g) => g.action === 'restore').map((g) => g.groupId);
  const outcome = toChange.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('plan ready', { restrictExecution: request.restrictExecution, groups: groups.length, toChange: toChange.length, outcome });
  return { outcome, restrictExecution: request.restrictExecution, vpcId, groups, toChange };
};
