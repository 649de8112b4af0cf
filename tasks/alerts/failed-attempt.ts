import { ConditionalCheckFailedException, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createSfnClient } from '../lib/clients/sfn';
import { createSnsClient } from '../lib/clients/sns';
import { commaList, jsonValue, readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { startNamedExecution } from '../lib/start-execution';
import { parseOrThrow } from '../lib/validation';
import { WORKFLOW } from '../lib/workflow-names';
import { containInputOf } from '../principal/lib/triage-input';
import { caseIdOf, refusal } from '../triage/lib/containment';
import type { TriageDecision } from '../triage/lib/policy';
import {
  DEFAULT_FAILED_ATTEMPTS, failedAttemptEventSchema, failedAttemptsSettingsSchema, shellQuote, windowStart, type FailedAttemptEvent, type FailedAttemptsSettings,
} from './lib/failed-attempts';

const env = readEnv({
  ALERT_TABLE_NAME: requiredString,
  NOTIFICATION_TOPIC_ARN: requiredString,
  CONTAIN_STATE_MACHINE_ARN: requiredString,
  /** CDK context failedAttempts, validated at synthesis (and again here). */
  FAILED_ATTEMPTS: jsonValue(DEFAULT_FAILED_ATTEMPTS),
  STACK_ACCOUNT_ID: requiredString,
  /** `<root stack name>-`: the stack's own roles, never contained. */
  OWN_ROLE_PREFIX: z._default(z.string(), ''),
  /** CDK context containPrincipal.protectedRoleArns. */
  PROTECTED_ROLE_ARNS: commaList,
});
const ddb = createDynamoDbClient();
const sns = createSnsClient();
const sfn = createSfnClient();
const MINUTE = 60_000;

export interface FailedAttemptOutcome {
  eventId: string;
  principalArn: string;
  sourceIp: string;
  /** `published`: the alert went to the topic; `rate-limited`: this source IP was alerted on in this window already. */
  alert: 'published' | 'rate-limited';
  messageId?: string;
  /** The principal's refused calls in the last windowMinutes, this one included. */
  failures: number;
  threshold: {
    reached: boolean;
    decision?: TriageDecision;
    /** Why contain-principal is never started for this principal (the stack's own roles, service-linked, ...). */
    refused?: string;
    /** `started` now; `already-started` (or already reported) in this principal's alert window; `report`: alert only. */
    containment?: 'started' | 'already-started' | 'report';
    executionArn?: string;
  };
}

const expiresAt = (at: Date, minutes: number): string => String(Math.ceil((at.getTime() + minutes * MINUTE) / 1000));

/** A conditional PutItem: true when written, false when the condition found the item another event wrote. */
async function claim(pk: string, sk: string, eventId: string, now: Date, minutes: number, extraCondition = ''): Promise<boolean> {
  try {
    await ddb.send(new PutItemCommand({
      TableName: env.ALERT_TABLE_NAME,
      Item: { pk: { S: pk }, sk: { S: sk }, eventId: { S: eventId }, expiresAt: { N: expiresAt(now, minutes) } },
      // The same event again (a redelivery or a retry) may claim what it claimed before.
      ConditionExpression: `attribute_not_exists(pk) OR eventId = :eventId${extraCondition}`,
      ExpressionAttributeValues: { ':eventId': { S: eventId }, ...(extraCondition ? { ':now': { N: String(Math.floor(now.getTime() / 1000)) } } : {}) },
    }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/** Records this refused call (idempotent by event id) and counts the principal's refused calls in the sliding window. */
async function countFailures(settings: FailedAttemptsSettings, principalArn: string, at: Date, eventId: string): Promise<number> {
  const pk = `principal#${principalArn}`;
  await ddb.send(new PutItemCommand({
    TableName: env.ALERT_TABLE_NAME,
    Item: { pk: { S: pk }, sk: { S: `attempt#${at.toISOString()}#${eventId}` }, eventId: { S: eventId }, expiresAt: { N: expiresAt(at, settings.windowMinutes) } },
  }));
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await ddb.send(new QueryCommand({
      TableName: env.ALERT_TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': { S: pk },
        ':from': { S: `attempt#${new Date(at.getTime() - settings.windowMinutes * MINUTE).toISOString()}` },
        ':to': { S: `attempt#${at.toISOString()}#\uffff` },
      },
      Select: 'COUNT',
      ExclusiveStartKey: start,
    }));
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

const principalOfEvent = ({ detail: { userIdentity: id } }: FailedAttemptEvent) => ({
  type: id.type, arn: id.sessionContext?.sessionIssuer?.arn ?? id.arn ?? id.invokedBy ?? 'unknown',
});

/** The contain-principal input and the two commands that start it: the product's CLI and the AWS CLI. */
export function containCommands(event: FailedAttemptEvent, approval: boolean): { input: Record<string, unknown>; remediate: string; awsCli: string } {
  const { detail } = event;
  // No trigger: whoever runs the command is it (remediate start adds it, proven); the case id names the event.
  const input = containInputOf({ principal: principalOfEvent(event), ...(detail.userIdentity.accessKeyId ? { accessKeyId: detail.userIdentity.accessKeyId } : {}) },
    caseIdOf(detail.eventID), { source: 'cli' }, approval);
  delete input.trigger;
  const json = shellQuote(JSON.stringify(input));
  return {
    input,
    remediate: `remediate start ${WORKFLOW.containPrincipal} --input ${json}`,
    awsCli: `aws stepfunctions start-execution --state-machine-arn ${env.CONTAIN_STATE_MACHINE_ARN} --input ${json}`,
  };
}

function message(settings: FailedAttemptsSettings, event: FailedAttemptEvent, outcome: FailedAttemptOutcome): { subject: string; body: string } {
  const { detail } = event;
  const id = detail.userIdentity;
  const lines = [
    `A refused EC2 call: ${detail.eventName} answered ${detail.errorCode}.`,
    `Principal: ${outcome.principalArn} (${id.type})${id.arn && id.arn !== outcome.principalArn ? `, session ${id.arn}` : ''}`,
    `Access key: ${id.accessKeyId ?? 'none in the event'}`,
    `Source IP: ${outcome.sourceIp}`,
    `User agent: ${detail.userAgent ?? 'unknown'}`,
    `Event: ${detail.eventName}, error ${detail.errorCode}${detail.errorMessage ? ` (${detail.errorMessage})` : ''}`,
    `Event id: ${detail.eventID}, at ${detail.eventTime}, region ${event.region}, account ${event.account}`,
    `Refused calls by this principal in the last ${settings.windowMinutes} minutes: ${outcome.failures} (threshold ${settings.threshold}).`,
    `Further alerts for ${outcome.sourceIp} are held back for ${settings.alertWindowMinutes} minutes.`,
  ];
  const { threshold } = outcome;
  if (threshold.reached) {
    const what = threshold.containment === 'started' ? `contain-principal was started (${threshold.decision === 'approval' ? 'it asks a person before any change' : 'without approval'}): ${threshold.executionArn}`
      : threshold.containment === 'already-started' ? 'contain-principal was already started (or reported) for this principal in this window'
        : threshold.refused ? `contain-principal is not started: ${threshold.refused}`
          : 'the policy is report: contain-principal was not started; the commands below would start it';
    lines.push('', `THRESHOLD REACHED: ${what}.`);
  }
  // Not when contain-principal was started for this principal in this window: the commands would open a second case.
  if (!threshold.refused && threshold.containment !== 'started' && threshold.containment !== 'already-started') {
    const commands = containCommands(event, true);
    lines.push('', 'To contain the principal (it asks a person before any change; drop "approval" to act at once):', commands.remediate, '', 'or with the AWS CLI:', commands.awsCli);
  }
  const subject = `${threshold.reached ? 'Threshold reached: ' : ''}refused ${detail.eventName} by ${outcome.principalArn.split(/[:/]/).pop()} from ${outcome.sourceIp}`;
  return { subject: subject.slice(0, 99), body: lines.join('\n') };
}

/** Starts contain-principal once per principal per alert window, under the policy; never for a principal it must not contain. */
async function onThreshold(settings: FailedAttemptsSettings, event: FailedAttemptEvent, principal: { type: string; arn: string }, at: Date): Promise<FailedAttemptOutcome['threshold']> {
  const refused = refusal(principal.arn, principal.type, {
    allowedPrincipals: [], decision: settings.policy, ownRoleArns: env.PROTECTED_ROLE_ARNS, ownRolePrefix: env.OWN_ROLE_PREFIX, account: env.STACK_ACCOUNT_ID,
  });
  const decision: TriageDecision = refused ? 'report' : settings.policy;
  const first = await claim(`principal#${principal.arn}`, 'containment', event.detail.eventID, at, settings.alertWindowMinutes, ' OR expiresAt < :now');
  const base = { reached: true, decision, ...(refused ? { refused } : {}) };
  if (!first) return { ...base, containment: 'already-started' };
  if (decision === 'report') return { ...base, containment: 'report' };
  const input = containInputOf({ principal, ...(event.detail.userIdentity.accessKeyId ? { accessKeyId: event.detail.userIdentity.accessKeyId } : {}) },
    caseIdOf(event.detail.eventID), { source: 'eventbridge', eventId: event.detail.eventID, principal: principal.arn }, decision === 'approval');
  const started = await startNamedExecution(sfn, {
    stateMachineArn: env.CONTAIN_STATE_MACHINE_ARN, name: `failed-attempts-${event.detail.eventID}`, input: JSON.stringify(input),
  });
  return { ...base, containment: 'started', executionArn: started.executionArn };
}

/** The handler under the given settings (CDK context failedAttempts; the tests try each policy). */
export const failedAttemptHandler = (settings: FailedAttemptsSettings) => async (raw: unknown): Promise<FailedAttemptOutcome> => {
  const event = parseOrThrow(failedAttemptEventSchema, raw);
  const { detail } = event;
  const principal = principalOfEvent(event);
  const at = new Date(detail.eventTime);
  const sourceIp = detail.sourceIPAddress ?? 'unknown';
  const failures = await countFailures(settings, principal.arn, at, detail.eventID);
  const threshold = failures >= settings.threshold ? await onThreshold(settings, event, principal, at) : { reached: false };
  const ipFirst = await claim(`ip#${sourceIp}`, `window#${windowStart(at, settings.alertWindowMinutes)}`, detail.eventID, at, settings.alertWindowMinutes);
  const outcome: FailedAttemptOutcome = { eventId: detail.eventID, principalArn: principal.arn, sourceIp, alert: 'rate-limited', failures, threshold };
  // The threshold's notice is never held back: it comes once per principal per window anyway.
  const newThreshold = threshold.reached && 'containment' in threshold && threshold.containment !== 'already-started';
  if (ipFirst || newThreshold) {
    const { subject, body } = message(settings, event, outcome);
    const out = await sns.send(new PublishCommand({ TopicArn: env.NOTIFICATION_TOPIC_ARN, Subject: subject, Message: body }));
    outcome.alert = 'published';
    if (out.MessageId) outcome.messageId = out.MessageId;
  }
  logger.info('refused EC2 call', { eventId: detail.eventID, principal: principal.arn, sourceIp, alert: outcome.alert, failures, threshold });
  return outcome;
};

/** EventBridge target: a refused EC2 call. Alerts once per source IP per window; N refusals in M minutes start contain-principal. */
export const handler = failedAttemptHandler(failedAttemptsSettingsSchema.parse(env.FAILED_ATTEMPTS));
