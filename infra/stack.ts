import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AuditTrail } from './constructs/audit-trail';
import { EnableCloudTrailWorkflow } from './constructs/enable-cloudtrail-workflow';
import { EnableConfigWorkflow } from './constructs/enable-config-workflow';
import { EnableFlowLogsWorkflow } from './constructs/enable-flow-logs-workflow';
import { EncryptVolumesWorkflow } from './constructs/encrypt-volumes-workflow';
import type { RemediationStateMachine } from './constructs/remediation-state-machine';
import { TriageWorkflow, type TriageWorkflowProps } from './constructs/triage-workflow';
import { acknowledgeAcceptedWildcards } from './nag';

/** The deployable product: one construct per workflow, composed here. */
export class RemediationStack extends Stack {
  readonly encryptVolumes: EncryptVolumesWorkflow;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.encryptVolumes = new EncryptVolumesWorkflow(this, 'EncryptVolumes');
    const flowLogs = new EnableFlowLogsWorkflow(this, 'EnableFlowLogs');
    // Every workflow: one construct (its functions, permissions and state machine), listed here.
    const workflows: Record<string, RemediationStateMachine> = {
      EncryptVolumes: this.encryptVolumes.machine,
      EnableFlowLogs: flowLogs.machine,
      EnableConfig: new EnableConfigWorkflow(this, 'EnableConfig').machine,
      EnableCloudTrail: new EnableCloudTrailWorkflow(this, 'EnableCloudTrail').machine,
    };
    // What triage starts by itself and what it only reports: CDK context `triage` (see cdk.json).
    const triageSettings = (this.node.tryGetContext('triage') ?? {}) as Pick<TriageWorkflowProps, 'policy' | 'allowedPrincipals'>;
    const triage = new TriageWorkflow(this, 'TriageStartInstances', {
      children: { 'encrypt-volumes': this.encryptVolumes.machine.stateMachine, 'enable-flow-logs': flowLogs.machine.stateMachine },
      ourRoles: [this.encryptVolumes.functions['start-instance'].role],
      ...triageSettings,
    });
    workflows.TriageStartInstances = triage.machine;
    for (const [id, workflow] of Object.entries(workflows)) {
      const machine = workflow.stateMachine;
      new CfnOutput(this, `${id}StateMachineArn`, { value: machine.stateMachineArn });
      new CfnOutput(this, `${id}ConsoleLink`, {
        value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${machine.stateMachineArn}`,
      });
    }
    // CDK context `audit`: { "retentionDays": 3653, "notificationEmail": "secops@example.com" } (both optional).
    const audit = (this.node.tryGetContext('audit') ?? {}) as { retentionDays?: logs.RetentionDays; notificationEmail?: string };
    new AuditTrail(this, 'Audit', { machines: Object.values(workflows), ...(audit.retentionDays ? { retention: audit.retentionDays } : {}), ...(audit.notificationEmail ? { notificationEmail: audit.notificationEmail } : {}) });
    acknowledgeAcceptedWildcards(this);
  }
}
