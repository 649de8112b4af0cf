import { unblockHandler } from './validate-block-input';

/** First state of unblock-source-ip: checks the execution input's shape before anything is read or changed. */
export const handler = unblockHandler;
