// What the stack gives stop-block-executions; imported first so the handler reads it at load, as in Lambda.
export const BLOCK_EXECUTION_ARN_PREFIX = 'arn:aws:states:us-east-1:111122223333:execution:remediation-block-source-ip:';
process.env.BLOCK_EXECUTION_ARN_PREFIX = BLOCK_EXECUTION_ARN_PREFIX;
