import { Aws, type Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AUDIT_TRAIL_ACCEPTED_FINDINGS } from '../../infra/constructs/audit-trail';
import { KIT_ACCEPTED_FINDINGS, type AcceptedFinding } from '../../infra/nag';
import { SPECS } from '../../infra/workflows';
import { allow, remainingFindings } from './nag-cases';
import { parseStateMachine } from './definition';
import { removeAssembly, resourcesOf, synthRemediationStack, type Synthesized } from './synth';

const OURS = { StringEquals: { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes' } };
const VIA_EC2 = { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } };

let synth: Synthesized;
beforeAll(() => {
  synth = synthRemediationStack({ bundle: false });
});
afterAll(() => removeAssembly(synth));

describe('the RemediationStack', () => {
  it('has no AwsSolutions finding left unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(synth.stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only what an accepted finding (the kit\'s, the audit trail\'s or a workflow spec\'s) covers, each with a reason', () => {
    const acknowledged = synth.stack.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>)));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      const rule = id.replace(/^annotation::/i, '');
      const entry = ALL_ACCEPTED.find((a) => (typeof a.rule === 'string' ? a.rule === rule : a.rule.test(rule)));
      expect({ rule, accepted: entry !== undefined, reasoned: reason.trim().length >= 20 }).toEqual({ rule, accepted: true, reasoned: true });
    }
  });

  it('acknowledges, for every accepted finding, some resource of the tree, nested stacks included (none left dangling)', () => {
    const acknowledged = synth.stack.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => id.replace(/^annotation::/i, ''))));
    const unused = ALL_ACCEPTED.filter((a) => !acknowledged.some((id) => (typeof a.rule === 'string' ? a.rule === id : a.rule.test(id))));
    expect(unused.map((a) => String(a.rule))).toEqual([]);
  });

  it('alarms on failed, timed-out and aborted executions', () => {
    const { logicalId } = parseStateMachine(synth.template, 'remediation-encrypt-volumes');
    const metric = (id: string, name: string) => ({
      Id: id, ReturnData: false,
      MetricStat: {
        Metric: { Namespace: 'AWS/States', MetricName: name, Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId } }] },
        Period: 300, Stat: 'Sum',
      },
    });
    const alarms = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'))
      .filter((a) => JSON.stringify(a.Properties.Metrics ?? []).includes(JSON.stringify({ Ref: logicalId })));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1, EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'expr_1', Expression: 'failed + timedOut + aborted', ReturnData: true },
        metric('failed', 'ExecutionsFailed'), metric('timedOut', 'ExecutionsTimedOut'), metric('aborted', 'ExecutionsAborted'),
      ],
    });
  });

  it('outputs the state machine ARN and a console link to it', () => {
    const { logicalId } = parseStateMachine(synth.template, 'remediation-encrypt-volumes');
    synth.template.hasOutput('EncryptVolumesStateMachineArn', { Value: { Ref: logicalId } });
    synth.template.hasOutput('EncryptVolumesConsoleLink', {
      Value: { 'Fn::Join': ['', ['https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/statemachines/view/', { Ref: logicalId }]] },
    });
  });
});

/** Every accepted finding of the product: the kit's, the audit trail's, and each workflow spec's own. */
const ALL_ACCEPTED: AcceptedFinding[] = [
  ...KIT_ACCEPTED_FINDINGS, ...AUDIT_TRAIL_ACCEPTED_FINDINGS,
  ...Object.values(SPECS).flatMap((spec): AcceptedFinding[] => spec.acceptedFindings ?? []),
];

