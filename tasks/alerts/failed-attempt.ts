import { PublishCommand } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { createSfnClient } from '../lib/clients/sfn';
import { createSnsClient } from '../lib/clients/sns';
import { commaList, jsonValue, readEnv, requiredString } from '../lib/env';
import { logger } from '../lib/logger';
import { startNamedExecution } from '../lib/start-execution';
import { parseOrThrow } from '../lib/validation';
import { WORKFLOW } from '../lib/workflow-names';
import { containInputOf } from '../principal/lib/triage-input';
import { caseIdOf, isolationRefusal, refusal, type ContainmentSettings } from '../triage/lib/containment';
import { stricterDecision, type TriageDecision } from '../triage/lib/policy';
import { claim, recordAndCount, type AlertTable } from './lib/alert-table';
import {
  DEFAULT_FAILED_ATTEMPTS, failedAttemptEventSchema, failedAttemptsSettingsSchema, instanceIdsOf, shellQuote, windowStart, type FailedAttemptEvent, type FailedAttemptsSettings,
} from './lib/failed-attempts';
import { isolateInstances, isolationLines, type IsolationOutcome } from './lib/isolation';

const env = readEnv({
  ALERT_TABLE_NAME: requiredString,
  NOTIFICATION_TOPIC_ARN: requiredString,
  CONTAIN_STATE_MACHINE_ARN: requiredString,
  ISOLATE_STATE_MACHINE_ARN: requiredString,
  /** CDK context triage.policy's isolate-instance entry (default approval): isolations start under the stricter of it and failedAttempts.policy. */
  ISOLATE_POLICY: z._default(z.enum(['report', 'approval', 'auto']), 'approval'),
  /** CDK context failedAttempts, validated at synthesis (and again here). */
  FAILED_ATTEMPTS: jsonValue(DEFAULT_FAILED_ATTEMPTS),
  STACK_ACCOUNT_ID: requiredString,
  /** `<root stack name>-`: the stack's own roles, never contained. */
  OWN_ROLE_PREFIX: z._default(z.string(), ''),
  /** CDK context containPrincipal.protectedRoleArns. */
  PROTECTED_ROLE_ARNS: commaList,
});
const table: AlertTable = { ddb: createDynamoDbClient(), tableName: env.ALERT_TABLE_NAME };
const ec2 = createEc2Client();
const sns = createSnsClient();
const sfn = createSfnClient();

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
    /** `case-<eventID>` of the event that claimed the containment in this window: contain-principal's and every isolation's. */
    caseId?: string;
    /** isolate-instance for each instance the principal's refused calls in the window targeted. */
    isolation?: IsolationOutcome;
  };
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
    if (threshold.isolation && threshold.caseId) lines.push(...isolationLines(threshold.isolation, threshold.caseId));
  }
  // Not when contain-principal was started for this principal in this window: the commands would open a second case.
  if (!threshold.refused && threshold.containment !== 'started' && threshold.containment !== 'already-started') {
    const commands = containCommands(event, true);
    lines.push('', 'To contain the principal (it asks a person before any change; drop "approval" to act at once):', commands.remediate, '', 'or with the AWS CLI:', commands.awsCli);
  }
  const subject = `${threshold.reached ? 'Threshold reached: ' : ''}refused ${detail.eventName} by ${outcome.principalArn.split(/[:/]/).pop()} from ${outcome.sourceIp}`;
  return { subject: subject.slice(0, 99), body: lines.join('\n') };
}

/**
 * Starts contain-principal once per principal per alert window, under the policy, and isolate-instance once per
 * instance the window's refused calls targeted, in the same case; never for a principal it must not contain.
 */
