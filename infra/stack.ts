import { CfnOutput, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { WORKFLOW } from '../tasks/lib/workflow-names';
import { WORKFLOWS } from '../workflows/registry';
import { AUDIT_TRAIL_ACCEPTED_FINDINGS, AuditTrail } from './constructs/audit-trail';
import { FailedAttemptAlerts, failedAttemptsSettings } from './constructs/failed-attempt-alerts';
import { nestedWorkflow } from './kit/nested-workflow';
import { RemediationApprovers, requireApprovalSubscribers, subscribeApprovers, type ApprovalSettings } from './kit/approval';
import { contextObject } from './kit/context';
import { acknowledgeAcceptedFindings } from './nag';
import { ALARM_NAME_PREFIX } from '../tasks/high-cpu/lib/alarm';
import { effectivePolicy } from '../tasks/triage/lib/policy';
import { SPECS } from './workflows';
import type { TriageProps } from './workflows/triage-start-instances';

const constructId = (name: string): string => {
  const entry = WORKFLOWS.find((w) => w.name === name);
  if (!entry) throw new Error(`${name} is not in workflows/registry.ts`);
  return entry.constructId;
};

/**
 * The deployable product: one RemediationWorkflow per spec, each in a nested stack of its own (nestedWorkflow:
 * CloudFormation's 500 resources per stack), and in the root what the whole deployment shares: the lock table,
 * the stack-owned buckets and tables, the approval topic and approvers' policy, the audit trail and the outputs.
 */
export class RemediationStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // What triage starts by itself and what it only reports: CDK context `triage` (see cdk.json).
    const triageSettings = contextObject<Pick<TriageProps, 'policy' | 'allowedPrincipals' | 'restrictSecurityGroups'>>(this.node, 'triage');
    // Who is asked: CDK context `approval.subscribers`; a policy that asks nobody fails synthesis first (infra/kit/approval.ts).
    // failedAttempts.policy "approval" starts contain-principal asking a person too: someone must be asked.
    const failedAttemptSettings = failedAttemptsSettings(this.node);
    const approvers = requireApprovalSubscribers(failedAttemptSettings.policy === 'approval' ? { ...triageSettings.policy, 'contain-principal': 'approval' } : triageSettings.policy,
      contextObject<ApprovalSettings>(this.node, 'approval'));
    const encryptVolumes = nestedWorkflow(this, constructId(WORKFLOW.encryptVolumes), SPECS[WORKFLOW.encryptVolumes], {});
    const flowLogs = nestedWorkflow(this, constructId(WORKFLOW.enableFlowLogs), SPECS[WORKFLOW.enableFlowLogs], {});
    const config = nestedWorkflow(this, constructId(WORKFLOW.enableConfig), SPECS[WORKFLOW.enableConfig], {});
    const cloudTrail = nestedWorkflow(this, constructId(WORKFLOW.enableCloudTrail), SPECS[WORKFLOW.enableCloudTrail], {});
    const unblock = nestedWorkflow(this, constructId(WORKFLOW.unblockSourceIp), SPECS[WORKFLOW.unblockSourceIp], {});
    const block = nestedWorkflow(this, constructId(WORKFLOW.blockSourceIp), SPECS[WORKFLOW.blockSourceIp], {
      unblockStateMachine: unblock.machine.stateMachine, approvalTopic: encryptVolumes.resources.approvalTopic,
      ...contextObject<{ approvalThreshold: number }>(this.node, 'blockSourceIp'),
    });
    const investigate = nestedWorkflow(this, constructId(WORKFLOW.investigateTraffic), SPECS[WORKFLOW.investigateTraffic], {
      flowLogsBucket: flowLogs.resources.bucket, flowLogsLogGroup: flowLogs.resources.logGroup, blockStateMachine: block.machine.stateMachine, ...contextObject<{ buckets: string[]; logGroups: string[] }>(this.node, 'investigateTraffic'),
    });
    subscribeApprovers(this, encryptVolumes.resources.approvalTopic, approvers);
    new RemediationApprovers(this, 'RemediationApprovers');
    const restrict = nestedWorkflow(this, constructId(WORKFLOW.restrictSecurityGroups), SPECS[WORKFLOW.restrictSecurityGroups], {});
    const ebsDefault = nestedWorkflow(this, constructId(WORKFLOW.enableEbsEncryptionByDefault), SPECS[WORKFLOW.enableEbsEncryptionByDefault], {});
    const imds = nestedWorkflow(this, constructId(WORKFLOW.enforceImdsv2), SPECS[WORKFLOW.enforceImdsv2], { approvalTopic: encryptVolumes.resources.approvalTopic });
    // contain-principal's root notices and high-cpu's alarms go to the audit trail's topic, made below from every machine: read once it exists.
    const notifications: { trail?: AuditTrail } = {};
    // Before triage, which starts it.
    const containSettings = contextObject<{ protectedRoleArns: string[] }>(this.node, 'containPrincipal');
    const contain = nestedWorkflow(this, constructId(WORKFLOW.containPrincipal), SPECS[WORKFLOW.containPrincipal], {
      notificationTopicArn: Lazy.string({ produce: () => notifications.trail?.topic.topicArn }), approvalTopic: encryptVolumes.resources.approvalTopic,
      ...containSettings,
    });
    const closeCase = nestedWorkflow(this, constructId(WORKFLOW.closeCase), SPECS[WORKFLOW.closeCase], { approvalTopic: encryptVolumes.resources.approvalTopic });
    // Started by isolate-instance (rotateKeyPair: true, which hands it the instance's lock) or by hand; its private keys' vault is the root's KeyPairVault.
    const rotateKeyPair = nestedWorkflow(this, constructId(WORKFLOW.rotateKeyPair), SPECS[WORKFLOW.rotateKeyPair], { approvalTopic: encryptVolumes.resources.approvalTopic });
    const isolate = nestedWorkflow(this, constructId(WORKFLOW.isolateInstance), SPECS[WORKFLOW.isolateInstance], {
      blockStateMachine: block.machine.stateMachine, approvalTopic: encryptVolumes.resources.approvalTopic, ...containSettings,
      rotateStateMachine: rotateKeyPair.machine.stateMachine,
    });
    const securityGroups = [restrict,
      nestedWorkflow(this, constructId(WORKFLOW.restoreSecurityGroups), SPECS[WORKFLOW.restoreSecurityGroups], {})];
    const expireRetained = nestedWorkflow(this, constructId(WORKFLOW.expireRetained), SPECS[WORKFLOW.expireRetained], {});
    const refreshAmi = nestedWorkflow(this, constructId(WORKFLOW.refreshAmi), SPECS[WORKFLOW.refreshAmi], {});
    const highCpu = nestedWorkflow(this, constructId(WORKFLOW.highCpu), SPECS[WORKFLOW.highCpu], {
      alarmTopicArn: Lazy.string({ produce: () => notifications.trail?.topic.topicArn }), approvalTopic: encryptVolumes.resources.approvalTopic,
      ...contextObject<{ cooldownHours: number }>(this.node, 'highCpu'),
    });
    // After high-cpu and contain-principal: their machines are among triage's children.
    const triage = nestedWorkflow(this, constructId(WORKFLOW.triageStartInstances), SPECS[WORKFLOW.triageStartInstances], {
      children: { [WORKFLOW.encryptVolumes]: encryptVolumes.machine.stateMachine, [WORKFLOW.enableFlowLogs]: flowLogs.machine.stateMachine, [WORKFLOW.investigateTraffic]: investigate.machine.stateMachine,
        [WORKFLOW.restrictSecurityGroups]: restrict.machine.stateMachine, [WORKFLOW.enforceImdsv2]: imds.machine.stateMachine,
        [WORKFLOW.enableEbsEncryptionByDefault]: ebsDefault.machine.stateMachine, [WORKFLOW.highCpu]: highCpu.machine.stateMachine,
        [WORKFLOW.containPrincipal]: contain.machine.stateMachine,
        [WORKFLOW.isolateInstance]: isolate.machine.stateMachine },
      // The roles that start instances in our workflows: encrypt-volumes' restart, high-cpu's start and its rollback's.
      ourRoles: [encryptVolumes.functions['start-instance'].role, highCpu.functions['start-instance'].role, highCpu.functions['rollback-resize'].role],
      ...triageSettings, ...(containSettings.protectedRoleArns ? { protectedRoleArns: containSettings.protectedRoleArns } : {}),
    });
    // After its four children: their machines (and total timeouts) are what the fleet starts.
    const fleet = nestedWorkflow(this, constructId(WORKFLOW.fleet), SPECS[WORKFLOW.fleet], {
      children: {
        [WORKFLOW.encryptVolumes]: { machine: encryptVolumes.machine.stateMachine, timeout: SPECS[WORKFLOW.encryptVolumes].timeout },
        [WORKFLOW.enableFlowLogs]: { machine: flowLogs.machine.stateMachine, timeout: SPECS[WORKFLOW.enableFlowLogs].timeout },
        [WORKFLOW.enforceImdsv2]: { machine: imds.machine.stateMachine, timeout: SPECS[WORKFLOW.enforceImdsv2].timeout },
        [WORKFLOW.restrictSecurityGroups]: { machine: restrict.machine.stateMachine, timeout: SPECS[WORKFLOW.restrictSecurityGroups].timeout },
      },
    });
    const all = [encryptVolumes, flowLogs, config, cloudTrail, triage, investigate, ...securityGroups, block, unblock, expireRetained, refreshAmi, ebsDefault, imds, highCpu, contain, closeCase, rotateKeyPair, isolate, fleet];
    for (const workflow of all) {
      const machine = workflow.machine.stateMachine;
      const outputId = workflow.node.id;
      new CfnOutput(this, `${outputId}StateMachineArn`, { value: machine.stateMachineArn });
      new CfnOutput(this, `${outputId}ConsoleLink`, {
        value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${machine.stateMachineArn}`,
      });
    }
    // Refused EC2 calls: alerts per source IP, and contain-principal and isolate-instance at CDK context failedAttempts' threshold (issue 10 items 4, 5).
    const failedAttempts = new FailedAttemptAlerts(this, 'FailedAttemptAlerts', {
      notificationTopicArn: Lazy.string({ produce: () => notifications.trail?.topic.topicArn }), containStateMachine: contain.machine.stateMachine,
      isolateStateMachine: isolate.machine.stateMachine, isolatePolicy: effectivePolicy(triageSettings.policy)['isolate-instance'],
      settings: failedAttemptSettings, ...(containSettings.protectedRoleArns ? { protectedRoleArns: containSettings.protectedRoleArns } : {}),
    });
    // Who alone may read the private keys rotate-key-pair stores (README "Rotating an instance's SSH key pair").
    new CfnOutput(this, 'KeyPairReadersRoleArn', { value: rotateKeyPair.resources.vault.readers.roleArn });
    // CDK context `audit`: { "retentionDays": 3653, "notificationEmail": "secops@example.com" } (both optional).
    const audit = contextObject<{ retentionDays: logs.RetentionDays; notificationEmail: string }>(this.node, 'audit');
    notifications.trail = new AuditTrail(this, 'Audit', {
      machines: all.map((w) => w.machine),
      workflowAlarmPrefixes: [ALARM_NAME_PREFIX],
      deadLetterQueues: [triage.resources.deadLetterQueue, failedAttempts.deadLetterQueue],
      ...(audit.retentionDays ? { retention: audit.retentionDays } : {}),
      ...(audit.notificationEmail ? { notificationEmail: audit.notificationEmail } : {}),
    });
    acknowledgeAcceptedFindings(this, AUDIT_TRAIL_ACCEPTED_FINDINGS);
  }
}
