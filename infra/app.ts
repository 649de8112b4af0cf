import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigurationError } from './kit/context';
import { RemediationStack } from './stack';

const app = new App();
try {
  new RemediationStack(app, 'Ec2RemediationStack', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'Step Functions remediation workflows for EC2 security events',
  });
} catch (error) {
  // A setting to fix, not a bug: its message alone, without a stack trace.
  if (!(error instanceof ConfigurationError)) throw error;
  console.error(`Synthesis stopped: ${error.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
