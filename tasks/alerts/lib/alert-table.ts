import { ConditionalCheckFailedException, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

const MINUTE = 60_000;

/** The FailedAttempts table (infra/constructs/failed-attempt-alerts.ts): `pk`/`sk`, TTL `expiresAt` (epoch seconds). */
export interface AlertTable {
  ddb: DynamoDBClient;
  tableName: string;
}

const expiresAt = (at: Date, minutes: number): string => String(Math.ceil((at.getTime() + minutes * MINUTE) / 1000));

export interface Claim {
  pk: string;
  sk: string;
  eventId: string;
  now: Date;
  /** How long the claim holds (its TTL). */
  minutes: number;
  /** An expired claim (TTL deletes it within about two days, not at once) may be taken over. */
  takeOverExpired?: boolean;
}

/** Claimed: this event holds it now; not claimed: `holder` is the event that does (the case it opened). */
export type ClaimResult = { claimed: true } | { claimed: false; holder?: string };

/** A conditional PutItem: claimed when written; otherwise the item another event wrote, read from the refusal. */
export async function claim({ ddb, tableName }: AlertTable, { pk, sk, eventId, now, minutes, takeOverExpired = false }: Claim): Promise<ClaimResult> {
  try {
    await ddb.send(new PutItemCommand({
      TableName: tableName,
      Item: { pk: { S: pk }, sk: { S: sk }, eventId: { S: eventId }, expiresAt: { N: expiresAt(now, minutes) } },
      // The same event again (a redelivery or a retry) may claim what it claimed before.
      ConditionExpression: `attribute_not_exists(pk) OR eventId = :eventId${takeOverExpired ? ' OR expiresAt < :now' : ''}`,
      ExpressionAttributeValues: { ':eventId': { S: eventId }, ...(takeOverExpired ? { ':now': { N: String(Math.floor(now.getTime() / 1000)) } } : {}) },
      // The holder's event id comes back with the refusal: no second read (and no dynamodb:GetItem) to learn the case.
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return { claimed: true };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
      const holder = (error as ConditionalCheckFailedException).Item?.eventId?.S;
      return { claimed: false, ...(holder ? { holder } : {}) };
    }
    throw error;
  }
}

export interface Attempt {
  principalArn: string;
  at: Date;
  eventId: string;
  /** The instances the refused call targeted (kept on the item: a later event acts on the whole window's). */
  instanceIds: readonly string[];
  windowMinutes: number;
}

/** The principal's refused calls in the sliding window: how many, and every instance they targeted (distinct, oldest first). */
export interface WindowCount {
  failures: number;
  instanceIds: string[];
}

/** Records this refused call (idempotent by event id, expiring with the window) and reads the principal's window back. */
export async function recordAndCount({ ddb, tableName }: AlertTable, { principalArn, at, eventId, instanceIds, windowMinutes }: Attempt): Promise<WindowCount> {
  const pk = `principal#${principalArn}`;
  await ddb.send(new PutItemCommand({
    TableName: tableName,
    Item: {
      pk: { S: pk }, sk: { S: `attempt#${at.toISOString()}#${eventId}` }, eventId: { S: eventId }, expiresAt: { N: expiresAt(at, windowMinutes) },
      // A list, not a string set: the order named is kept (a set's is not), so the alert lists them as the calls did.
      ...(instanceIds.length > 0 ? { instanceIds: { L: instanceIds.map((id) => ({ S: id })) } } : {}),
    },
  }));
  let failures = 0;
  const ids = new Set<string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await ddb.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: pk },
        ':from': { S: `attempt#${new Date(at.getTime() - windowMinutes * MINUTE).toISOString()}` },
        ':to': { S: `attempt#${at.toISOString()}#\uffff` },
      },
      // Strongly consistent: the item just written is counted.
      ConsistentRead: true,
      ProjectionExpression: 'instanceIds',
      ExclusiveStartKey: start,
    }));
    failures += out.Count ?? 0;
    for (const item of out.Items ?? []) for (const id of item.instanceIds?.L ?? []) if (id.S) ids.add(id.S);
    start = out.LastEvaluatedKey;
  } while (start);
  // This call's own, whatever the read returned.
  for (const id of instanceIds) ids.add(id);
  return { failures, instanceIds: [...ids] };
}
