// What the stack gives the alert function; imported first so the handler reads it at load, as in Lambda.
export const ACCOUNT = '123456789012';
export const TABLE = 'failed-attempts';
export const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:notifications`;
export const CONTAIN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:remediation-contain-principal`;
export const ISOLATE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:remediation-isolate-instance`;
export const PROTECTED = `arn:aws:iam::${ACCOUNT}:role/break-glass`;
Object.assign(process.env, {
  ALERT_TABLE_NAME: TABLE, NOTIFICATION_TOPIC_ARN: TOPIC, CONTAIN_STATE_MACHINE_ARN: CONTAIN, ISOLATE_STATE_MACHINE_ARN: ISOLATE, ISOLATE_POLICY: 'approval', STACK_ACCOUNT_ID: ACCOUNT,
  OWN_ROLE_PREFIX: 'RemediationStack-', PROTECTED_ROLE_ARNS: PROTECTED,
  FAILED_ATTEMPTS: JSON.stringify({ threshold: 3, windowMinutes: 10, alertWindowMinutes: 60, policy: 'approval' }),
});
