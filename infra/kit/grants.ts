import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { TAG } from '../../tasks/lib/tags';
import type { Grant } from './spec';

export type Ec2ResourceType =
  | 'instance' | 'volume' | 'snapshot' | 'vpc' | 'vpc-flow-log' | 'security-group' | 'security-group-rule' | 'network-acl' | 'image' | 'network-interface' | 'subnet';

/** ARN pattern for one EC2 resource type in this stack's account and region. */
export function ec2Arn(scope: Construct, resourceType: Ec2ResourceType): string {
  const stack = Stack.of(scope);
  // Snapshot and image ARNs carry no account: EC2 names them arn:aws:ec2:<region>::snapshot/<id> (and ::image/<id>).
  const account = resourceType === 'snapshot' || resourceType === 'image' ? '' : stack.account;
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

/**
 * A service (EC2, EBS) uses the key on the caller's behalf: only through that service in this region, for
 * this account's keys and calls. CreateGrant further only for a grant to an AWS resource (the volume
 * EC2 attaches or creates), never one a caller could hand to a principal of its choosing.
 */
export const kmsVia = (service: 'ec2' | 'ebs', actions: string[]): Grant => ({ scope }) => {
  const stack = Stack.of(scope);
  const via = { 'kms:ViaService': `${service}.${stack.region}.amazonaws.com`, 'kms:CallerAccount': stack.account };
  const use = actions.filter((a) => a !== 'CreateGrant');
  return [
    ...(use.length > 0 ? [new iam.PolicyStatement({ actions: use.map((a) => `kms:${a}`), resources: kmsKeyArns(scope), conditions: { StringEquals: via } })] : []),
    ...(actions.includes('CreateGrant') ? [new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: kmsKeyArns(scope),
      conditions: { StringEquals: via, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    })] : []),
  ];
};

/*
 * Tag conditions (DESIGN.md "One at a time"): a mutating role acts only on what a running remediation
 * holds, and never on what an operator excluded. The lock tag's value (the holder's execution name)
 * cannot be compared with the calling execution's: a Lambda role does not know which execution invoked it.
 */

/** The resource carries `remediation:lock` (any value): a remediation holds it. */
export const LOCKED = { Null: { [`aws:ResourceTag/${TAG.lock}`]: 'false' } } as const;
/** The resource is tagged `remediation:exclude=true` (in any letter case). */
export const EXCLUDED = { StringEqualsIgnoreCase: { [`aws:ResourceTag/${TAG.exclude}`]: 'true' } } as const;

/** EC2 actions only on resources of these types that carry the lock tag. */
export const ec2OnLocked = (actions: string[], types: Ec2ResourceType[]): Grant => ({ scope }) => [
  new iam.PolicyStatement({ actions: actions.map((a) => `ec2:${a}`), resources: types.map((t) => ec2Arn(scope, t)), conditions: LOCKED }),
];

/** An explicit Deny of these actions on resources tagged `remediation:exclude=true`, whatever else allows them. */
export const denyOnExcluded = (actions: string[], types: Ec2ResourceType[]): Grant => ({ scope }) => [
  new iam.PolicyStatement({
    effect: iam.Effect.DENY, actions: actions.map((a) => `ec2:${a}`), resources: types.map((t) => ec2Arn(scope, t)), conditions: EXCLUDED,
  }),
];

/**
 * Setting or removing only these tag keys on resources of these types (with `locked`, only on resources
 * that carry the lock tag). The keys must be named: a DeleteTags without any would remove every tag.
 */
export const ec2TagKeysOnly = (action: 'CreateTags' | 'DeleteTags', types: Ec2ResourceType[], keys: string[], options: { locked?: boolean } = {}): Grant => ({ scope }) => [
  new iam.PolicyStatement({
    actions: [`ec2:${action}`],
    resources: types.map((t) => ec2Arn(scope, t)),
    conditions: {
      'ForAllValues:StringEquals': { 'aws:TagKeys': keys },
      Null: { 'aws:TagKeys': 'false', ...(options.locked ? LOCKED.Null : {}) },
    },
  }),
];

/** CreateSnapshot of a volume that carries the lock tag, into a snapshot tagged as this workflow's. */
export const ec2SnapshotOfLocked = (workflow: string): Grant => ({ scope }) => [
  new iam.PolicyStatement({ actions: ['ec2:CreateSnapshot'], resources: [ec2Arn(scope, 'volume')], conditions: LOCKED }),
  new iam.PolicyStatement({
    actions: ['ec2:CreateSnapshot'], resources: [ec2Arn(scope, 'snapshot')], conditions: { StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: workflow } },
  }),
];

/*
 * ModifyInstanceAttribute changes one attribute per call. IAM has `ec2:Attribute/${AttributeName}` on it,
 * but the Service Authorization Reference names no attribute values, nor how a structured one such as
 * BlockDeviceMapping (device -> DeleteOnTermination) is presented; an Allow that requires
 * `ec2:Attribute/BlockDeviceMapping` could refuse our own call, in rollback too. So the Allow stays on
 * locked resources and these attributes, each of which changes what runs or how, are denied by name.
 */
export const INSTANCE_ATTRIBUTES_DENIED = [
  'UserData', 'InstanceType', 'Kernel', 'Ramdisk', 'InstanceInitiatedShutdownBehavior', 'DisableApiTermination',
  'DisableApiStop', 'SourceDestCheck', 'GroupId', 'EbsOptimized', 'SriovNetSupport', 'EnaSupport',
] as const;
export const denyInstanceAttributes: Grant = ({ scope }) => INSTANCE_ATTRIBUTES_DENIED.map((attribute) => new iam.PolicyStatement({
  effect: iam.Effect.DENY,
  actions: ['ec2:ModifyInstanceAttribute'],
  resources: [ec2Arn(scope, 'instance')],
  conditions: { Null: { [`ec2:Attribute/${attribute}`]: 'false' } },
}));

/**
 * Creating from one of this workflow's own resources into a new one it tags: `create` on the new
 * resource only with `ec2:Encrypted` true and our tags in the request (the replacement volume also the
 * lock tag, so the swap may attach it), `source` only on what carries `remediation:workflow=<workflow>`.
 * EC2 authorizes each resource ARN of the call separately (source and new alike).
 */
export const ec2CreateEncrypted = (action: 'CreateVolume' | 'CopySnapshot', workflow: string): Grant => ({ scope }) => {
  const created = action === 'CreateVolume' ? 'volume' : 'snapshot';
  return [
    new iam.PolicyStatement({
      actions: [`ec2:${action}`],
      resources: [ec2Arn(scope, created)],
      conditions: {
        Bool: { 'ec2:Encrypted': 'true' },
        StringEquals: { [`aws:RequestTag/${TAG.workflow}`]: workflow },
        ...(action === 'CreateVolume' ? { Null: { [`aws:RequestTag/${TAG.lock}`]: 'false' } } : {}),
      },
    }),
    new iam.PolicyStatement({
      actions: [`ec2:${action}`],
      resources: [ec2Arn(scope, 'snapshot')],
      conditions: { StringEquals: { [`aws:ResourceTag/${TAG.workflow}`]: workflow } },
    }),
  ];
};

/** Reading a key's metadata, by key or alias (read-only). */
export const kmsDescribeKey: Grant = ({ scope }) => [
  new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: kmsKeyArns(scope, { aliases: true }) }),
];
