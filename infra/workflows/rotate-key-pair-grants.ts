import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PARAMETER_ROOT } from '../../tasks/key-pair/lib/plan';
import { RUN_SHELL_SCRIPT } from '../../tasks/key-pair/lib/scripts';
import { TAG } from '../../tasks/lib/tags';
import { WORKFLOW } from '../../tasks/lib/workflow-names';
import { EXCLUDED, ec2Arn } from '../kit/grants';
import { rootSingleton, rootStackOf } from '../kit/root';
import type { Grant } from '../kit/spec';
import { NO_RESOURCE_LEVEL, list, type AcceptedFinding, type AcceptsFindings } from '../nag';

/** The readers' role is `<root stack>-KeyPairReaders`: the README names it. */
export const KEY_PAIR_READERS_SUFFIX = 'KeyPairReaders';

/** The private keys' parameters are named at run time, one per instance and key, under one path: the workflow writes them, KeyPairReaders reads them. */
const PARAMETER_FINDING: AcceptedFinding = {
  rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):ssm:.*:parameter\/remediation\/key-pairs\/\*\]$/,
  reason: 'One SecureString per rotated key, under /remediation/key-pairs/<instance>/<key name>, named at run time: rotate-key-pair puts and (in rollback) deletes them, KeyPairReaders reads them.',
  statement: (s) => list(s.Action).every((a) => /^ssm:(PutParameter|DeleteParameter|GetParameters?)$/.test(String(a))),
};

/** KMS actions of key administration: everything but using the key (no Encrypt, Decrypt, ReEncrypt, GenerateDataKey). */
const KEY_ADMINISTRATION = [
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*',
  'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
];

const ssmVia = (scope: Construct) => ({ 'kms:ViaService': `ssm.${Stack.of(scope).region}.amazonaws.com`, 'kms:CallerAccount': Stack.of(scope).account });

/** ARN of every parameter under /remediation/key-pairs/ in this account and region. */
export const keyPairParameterArn = (scope: Construct): string => {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${PARAMETER_ROOT}/*`;
};

/**
 * Where rotated private keys are kept, once per deployment (root stack): a KMS key (rotation on) whose key policy lets
 * the account administer it and encrypt with it through SSM, and lets only the KeyPairReaders role decrypt, through SSM;
 * the role reads the parameters under /remediation/key-pairs/. No other principal can decrypt (the key policy grants
 * kms:Decrypt to no one else, so no IAM policy can), the workflow's own roles included.
 */
export class KeyPairVault extends Construct implements AcceptsFindings {
  static readonly ID = 'KeyPairVault';
  readonly acceptedFindings = [PARAMETER_FINDING];
  readonly key: kms.Key;
  readonly readers: iam.Role;

  static of(scope: Construct): KeyPairVault {
    return rootSingleton(scope, KeyPairVault.ID, (root, id) => new KeyPairVault(root, id));
  }

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.readers = new iam.Role(this, 'Readers', {
      roleName: `${rootStackOf(this).stackName}-${KEY_PAIR_READERS_SUFFIX}`,
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Reads the private keys rotate-key-pair stores under /remediation/key-pairs/ (SSM SecureString).',
    });
    const account = new iam.AccountRootPrincipal();
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ sid: 'KeyAdministration', principals: [account], actions: KEY_ADMINISTRATION, resources: ['*'] }),
        new iam.PolicyStatement({ sid: 'EncryptThroughSsm', principals: [account], actions: ['kms:Encrypt'], resources: ['*'], conditions: { StringEquals: ssmVia(this) } }),
        new iam.PolicyStatement({
          sid: 'DecryptOnlyKeyPairReaders', principals: [new iam.ArnPrincipal(this.readers.roleArn)], actions: ['kms:Decrypt'], resources: ['*'],
          conditions: { StringEquals: ssmVia(this) },
        }),
      ],
    });
    this.key = new kms.Key(this, 'Key', {
      description: `${stack.stackName}: rotate-key-pair's private keys (SSM SecureString under ${PARAMETER_ROOT}/)`,
      enableKeyRotation: true, policy,
    });
    this.readers.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [keyPairParameterArn(this)] }));
    this.readers.addToPolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn], conditions: { StringEquals: ssmVia(this) } }));
  }
}

export interface RotateKeyPairResources {
  vault: KeyPairVault;
  approvalTopicArn: string;
}

const keyPairArn = (scope: Construct): string => ec2Arn(scope, 'instance').replace(/instance\/\*$/, 'key-pair/*');

