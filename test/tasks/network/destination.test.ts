import { destinationFromEnv, destinationOf } from '../../../tasks/network/lib/destination';
import { BUCKET_ARN, LOG_GROUP_ARN, ROLE_ARN } from './fixtures';

const env = { FLOW_LOGS_BUCKET_ARN: BUCKET_ARN, FLOW_LOGS_LOG_GROUP_ARN: LOG_GROUP_ARN, FLOW_LOGS_DELIVERY_ROLE_ARN: ROLE_ARN };

describe('destinationFromEnv', () => {
  it('reads the ARNs the stack passes and the log group name from its ARN (with or without the trailing :*)', () => {
    const expected = { bucketArn: BUCKET_ARN, logGroupArn: LOG_GROUP_ARN, logGroupName: '/remediation/vpc-flow-logs', deliveryRoleArn: ROLE_ARN };
    expect(destinationFromEnv(env)).toEqual(expected);
    const bare = LOG_GROUP_ARN.replace(/:\*$/, '');
    expect(destinationFromEnv({ ...env, FLOW_LOGS_LOG_GROUP_ARN: bare })).toEqual({ ...expected, logGroupArn: bare });
  });

  it.each(['FLOW_LOGS_BUCKET_ARN', 'FLOW_LOGS_LOG_GROUP_ARN', 'FLOW_LOGS_DELIVERY_ROLE_ARN'])('fails loudly without %s', (name) => {
    expect(() => destinationFromEnv({ ...env, [name]: undefined })).toThrow(`environment variable ${name} is not set: the stack passes it to this function`);
  });

  it('refuses a log group variable that is no log group ARN', () => {
    expect(() => destinationFromEnv({ ...env, FLOW_LOGS_LOG_GROUP_ARN: 'arn:aws:s3:::bucket' })).toThrow('FLOW_LOGS_LOG_GROUP_ARN is not a log group ARN: arn:aws:s3:::bucket');
  });

  it('names the destination as DescribeFlowLogs reports it', () => {
    const config = destinationFromEnv(env);
    expect([destinationOf(config, 's3'), destinationOf(config, 'cloud-watch-logs')]).toEqual([BUCKET_ARN, '/remediation/vpc-flow-logs']);
  });
});