async function onThreshold(
  settings: FailedAttemptsSettings, isolatePolicy: TriageDecision, event: FailedAttemptEvent, principal: { type: string; arn: string }, at: Date, instanceIds: string[],
): Promise<FailedAttemptOutcome['threshold']> {
  const { eventID } = event.detail;
  const protection: ContainmentSettings = {
    allowedPrincipals: [], decision: settings.policy, ownRoleArns: env.PROTECTED_ROLE_ARNS, ownRolePrefix: env.OWN_ROLE_PREFIX, account: env.STACK_ACCOUNT_ID,
  };
  const refused = refusal(principal.arn, principal.type, protection);
  const decision: TriageDecision = refused ? 'report' : settings.policy;
  const first = await claim(table, {
    pk: `principal#${principal.arn}`, sk: 'containment', eventId: eventID, now: at, minutes: settings.alertWindowMinutes, takeOverExpired: true,
  });
  // A later event of the window joins the case the claiming event opened.
  const caseId = caseIdOf(first.claimed ? eventID : first.holder ?? eventID);
  const containment = await contain(first.claimed, decision, event, principal, caseId);
  const isolationRefused = isolationRefusal(principal.arn, principal.type, protection, 'made the refused calls');
  const isolation = await isolateInstances({
    table, ec2, sfn, stateMachineArn: env.ISOLATE_STATE_MACHINE_ARN, principalArn: principal.arn, instanceIds, caseId, eventId: eventID, at,
    alertWindowMinutes: settings.alertWindowMinutes, decision: isolationRefused ? 'report' : stricterDecision(settings.policy, isolatePolicy),
    ...(isolationRefused ? { refused: isolationRefused } : {}),
  });
  return { reached: true, decision, ...(refused ? { refused } : {}), ...containment, caseId, isolation };
}

/** contain-principal, when this event claimed the window and the decision starts it. */
async function contain(
  claimed: boolean, decision: TriageDecision, event: FailedAttemptEvent, principal: { type: string; arn: string }, caseId: string,
): Promise<Pick<FailedAttemptOutcome['threshold'], 'containment' | 'executionArn'>> {
  if (!claimed) return { containment: 'already-started' };
  if (decision === 'report') return { containment: 'report' };
  const { eventID, userIdentity } = event.detail;
  const input = containInputOf({ principal, ...(userIdentity.accessKeyId ? { accessKeyId: userIdentity.accessKeyId } : {}) },
    caseId, { source: 'eventbridge', eventId: eventID, principal: principal.arn }, decision === 'approval');
  const started = await startNamedExecution(sfn, { stateMachineArn: env.CONTAIN_STATE_MACHINE_ARN, name: `failed-attempts-${eventID}`, input: JSON.stringify(input) });
  return { containment: 'started', executionArn: started.executionArn };
}

/**
 * The handler under the given settings (CDK context failedAttempts, and triage.policy's isolate-instance entry; the
 * tests try each policy).
 */
export const failedAttemptHandler = (settings: FailedAttemptsSettings, isolatePolicy: TriageDecision = env.ISOLATE_POLICY) => async (raw: unknown): Promise<FailedAttemptOutcome> => {
  const event = parseOrThrow(failedAttemptEventSchema, raw);
  const { detail } = event;
  const principal = principalOfEvent(event);
  const at = new Date(detail.eventTime);
  const sourceIp = detail.sourceIPAddress ?? 'unknown';
  const window = await recordAndCount(table, {
    principalArn: principal.arn, at, eventId: detail.eventID, instanceIds: instanceIdsOf(detail.requestParameters), windowMinutes: settings.windowMinutes,
  });
  const { failures } = window;
  const threshold = failures >= settings.threshold ? await onThreshold(settings, isolatePolicy, event, principal, at, window.instanceIds) : { reached: false };
  const ipFirst = (await claim(table, {
    pk: `ip#${sourceIp}`, sk: `window#${windowStart(at, settings.alertWindowMinutes)}`, eventId: detail.eventID, now: at, minutes: settings.alertWindowMinutes,
  })).claimed;
  const outcome: FailedAttemptOutcome = { eventId: detail.eventID, principalArn: principal.arn, sourceIp, alert: 'rate-limited', failures, threshold };
  // The threshold's notice is never held back: it comes once per principal per window anyway, and once more for each
  // instance a later call of the window targets for the first time.
  const newIsolation = threshold.isolation?.instances.some((i) => i.status !== 'already-started') ?? false;
  const newThreshold = threshold.reached && 'containment' in threshold && (threshold.containment !== 'already-started' || newIsolation);
  if (ipFirst || newThreshold) {
    const { subject, body } = message(settings, event, outcome);
    const out = await sns.send(new PublishCommand({ TopicArn: env.NOTIFICATION_TOPIC_ARN, Subject: subject, Message: body }));
    outcome.alert = 'published';
    if (out.MessageId) outcome.messageId = out.MessageId;
  }
  logger.info('refused EC2 call', { eventId: detail.eventID, principal: principal.arn, sourceIp, alert: outcome.alert, failures, threshold });
  return outcome;
};

/**
 * EventBridge target: a refused EC2 call. Alerts once per source IP per window; N refusals in M minutes start
 * contain-principal and isolate-instance for the instances the refused calls targeted.
 */
export const handler = failedAttemptHandler(failedAttemptsSettingsSchema.parse(env.FAILED_ATTEMPTS));
