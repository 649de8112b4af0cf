import { createDynamoDbClient } from '../lib/clients/dynamodb';
import { createEc2Client } from '../lib/clients/ec2';
import { readEnv, requiredString } from '../lib/env';
import { PreconditionFailedError } from '../lib/errors';
import { logger } from '../lib/logger';
import { CASE_TABLE_ENV, deactivatedKeys, readCase } from '../principal/lib/case-store';
import { caseSnapshots, isHeld, releaseCommand, stillIsolated, type ClosurePlan, type ValidatedClose } from './lib/closure';

const ec2 = createEc2Client();
const dynamodb = createDynamoDbClient();
const { [CASE_TABLE_ENV]: TABLE } = readEnv({ [CASE_TABLE_ENV]: requiredString });

/**
 * Read-only: the case's forensic snapshots (remediation:case=<caseId>) and what would keep it open. Refused while
 * isolate-instance still holds an instance isolated for it (each named, with its release command), or while the
 * contain-principal case of this id still has keys Inactive and is not released, unless `force`: closing would
 * let the evidence expire while the containment it justifies is still in force. Nothing to mark: NO_ACTION.
 */
export const handler = async ({ request }: ValidatedClose): Promise<ClosurePlan> => {
  const { caseId } = request;
  const [snapshots, isolated, record] = await Promise.all([caseSnapshots(ec2, caseId), stillIsolated(ec2, caseId), readCase(dynamodb, TABLE, caseId)]);
  if (isolated.length > 0) {
    throw new PreconditionFailedError(`case ${caseId} still holds ${isolated.join(', ')} isolated (remediation:isolated=${caseId}): release first with `
      + `${isolated.map((id) => releaseCommand(id, caseId)).join('; ')}; nothing was changed`);
  }
  const keys = record && !record.releasedAt ? deactivatedKeys(record) : [];
  const contained = keys.length > 0 ? `${record?.principal.arn ?? caseId}: access keys ${keys.join(', ')} Inactive, not released` : undefined;
  if (contained && !request.force) {
    throw new PreconditionFailedError(`case ${caseId} is still containing ${contained}: release it first with remediate start contain-principal `
      + `--input '${JSON.stringify({ release: { caseId } })}', or close anyway with "force": true; nothing was changed`);
  }
  const held = snapshots.filter(isHeld);
  const alreadyClosed = snapshots.filter((s) => !isHeld(s) && s.tags.caseClosed);
  const toClose = snapshots.filter((s) => !isHeld(s) && !s.tags.caseClosed);
  const outcome = toClose.length === 0 ? 'NO_ACTION' : request.mode === 'plan' ? 'PLANNED' : 'PROCEED';
  logger.info('closure planned', { caseId, outcome, toClose: toClose.length, alreadyClosed: alreadyClosed.length, held: held.length });
  return { outcome, target: caseId, caseId, toClose, alreadyClosed, held, ...(contained ? { principalStillContained: contained } : {}) };
};
