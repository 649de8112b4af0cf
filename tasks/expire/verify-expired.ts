import { createEc2Client } from '../lib/clients/ec2';
import { findSnapshots, findVolumes } from '../lib/ec2';
import { VerificationFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { inChunks } from './lib/account';
import type { DeleteResult } from './lib/types';

const ec2 = createEc2Client();

/** Re-reads what the delete step reports gone before success is reported: no such volume (or one `deleting`), no such snapshot. */
export const handler = async ({ deleted }: { deleted: DeleteResult }): Promise<{ verified: number; at: string }> => {
  const ids = (type: 'volume' | 'snapshot') => deleted.deleted.filter((d) => d.resourceType === type).map((d) => d.resourceId);
  const volumes = await inChunks(ids('volume'), (c) => findVolumes(ec2, [{ Name: 'volume-id', Values: c }]));
  const snapshots = await inChunks(ids('snapshot'), (c) => findSnapshots(ec2, [{ Name: 'snapshot-id', Values: c }]));
  const problems = [
    ...volumes.filter((v) => v.State !== 'deleting').map((v) => `volume ${v.VolumeId as string} is still ${v.State as string}`),
    ...snapshots.map((s) => `snapshot ${s.SnapshotId as string} still exists (${s.State as string})`),
  ];
  if (problems.length > 0) throw new VerificationFailedError(`not deleted as reported: ${problems.join('; ')}`);
  logger.info('deletions verified', { verified: deleted.deleted.length });
  return { verified: deleted.deleted.length, at: new Date().toISOString() };
};
