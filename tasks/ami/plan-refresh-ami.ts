import { createEc2Client } from '../lib/clients/ec2';
import { createSsmClient } from '../lib/clients/ssm';
import { logger } from '../lib/logger';
import { planBackup } from './lib/backup-plan';
import { planReport } from './lib/report-plan';
import type { AmiPlan, RefreshAmiContext } from './lib/types';

const ec2 = createEc2Client();
const ssm = createSsmClient();

/**
 * Preflight, read-only: for `backup`, the image to create (name, reboot or not, tags, volumes) or the one found
 * by name; for `report`, each instance's AMI judged for age, deprecation, deregistration and family currency.
 */
export const handler = async (event: RefreshAmiContext): Promise<AmiPlan> => {
  const plan = event.request.action === 'backup' ? await planBackup(ec2, event) : await planReport(ec2, ssm, event);
  logger.info('refresh-ami planned', { action: plan.action, outcome: plan.outcome, target: plan.target });
  return plan;
};
