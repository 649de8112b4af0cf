import { PutItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SavedRule } from './rules';

/** Where the stack's security-group case table reaches the functions that save and read it. */
export const SG_STORE_ENV = 'SG_CASE_TABLE_NAME';
/** Partition key: the restrict execution's name; sort key: the group. One item per group, well under DynamoDB's 400 KB. */
export const STORE_KEY = { execution: 'restrictExecution', group: 'groupId' } as const;

export interface SavedGroup {
  restrictExecution: string;
  groupId: string;
  groupName: string;
  vpcId: string;
  /** The full DescribeSecurityGroupRules output of each rule revoked, tags included, before any change. */
  rules: SavedRule[];
  /** CIDRs restrict added in their place. */
  replacementCidrs: string[];
  savedAt: string;
  /** Set when the restrict run put this group back itself (its rollback): restore then has nothing of it to undo. */
  rolledBackAt?: string;
}

/**
 * Saves one group's rules before any change. Written again with the same content on a retry; an item of
 * another execution is never overwritten (the execution name is the key, so there is none).
 */
export async function saveGroup(dynamodb: DynamoDBClient, table: string, group: SavedGroup): Promise<void> {
  await dynamodb.send(new PutItemCommand({
    TableName: table,
    Item: {
      [STORE_KEY.execution]: { S: group.restrictExecution }, [STORE_KEY.group]: { S: group.groupId },
      groupName: { S: group.groupName }, vpcId: { S: group.vpcId }, rules: { S: JSON.stringify(group.rules) },
      replacementCidrs: { S: JSON.stringify(group.replacementCidrs) }, savedAt: { S: group.savedAt },
    },
  }));
}

/** Every group a restrict execution saved (paginated), read consistently. */
export async function savedGroups(dynamodb: DynamoDBClient, table: string, restrictExecution: string): Promise<SavedGroup[]> {
  const groups: SavedGroup[] = [];
  let start: Record<string, { S: string }> | undefined;
  do {
    const out = await dynamodb.send(new QueryCommand({
      TableName: table, ConsistentRead: true, KeyConditionExpression: '#e = :e',
      ExpressionAttributeNames: { '#e': STORE_KEY.execution }, ExpressionAttributeValues: { ':e': { S: restrictExecution } },
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    for (const item of out.Items ?? []) {
      groups.push({
        restrictExecution, groupId: item[STORE_KEY.group]?.S ?? '', groupName: item.groupName?.S ?? '', vpcId: item.vpcId?.S ?? '',
        rules: JSON.parse(item.rules?.S ?? '[]') as SavedRule[], replacementCidrs: JSON.parse(item.replacementCidrs?.S ?? '[]') as string[],
        savedAt: item.savedAt?.S ?? '',
        ...(item.rolledBackAt?.S ? { rolledBackAt: item.rolledBackAt.S } : {}),
      });
    }
    start = out.LastEvaluatedKey as Record<string, { S: string }> | undefined;
  } while (start);
  return groups;
}

/**
 * Records on a saved group that its restrict run rolled it back (every saved rule back, every replacement gone),
 * so a later restore-security-groups of that run is NO_ACTION rather than a second authorize. Only an item the
 * run saved (the condition): a rollback never creates one.
 */
export async function markRolledBack(dynamodb: DynamoDBClient, table: string, restrictExecution: string, groupId: string, at: string): Promise<void> {
  await dynamodb.send(new UpdateItemCommand({
    TableName: table,
    Key: { [STORE_KEY.execution]: { S: restrictExecution }, [STORE_KEY.group]: { S: groupId } },
    UpdateExpression: 'SET rolledBackAt = :at',
    ConditionExpression: 'attribute_exists(#e)',
    ExpressionAttributeNames: { '#e': STORE_KEY.execution },
    ExpressionAttributeValues: { ':at': { S: at } },
  }));
}
