import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Grant } from './spec';

export type Ec2ResourceType = 'instance' | 'volume' | 'snapshot' | 'vpc' | 'vpc-flow-log';

/** ARN pattern for one EC2 resource type in this stack's account and region. */
export function ec2Arn(scope: Construct, resourceType: Ec2ResourceType): string {
  const stack = Stack.of(scope);
  // Snapshot ARNs carry no account: EC2 names them arn:aws:ec2:<region>::snapshot/<id>.
  const account = resourceType === 'snapshot' ? '' : stack.account;
  return `arn:${stack.partition}:ec2:${stack.region}:${account}:${resourceType}/*`;
}

/** Any KMS key (and, with `aliases`, alias) of this account and region. */
export function kmsKeyArns(scope: Construct, options: { aliases?: boolean } = {}): string[] {
  const stack = Stack.of(scope);
  const base = `arn:${stack.partition}:kms:${stack.region}:${stack.account}`;
  return options.aliases ? [`${base}:key/*`, `${base}:alias/*`] : [`${base}:key/*`];
}

/** A grant of fixed statements, built in the workflow's scope. */
export const statements = <R = unknown>(build: (scope: Construct, resources: R) => iam.PolicyStatement[]): Grant<R> =>
  ({ scope, resources }) => build(scope, resources);

/** EC2 Describe* (and GetEbsDefaultKmsKeyId) support no resource-level permissions: Resource '*'. */
export const ec2Describe = (...actions: string[]): Grant => () => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: ['*'] }),
];

/** EC2 actions on any resource of the given types in this account and region. */
export const ec2On = (actions: string[], types: Ec2ResourceType[]): Grant => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: types.map((t) => ec2Arn(scope, t)) }),
];

/** Tagging only as part of the create call that makes the resource. */
export const ec2TagOnCreate = (createAction: string, type: Ec2ResourceType): Grant => ({ scope }) => [
  new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [ec2Arn(scope, type)],
    conditions: { StringEquals: { 'ec2:CreateAction': createAction } },
  }),
];

/** A service (EC2, EBS) uses the key on the caller's behalf: only through that service in this region. */
export const kmsVia = (service: 'ec2' | 'ebs', actions: string[]): Grant => ({ scope }) => {
  const stack = Stack.of(scope);
  return [new iam.PolicyStatement({
    actions: actions.map((a) => `kms:${a}`),
    resources: kmsKeyArns(scope),
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com` } },
  })];
};

/** Reading a key's metadata, by key or alias (read-only). */
export const kmsDescribeKey: Grant = ({ scope }) => [
  new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: kmsKeyArns(scope, { aliases: true }) }),
];
