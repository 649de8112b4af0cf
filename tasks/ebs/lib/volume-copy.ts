/**
 * EC2's refusal of CopyVolumes while copies are in flight (one per source volume, five per region, until each
 * copy has initialized). The state machine queues on it (a Retry with backoff and a bounded budget,
 * workflows/encrypt-volumes-volume-copy.ts); the local emulation refuses with it (local/emulation/copy-volumes.ts).
 */
export const COPY_VOLUMES_LIMIT_EXCEEDED = 'CopyVolumesLimitExceeded';
/** Copies in flight per region that EC2 takes (README: "volume-copy limits"). */
export const COPIES_IN_FLIGHT_PER_REGION = 5;
