import { validateInputHandler } from '../lib/validate-input';
import { blockSourceIpInputSchema, unblockSourceIpInputSchema } from './lib/block-schema';

/**
 * The lock key both NACL workflows share (DESIGN.md "One at a time"): one execution changes NACL entries in the
 * account and region at a time, so two cannot choose the same free rule number, and an unblock never races a block.
 */
export const NACL_LOCK_TARGET = 'network-acl-entries';

/** First state of block-source-ip: checks the execution input's shape before anything is read or changed. */
export const handler = validateInputHandler(blockSourceIpInputSchema, {
  extra: { lockTarget: NACL_LOCK_TARGET },
  summary: (r) => ({ cidrs: r.cidrs.length, subnets: r.subnetIds?.length, instanceId: r.instanceId, direction: r.direction, mode: r.mode }),
});

/** The same for unblock-source-ip (tasks/network/validate-unblock-input.ts re-exports it as its handler). */
export const unblockHandler = validateInputHandler(unblockSourceIpInputSchema, {
  extra: { lockTarget: NACL_LOCK_TARGET },
  summary: (r) => ({ blockExecution: r.blockExecution, cidrs: r.cidrs?.length, nacls: r.naclIds?.length, onlyExpired: r.onlyExpired, mode: r.mode }),
});
