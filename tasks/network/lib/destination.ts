import { readEnv, requiredString } from '../../lib/env';
import type { FlowLogDestination } from './schema';

/** Where the stack's flow-logs resources are, passed by the stack as environment variables. */
export const DESTINATION_ENV = {
  bucketArn: 'FLOW_LOGS_BUCKET_ARN',
  logGroupArn: 'FLOW_LOGS_LOG_GROUP_ARN',
  deliveryRoleArn: 'FLOW_LOGS_DELIVERY_ROLE_ARN',
} as const;

export interface DestinationConfig {
  bucketArn: string;
  logGroupArn: string;
  logGroupName: string;
  deliveryRoleArn: string;
}

/** Read once at load: a function deployed without them fails loudly on its first invocation's init. */
export function destinationFromEnv(env: NodeJS.ProcessEnv = process.env): DestinationConfig {
  const read = readEnv({
    [DESTINATION_ENV.bucketArn]: requiredString, [DESTINATION_ENV.logGroupArn]: requiredString, [DESTINATION_ENV.deliveryRoleArn]: requiredString,
  }, env);
  const bucketArn = read[DESTINATION_ENV.bucketArn] as string;
  const logGroupArn = read[DESTINATION_ENV.logGroupArn] as string;
  // CloudFormation's log group Arn ends in ":*"; the name is what follows "log-group:".
  const logGroupName = /:log-group:(.+?)(:\*)?$/.exec(logGroupArn)?.[1];
  if (!logGroupName) throw new Error(`${DESTINATION_ENV.logGroupArn} is not a log group ARN: ${logGroupArn}`);
  return { bucketArn, logGroupArn, logGroupName, deliveryRoleArn: read[DESTINATION_ENV.deliveryRoleArn] as string };
}

/** The destination as DescribeFlowLogs reports it, to recognise our own flow log among a VPC's. */
export function destinationOf(config: DestinationConfig, destination: FlowLogDestination): string {
  return destination === 's3' ? config.bucketArn : config.logGroupName;
}
