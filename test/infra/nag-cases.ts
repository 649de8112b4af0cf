import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeAcceptedFindings, type AcceptedFinding } from '../../infra/nag';
import { CDK_CONTEXT, ENV } from './synth';

export const allow = (actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
  new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) });

/**
 * The IAM5 findings cdk-nag still reports on a small stack whose one role holds `statements`, after the
 * acknowledgement aspect (the kit's accepted findings plus `extra`) has run at synthesis.
 */
export function remainingFindings(
  statements: (stack: Stack) => iam.PolicyStatement[],
  options: { env?: typeof ENV | undefined; extra?: readonly AcceptedFinding[] } = { env: ENV },
): string[] {
  const app = new App({ context: CDK_CONTEXT });
  const stack = new Stack(app, 'Case', options.env ? { env: options.env } : {});
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  for (const statement of statements(stack)) role.addToPolicy(statement);
  acknowledgeAcceptedFindings(stack, options.extra);
  app.synth();
  return new AwsSolutionsChecks().validateScope(stack).violations
    .map((v) => v.ruleName).filter((rule) => rule.startsWith('AwsSolutions-IAM5')).sort();
}
