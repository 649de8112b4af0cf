import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EnableCloudTrailWorkflow } from './constructs/enable-cloudtrail-workflow';
import { EnableConfigWorkflow } from './constructs/enable-config-workflow';
import { EnableFlowLogsWorkflow } from './constructs/enable-flow-logs-workflow';
import { EncryptVolumesWorkflow } from './constructs/encrypt-volumes-workflow';
import type { RemediationStateMachine } from './constructs/remediation-state-machine';
import { acknowledgeAcceptedWildcards } from './nag';

/** The deployable product: one construct per workflow, composed here. */
export class RemediationStack extends Stack {
  readonly encryptVolumes: EncryptVolumesWorkflow;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.encryptVolumes = new EncryptVolumesWorkflow(this, 'EncryptVolumes');
    // Every workflow: one construct (its functions, permissions and state machine), listed here.
    const workflows: Record<string, RemediationStateMachine> = {
      EncryptVolumes: this.encryptVolumes.machine,
      EnableConfig: new EnableConfigWorkflow(this, 'EnableConfig').machine,
      EnableCloudTrail: new EnableCloudTrailWorkflow(this, 'EnableCloudTrail').machine,
      EnableFlowLogs: new EnableFlowLogsWorkflow(this, 'EnableFlowLogs').machine,
    };
    for (const [id, workflow] of Object.entries(workflows)) {
      const machine = workflow.stateMachine;
      new CfnOutput(this, `${id}StateMachineArn`, { value: machine.stateMachineArn });
      new CfnOutput(this, `${id}ConsoleLink`, {
        value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${machine.stateMachineArn}`,
      });
    }
    acknowledgeAcceptedWildcards(this);
  }
}