/** ImportKeyPair only with our workflow tag in the request, and tagging only as part of that import. */
export const importKeyPair: Grant<RotateKeyPairResources> = ({ scope }) => [
  new iam.PolicyStatement({
    actions: ['ec2:ImportKeyPair'], resources: [keyPairArn(scope)], conditions: { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: WORKFLOW.rotateKeyPair } },
  }),
  new iam.PolicyStatement({ actions: ['ec2:CreateTags'], resources: [keyPairArn(scope)], conditions: { StringEquals: { 'ec2:CreateAction': 'ImportKeyPair' } } }),
];

/** The private key goes in, never out: PutParameter and kms:Encrypt through SSM; reading back is explicitly denied. */
export const putPrivateKey: Grant<RotateKeyPairResources> = ({ scope, resources }) => [
  new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [keyPairParameterArn(scope)] }),
  new iam.PolicyStatement({ actions: ['kms:Encrypt'], resources: [resources.vault.key.keyArn], conditions: { StringEquals: ssmVia(scope) } }),
  new iam.PolicyStatement({
    effect: iam.Effect.DENY, actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'ssm:GetParameterHistory', 'kms:Decrypt'], resources: ['*'],
  }),
];

/** The old key pair: any of this account's, never one tagged remediation:exclude=true (IAM cannot tell which is the instance's). */
export const deleteOldKeyPair: Grant<RotateKeyPairResources> = ({ scope }) => [
  new iam.PolicyStatement({ actions: ['ec2:DeleteKeyPair'], resources: [keyPairArn(scope)] }),
  new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['ec2:DeleteKeyPair'], resources: [keyPairArn(scope)], conditions: EXCLUDED }),
];

/** Rollback: only key pairs this workflow imported (its tag), and the parameters under its path. */
export const removeNewKeyPair: Grant<RotateKeyPairResources> = ({ scope }) => [
  new iam.PolicyStatement({
    actions: ['ec2:DeleteKeyPair'], resources: [keyPairArn(scope)], conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: WORKFLOW.rotateKeyPair } },
  }),
  new iam.PolicyStatement({ actions: ['ssm:DeleteParameter'], resources: [keyPairParameterArn(scope)] }),
];

/** Run Command: only AWS-RunShellScript, only on instances a run holds (remediation:lock), never on excluded ones. */
export const sendKeyCommand: Grant<RotateKeyPairResources> = ({ scope }) => {
  const stack = Stack.of(scope);
  return [
    new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [`arn:${stack.partition}:ssm:${stack.region}::document/${RUN_SHELL_SCRIPT}`] }),
    new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: [ec2Arn(scope, 'instance')], conditions: { Null: { [`ssm:resourceTag/${TAG.lock}`]: 'false' } } }),
    new iam.PolicyStatement({
      effect: iam.Effect.DENY, actions: ['ssm:SendCommand'], resources: [ec2Arn(scope, 'instance')],
      conditions: { StringEqualsIgnoreCase: { [`ssm:resourceTag/${TAG.exclude}`]: 'true' } },
    }),
  ];
};

/** SSM's DescribeInstanceInformation and GetCommandInvocation support no resource-level permissions. */
export const ssmRead = (...actions: string[]): Grant<RotateKeyPairResources> => () => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ssm:${a}`), resources: ['*'] }),
];

// SendCommand on instance/* (locked, not excluded) is covered by the kit's instance/volume/snapshot finding.
export const ROTATE_KEY_PAIR_FINDINGS: AcceptedFinding[] = [
  {
    rule: /^AwsSolutions-IAM5\[Resource::arn:(aws|<AWS::Partition>):ec2:.*:key-pair\/\*\]$/,
    reason: 'rotate-key-pair imports the new key pair (named at run time, with its workflow tag required in the request) and deletes the instance\'s old key pair, ' +
      'named by the instance at run time; key pairs under remediation:exclude=true are explicitly denied, the rollback deletes only key pairs with its own tag.',
    statement: (s) => s.Effect === 'Deny' || list(s.Action).every((a) => /^ec2:(ImportKeyPair|CreateTags|DeleteKeyPair)$/.test(String(a))),
  },
  PARAMETER_FINDING,
  {
    rule: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    reason: 'SSM DescribeInstanceInformation and GetCommandInvocation support no resource-level permissions; the Deny of reading parameters back is on every resource.',
    // The stack merges statements on '*': EC2 Describe* (the kit's) may share one with these.
    statement: (s) => list(s.Action).every((a) => NO_RESOURCE_LEVEL.test(String(a)) || /^ssm:(DescribeInstanceInformation|GetCommandInvocation)$/.test(String(a))),
  },
];
