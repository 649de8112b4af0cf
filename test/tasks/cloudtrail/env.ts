// What the construct gives the task functions; imported first so handlers read it at load, as in Lambda.
export const LOG_BUCKET = 'stack-trail-logs';
export const OWN_TRAIL = 'remediation-trail';
export const OWN_TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:111122223333:trail/${OWN_TRAIL}`;
process.env.TRAIL_BUCKET_NAME = LOG_BUCKET;
process.env.TRAIL_NAME = OWN_TRAIL;
process.env.TRAIL_ARN = OWN_TRAIL_ARN;
process.env.AWS_REGION = 'us-east-1';
