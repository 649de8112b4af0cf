import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { createEc2Client } from '../lib/clients/ec2';
import { createSsmClient } from '../lib/clients/ssm';
import { describeInstance } from '../lib/ec2';
import { InstanceChangedError, PreconditionFailedError, awsErrorName } from '../lib/errors';
import { TAG, tagValue } from '../lib/tags';
import { logger } from '../lib/logger';
import type { RotationPlan } from './lib/plan';
import { RUN_SHELL_SCRIPT, keyCommandScript, type KeyCommandKind } from './lib/scripts';

const ec2 = createEc2Client();
const ssm = createSsmClient();

export interface SendKeyCommandEvent {
  kind: KeyCommandKind;
  plan: RotationPlan;
  /** The new key pair (CreateKeyPair's result). */
  created: { keyName: string; publicKey: string };
  executionName: string;
}

export interface SentKeyCommand {
  kind: KeyCommandKind;
  commandId: string;
  instanceId: string;
  sentAt: string;
}

/** How long the script may run on the instance (AWS-RunShellScript executionTimeout), and SSM may take to deliver it. */
export const SCRIPT_TIMEOUT_SECONDS = 120;
export const DELIVERY_TIMEOUT_SECONDS = 600;

/**
 * Sends one of the authorized_keys scripts (tasks/key-pair/lib/scripts.ts) to the instance through SSM Run Command.
 * SendCommand has no client token; every script is idempotent, so a resend after a lost answer changes nothing more.
 * SSM refusing the instance (no longer managed: InvalidInstanceId) is a precondition that no longer holds. Before the
 * rotate command (the disruptive step) the instance is re-read: stopped, excluded or launched under another key pair
 * since the plan: InstanceChangedError, nothing sent.
 */
async function recheck(plan: RotationPlan): Promise<void> {
  const instance = await describeInstance(ec2, plan.instanceId);
  const changed = tagValue(instance.Tags, TAG.exclude)?.toLowerCase() === 'true' ? `tagged ${TAG.exclude}=true`
    : instance.State?.Name !== 'running' ? `now ${instance.State?.Name ?? 'unknown'}` : instance.KeyName !== plan.keyName ? `launched with ${instance.KeyName ?? 'no key pair'}` : undefined;
  if (changed) throw new InstanceChangedError(`${plan.instanceId} is ${changed} since the plan: authorized_keys left as it is`);
}

export const handler = async ({ kind, plan, created, executionName }: SendKeyCommandEvent): Promise<SentKeyCommand> => {
  if (kind === 'rotate') await recheck(plan);
  const commands = keyCommandScript(kind, {
    osUser: plan.osUser, executionName, newPublicKey: created.publicKey, oldPublicKey: plan.oldKeyPair?.publicKey ?? '', newKeyName: created.keyName,
  });
  try {
    const out = await ssm.send(new SendCommandCommand({
      DocumentName: RUN_SHELL_SCRIPT, InstanceIds: [plan.instanceId], TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      Comment: `${executionName} ${kind} authorized_keys`.slice(0, 100),
      Parameters: { commands, executionTimeout: [String(SCRIPT_TIMEOUT_SECONDS)] },
    }));
    const commandId = out.Command?.CommandId as string;
    logger.info('key command sent', { kind, commandId, instanceId: plan.instanceId });
    return { kind, commandId, instanceId: plan.instanceId, sentAt: new Date().toISOString() };
  } catch (error) {
    if (awsErrorName(error) === 'InvalidInstanceId') {
      throw new PreconditionFailedError(`SSM cannot run a command on ${plan.instanceId} any more (${(error as Error).message})`);
    }
    throw error;
  }
};