describe('acknowledgeAcceptedFindings', () => {
  it('never acknowledges a wildcard action', () => {
    expect(remainingFindings(() => [allow(['ec2:*'], ['arn:aws:ec2:us-east-1:123456789012:instance/*'])]))
      .toEqual(['AwsSolutions-IAM5[Action::ec2:*]']);
  });

  describe('Resource::* (actions without resource-level permissions)', () => {
    it('acknowledges EC2 Describe*, GetEbsDefaultKmsKeyId, X-Ray, and DeleteSnapshot on our tag', () => {
      expect(remainingFindings(() => [
        allow(['ec2:DescribeVolumes', 'ec2:GetEbsDefaultKmsKeyId', 'xray:PutTraceSegments'], ['*']),
        allow(['ec2:DeleteSnapshot'], ['*'], OURS),
      ])).toEqual([]);
    });

    it('leaves any other action on * reported', () => {
      expect(remainingFindings(() => [allow(['s3:GetObject'], ['*'])])).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    });

    it('leaves DeleteSnapshot without the tag condition reported', () => {
      expect(remainingFindings(() => [allow(['ec2:DeleteSnapshot'], ['*'])])).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    });

    it('leaves the policy reported when an accepted statement sits beside an unaccepted one', () => {
      expect(remainingFindings(() => [allow(['ec2:DescribeVolumes'], ['*']), allow(['ec2:TerminateInstances'], ['*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::*]']);
    });
  });

  describe('<LogGroup.Arn>:log-stream:* (a function\'s own log streams)', () => {
    it('acknowledges writing log streams of a log group in the stack', () => {
      expect(remainingFindings((stack) => {
        const logGroup = new logs.LogGroup(stack, 'Logs');
        return [allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [`${logGroup.logGroupArn}:log-stream:*`])];
      })).toEqual([]);
    });

    it('leaves other log actions on those streams reported', () => {
      expect(remainingFindings((stack) => {
        const logGroup = new logs.LogGroup(stack, 'Logs');
        return [allow(['logs:GetLogEvents'], [`${logGroup.logGroupArn}:log-stream:*`])];
      })).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Logs[A-F0-9]+\.Arn>:log-stream:\*\]$/)]);
    });

    it('leaves every log group of the account reported', () => {
      expect(remainingFindings(() => [allow(['logs:PutLogEvents'], ['arn:aws:logs:us-east-1:123456789012:log-group:*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:*]']);
    });
  });

  describe('<Function.Arn>:* (versions and aliases of our functions)', () => {
    const fnIn = (stack: Stack) => new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });

    it('acknowledges invoking a function of the stack', () => {
      expect(remainingFindings((stack) => [allow(['lambda:InvokeFunction'], [`${fnIn(stack).functionArn}:*`])])).toEqual([]);
    });

    it('leaves other actions on such an ARN reported', () => {
      expect(remainingFindings((stack) => [allow(['lambda:UpdateFunctionCode'], [`${fnIn(stack).functionArn}:*`])]))
        .toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Fn[A-F0-9]+\.Arn>:\*\]$/)]);
    });

    it('leaves every function of the account reported', () => {
      expect(remainingFindings(() => [allow(['lambda:InvokeFunction'], ['arn:aws:lambda:us-east-1:123456789012:function:*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:lambda:us-east-1:123456789012:function:*]']);
    });
  });

  describe('ec2 instance/volume/snapshot/* (ids known only at run time)', () => {
    it('acknowledges them in this account and region, literal or as pseudo parameters', () => {
      expect(remainingFindings(() => [
        allow(['ec2:StopInstances'], ['arn:aws:ec2:us-east-1:123456789012:instance/*']),
        allow(['ec2:CopySnapshot'], ['arn:aws:ec2:us-east-1::snapshot/*']),
        allow(['ec2:AttachVolume'], [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:volume/*`]),
      ])).toEqual([]);
    });

    it('leaves any region reported', () => {
      expect(remainingFindings(() => [allow(['ec2:StopInstances'], ['arn:aws:ec2:*:123456789012:instance/*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:ec2:*:123456789012:instance/*]']);
    });

    it('leaves other resource types reported', () => {
      expect(remainingFindings(() => [allow(['ec2:AuthorizeSecurityGroupIngress'], ['arn:aws:ec2:us-east-1:123456789012:security-group/*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:123456789012:security-group/*]']);
    });
  });

  describe('kms key/* and alias/* (the key is chosen per execution)', () => {
    it('acknowledges DescribeKey, and other key use through EC2/EBS only', () => {
      expect(remainingFindings(() => [
        allow(['kms:DescribeKey'], ['arn:aws:kms:us-east-1:123456789012:key/*', 'arn:aws:kms:us-east-1:123456789012:alias/*']),
        allow(['kms:CreateGrant', 'kms:Decrypt'], ['arn:aws:kms:us-east-1:123456789012:key/*'], VIA_EC2),
      ])).toEqual([]);
    });

    it('leaves key use without kms:ViaService reported', () => {
      expect(remainingFindings(() => [allow(['kms:Decrypt'], ['arn:aws:kms:us-east-1:123456789012:key/*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:kms:us-east-1:123456789012:key/*]']);
    });

    it('leaves keys of any account reported', () => {
      expect(remainingFindings(() => [allow(['kms:DescribeKey'], ['arn:aws:kms:us-east-1:*:key/*'])]))
        .toEqual(['AwsSolutions-IAM5[Resource::arn:aws:kms:us-east-1:*:key/*]']);
    });
  });
});
