import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EncryptVolumesWorkflow } from './constructs/encrypt-volumes-workflow';
import { acknowledgeAcceptedWildcards } from './nag';

/** The deployable product: one construct per workflow, composed here. */
export class RemediationStack extends Stack {
  readonly encryptVolumes: EncryptVolumesWorkflow;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.encryptVolumes = new EncryptVolumesWorkflow(this, 'EncryptVolumes');
    const machine = this.encryptVolumes.machine.stateMachine;
    new CfnOutput(this, 'EncryptVolumesStateMachineArn', { value: machine.stateMachineArn });
    new CfnOutput(this, 'EncryptVolumesConsoleLink', {
      value: `https://${this.region}.console.aws.amazon.com/states/home?region=${this.region}#/statemachines/view/${machine.stateMachineArn}`,
    });
    acknowledgeAcceptedWildcards(this);
  }
}
