/**
 * Every workflow's name, in one place: state machines are `remediation-<name>`, executions
 * `<name>-<target>-<stamp>`, and resources carry `remediation:workflow=<name>`.
 */
export const WORKFLOW = {
  encryptVolumes: 'encrypt-volumes',
  enableFlowLogs: 'enable-flow-logs',
  enableConfig: 'enable-config',
  enableCloudTrail: 'enable-cloudtrail',
  restrictSecurityGroups: 'restrict-security-groups', restoreSecurityGroups: 'restore-security-groups',
  triageStartInstances: 'triage-start-instances',
  investigateTraffic: 'investigate-traffic',
  blockSourceIp: 'block-source-ip', unblockSourceIp: 'unblock-source-ip',
  expireRetained: 'expire-retained',
  refreshAmi: 'refresh-ami',
  enableEbsEncryptionByDefault: 'enable-ebs-encryption-by-default',
  enforceImdsv2: 'enforce-imdsv2',
  highCpu: 'high-cpu',
  containPrincipal: 'contain-principal',
  closeCase: 'close-case',
  rotateKeyPair: 'rotate-key-pair',
  isolateInstance: 'isolate-instance',
  fleet: 'fleet',
} as const;

export type WorkflowName = (typeof WORKFLOW)[keyof typeof WORKFLOW];
