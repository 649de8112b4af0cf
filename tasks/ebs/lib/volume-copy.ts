import type { PollProfile } from '../../lib/polling';

/**
 * EC2's refusal of CopyVolumes while copies are in flight (one per source volume, five per region, until each
 * copy has initialized). The state machine queues on it (a Retry with backoff and a bounded budget,
 * workflows/encrypt-volumes-volume-copy.ts); the local emulation refuses with it (local/emulation/copy-volumes.ts).
 */
export const COPY_VOLUMES_LIMIT_EXCEEDED = 'CopyVolumesLimitExceeded';
/** Copies in flight per region that EC2 takes (README: "volume-copy limits"). */
export const COPIES_IN_FLIGHT_PER_REGION = 5;

/**
 * Following the copies' initialization after the lock is released (CheckVolumeInitialization): 60 s doubling
 * (or half the time EC2 estimates is left) up to an hour between reads. The budget grows with the largest copy,
 * since the copies initialize side by side: 12 reads plus one per 128 GiB, at most 150 (16 TiB: 140 reads, about
 * six days at the hourly cap, twice and more the 47 h the benchmark models at 100 MiB/s). Each read adds 9 history
 * events, so even the largest budget writes about 1,350 (bench/history-model.ts).
 */
export const INITIALIZATION_PROFILE: PollProfile = { minWaitSeconds: 60, maxWaitSeconds: 3600, basePolls: 12, gibPerExtraPoll: 128, maxPolls: 150 };
