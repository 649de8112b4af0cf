import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { createEc2Client } from '../lib/clients/ec2';
import { ResourceNotFoundError, isEc2NotFound } from '../lib/errors';
import { logger } from '../lib/logger';
import { LOCK_TAG, type LockState } from './lib/lock';

const ec2 = createEc2Client();

export interface LockResourcesEvent {
  lock: LockState;
  executionName: string;
  /** The ids the plan will change (encrypt-volumes: each original volume), from the spec's `resourcesPath`. */
  resources: string[];
}

export interface ResourcesLocked {
  tagged: string[];
  at: string;
}

/**
 * First step of the apply path, before any approval or change: each resource the plan will change
 * carries `remediation:lock` = this execution's name, as the instance has since AcquireLock. The
 * mutating roles are allowed only on resources so tagged; ReleaseLock removes the tag at every ending.
 * Tagging again with the same value is harmless, so a retry or re-run is safe.
 */
export const handler = async ({ lock, executionName, resources }: LockResourcesEvent): Promise<ResourcesLocked> => {
  const at = new Date().toISOString();
  // A plan takes no lock and tags nothing.
  if (!lock.held || resources.length === 0) return { tagged: [], at };
  try {
    await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [{ Key: LOCK_TAG, Value: executionName }] }));
  } catch (error) {
    if (isEc2NotFound(error)) throw new ResourceNotFoundError(`cannot lock ${resources.join(', ')}: ${(error as Error).message}`);
    throw error;
  }
  logger.info('resources locked', { resources });
  return { tagged: resources, at };
};
