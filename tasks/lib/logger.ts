import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every task; the service name groups the logs of one product. */
export const logger = new Logger({ serviceName: 'ec2-remediation' });
