import { Aws, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { KIT_ACCEPTED_FINDINGS, type AcceptedFinding } from '../../infra/nag';
import { enableFlowLogsSpec } from '../../infra/workflows/enable-flow-logs';
import { allow, remainingFindings } from './nag-cases';
import { removeFlowLogsAssembly, synthFlowLogsStack, type FlowLogsSynth } from './enable-flow-logs-synth';
import { ENV } from './synth';

const findings = (statements: iam.PolicyStatement[], env: typeof ENV | undefined = ENV) =>
  remainingFindings(() => statements, { env, extra: enableFlowLogsSpec.acceptedFindings ?? [] });

const VPC = 'arn:aws:ec2:us-east-1:123456789012:vpc/*';
const FLOW_LOG = 'arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*';
const OURS = { StringEquals: { 'aws:ResourceTag/remediation:workflow': 'enable-flow-logs' } };

let synth: FlowLogsSynth;
beforeAll(() => {
  synth = synthFlowLogsStack({ bundle: false });
});
afterAll(() => removeFlowLogsAssembly(synth));

const ACCEPTED: AcceptedFinding[] = [...KIT_ACCEPTED_FINDINGS, ...(enableFlowLogsSpec.acceptedFindings ?? [])];

// No finding is left unacknowledged: test/infra/nag.test.ts runs cdk-nag once, on the whole RemediationStack.
it('acknowledges only accepted wildcards and the pinned runtime, each with a reason (no ACL, no other exception)', () => {
  const acknowledged = synth.stack.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>)));
  expect(acknowledged.length).toBeGreaterThan(0);
  for (const [id, reason] of acknowledged) {
    const rule = id.replace(/^annotation::/i, '');
    expect({ rule, accepted: ACCEPTED.some((a) => (typeof a.rule === 'string' ? a.rule === rule : a.rule.test(rule))), reasoned: reason.trim().length >= 20 })
      .toEqual({ rule, accepted: true, reasoned: true });
  }
});

describe('accepted wildcard: ec2 vpc/* and vpc-flow-log/*', () => {
  it('acknowledges creating flow logs, tagging them on create and deleting our own, literal or with pseudo parameters', () => {
    expect(findings([
      allow(['ec2:CreateFlowLogs'], [VPC, FLOW_LOG]),
      allow(['ec2:CreateTags'], [FLOW_LOG], { StringEquals: { 'ec2:CreateAction': 'CreateFlowLogs' } }),
      allow(['ec2:DeleteFlowLogs'], [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-flow-log/*`], OURS),
    ])).toEqual([]);
  });

  it('leaves deleting any flow log reported', () => {
    expect(findings([allow(['ec2:DeleteFlowLogs'], [FLOW_LOG])])).toEqual([`AwsSolutions-IAM5[Resource::${FLOW_LOG}]`]);
  });

  it('leaves deleting any flow log reported when the ARN is built from pseudo parameters', () => {
    expect(findings([allow(['ec2:DeleteFlowLogs'], [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:vpc-flow-log/*`])], undefined))
      .toEqual(['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:vpc-flow-log/*]']);
  });

  it('leaves other actions on VPCs reported', () => {
    expect(findings([allow(['ec2:DeleteVpc'], [VPC])])).toEqual([`AwsSolutions-IAM5[Resource::${VPC}]`]);
  });

  it('leaves tagging VPCs (not on create) reported', () => {
    expect(findings([allow(['ec2:CreateTags'], [VPC])])).toEqual([`AwsSolutions-IAM5[Resource::${VPC}]`]);
  });

  it('leaves any region reported', () => {
    expect(findings([allow(['ec2:CreateFlowLogs'], ['arn:aws:ec2:*:123456789012:vpc/*'])]))
      .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:ec2:*:123456789012:vpc/*]']);
  });
});
