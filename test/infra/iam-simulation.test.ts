import { LOCK_RESOURCES_TASK_SPEC, LOCK_TASK_SPECS } from '../../infra/kit/lock';
import { ENCRYPT_VOLUMES_TASK_SPECS } from '../../infra/workflows/encrypt-volumes';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy, uncoveredActions } from './iam-policies';
import { ENV, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// GIVEN each task role's policy as the synthesized RemediationStack holds it, WHEN IAM (as
// @cloud-copilot/iam-simulate evaluates it) sees one request, THEN it decides as DESIGN.md's
// "One at a time" says: mutations only on what a remediation holds (remediation:lock), never on
// what an operator excluded, creations only encrypted and tagged, KMS only for EC2 on AWS resources.
// EC2 authorizes each resource ARN of a call on its own (instance and volume; source and new snapshot),
// so each case is one resource of a call with the context EC2 gives it.
const { account: A, region: R } = ENV;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const VOLUME = `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`;
const ENI = `arn:aws:ec2:${R}:${A}:network-interface/eni-0123456789abcdef0`;
const NEW_VOLUME = `arn:aws:ec2:${R}:${A}:volume/vol-0eeeeeeeeeeeeeeee`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const NEW_SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0eeeeeeeeeeeeeeee`;
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:${R}:${A}:key/${KEY_ID}`;
const EXECUTION = 'encrypt-volumes-i-0123456789abcdef0-20261201T120000Z';

const LOCKED = { 'aws:ResourceTag/remediation:lock': EXECUTION };
const EXCLUDED = { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'true' };
const OURS = { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes' };
const VIA_EC2 = { 'kms:ViaService': `ec2.${R}.amazonaws.com`, 'kms:CallerAccount': A };
const OUR_REQUEST_TAGS = { 'aws:RequestTag/remediation:workflow': 'encrypt-volumes', 'aws:TagKeys': ['remediation:workflow', 'remediation:execution'] };

// The stack's own lock table and approval topic, named once synthesized.
const TABLE = 'arn:aws:dynamodb:<lock table>';
const TOPIC = 'arn:aws:sns:<approval topic>';

type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });

/** An action allowed only on resources that carry the lock tag, and denied outright where excluded. */
const lockedOnly = (action: string, resource: string, extra: Request['context'] = {}): Case[] => [
  [`${action} on a locked ${kind(resource)}`, req(action, resource, { ...LOCKED, ...extra }), 'Allowed'],
  [`${action} on a ${kind(resource)} without the lock tag`, req(action, resource, extra), 'ImplicitlyDenied'],
  [`${action} on a locked ${kind(resource)} tagged remediation:exclude=true`, req(action, resource, { ...EXCLUDED, ...extra }), 'ExplicitlyDenied'],
  [`${action} on a locked ${kind(resource)} tagged remediation:exclude=True`, req(action, resource, { ...LOCKED, 'aws:ResourceTag/remediation:exclude': 'True', ...extra }), 'ExplicitlyDenied'],
];
const kind = (arn: string) => arn.split(':')[5]?.split('/')[0];

/** KMS through EC2 only, for this account's keys in this region; CreateGrant only for an AWS resource. */
const kmsCases = (actions: string[]): Case[] => [
  ...actions.filter((a) => a !== 'kms:CreateGrant').flatMap((action): Case[] => [
    [`${action} through EC2`, req(action, KEY, VIA_EC2), 'Allowed'],
    [`${action} called directly`, req(action, KEY, { 'kms:CallerAccount': A }), 'ImplicitlyDenied'],
    [`${action} through EC2 of another region`, req(action, KEY, { ...VIA_EC2, 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' }), 'ImplicitlyDenied'],
  ]),
  ...(actions.includes('kms:CreateGrant') ? [
    ['kms:CreateGrant through EC2 for an AWS resource', req('kms:CreateGrant', KEY, { ...VIA_EC2, 'kms:GrantIsForAWSResource': 'true' }), 'Allowed'],
    ['kms:CreateGrant through EC2 not for an AWS resource', req('kms:CreateGrant', KEY, { ...VIA_EC2, 'kms:GrantIsForAWSResource': 'false' }), 'ImplicitlyDenied'],
    ['kms:CreateGrant called directly', req('kms:CreateGrant', KEY, { 'kms:CallerAccount': A, 'kms:GrantIsForAWSResource': 'true' }), 'ImplicitlyDenied'],
    ['kms:CreateGrant on a key of another region', req('kms:CreateGrant', `arn:aws:kms:eu-west-1:${A}:key/${KEY_ID}`, { ...VIA_EC2, 'kms:GrantIsForAWSResource': 'true' }), 'ImplicitlyDenied'],
    ['kms:CreateGrant on another account\'s key', req('kms:CreateGrant', `arn:aws:kms:${R}:111122223333:key/${KEY_ID}`, { ...VIA_EC2, 'kms:GrantIsForAWSResource': 'true' }), 'ImplicitlyDenied'],
  ] satisfies Case[] : []),
];

/** Tagging with only `keys` (on resources of `arns`); any other key, or none named at all, is denied. */
const tagKeysOnly = (action: string, arns: string[], keys: string[], context: Request['context'] = {}): Case[] => [
  ...arns.map((arn): Case => [`${action} of ${keys.join(', ')} on a ${kind(arn)}`, req(action, arn, { ...context, 'aws:TagKeys': keys }), 'Allowed']),
  [`${action} of remediation:exclude as well`, req(action, arns[0]!, { ...context, 'aws:TagKeys': [...keys, 'remediation:exclude'] }), 'ImplicitlyDenied'],
  [`${action} of another key`, req(action, arns[0]!, { ...context, 'aws:TagKeys': ['Name'] }), 'ImplicitlyDenied'],
  [`${action} naming no key (DeleteTags would remove every tag)`, req(action, arns[0]!, context), 'ImplicitlyDenied'],
];

const SWAP: Case[] = [
  ...['ec2:AttachVolume', 'ec2:DetachVolume'].flatMap((a) => [...lockedOnly(a, INSTANCE), ...lockedOnly(a, VOLUME)]),
  ...lockedOnly('ec2:ModifyInstanceAttribute', INSTANCE),
  ...lockedOnly('ec2:ModifyInstanceAttribute', VOLUME),
  ...['UserData', 'InstanceType', 'DisableApiTermination', 'GroupId'].map((attribute): Case =>
    [`ec2:ModifyInstanceAttribute of ${attribute} on a locked instance`, req('ec2:ModifyInstanceAttribute', INSTANCE, { ...LOCKED, [`ec2:Attribute/${attribute}`]: 'x' }), 'ExplicitlyDenied']),
  ...kmsCases(['kms:CreateGrant', 'kms:Decrypt']),
];
/** What the swap sets on an original it retains (and a rollback removes): tasks/lib/tags.ts ORIGINAL_RETENTION_KEYS. */
const RETENTION_KEYS = ['remediation:replaced-by', 'remediation:retain-until', 'remediation:replaced-on', 'remediation:workflow'];
const retention = (action: string): Case[] => [
  ...tagKeysOnly(action, [VOLUME], RETENTION_KEYS, LOCKED),
  [`${action} of the retention keys on a volume without the lock tag`, req(action, VOLUME, { 'aws:TagKeys': RETENTION_KEYS }), 'ImplicitlyDenied'],
  [`${action} of the retention keys on an excluded volume`, req(action, VOLUME, { ...EXCLUDED, 'aws:TagKeys': RETENTION_KEYS }), 'ExplicitlyDenied'],
  [`${action} of the retention keys on an instance`, req(action, INSTANCE, { ...LOCKED, 'aws:TagKeys': RETENTION_KEYS }), 'ImplicitlyDenied'],
  [`${action} of remediation:hold on a locked volume (an operator's tag)`, req(action, VOLUME, { ...LOCKED, 'aws:TagKeys': ['remediation:hold'] }), 'ImplicitlyDenied'],
];
const LOCK_TAG_ONLY = (action: string) => tagKeysOnly(action, [INSTANCE, VOLUME], ['remediation:lock']);
/** LockResources and ReleaseLock also tag and untag a plan's ENIs (isolate-instance); AcquireLock's target is never one. */
const LOCK_TAG_ON_ENI = (action: string, expected: 'Allowed' | 'ImplicitlyDenied'): Case[] => [
  [`${action} of remediation:lock on a network interface`, req(action, ENI, { 'aws:TagKeys': ['remediation:lock'] }), expected],
  [`${action} of another key on a network interface`, req(action, ENI, { 'aws:TagKeys': ['Name'] }), 'ImplicitlyDenied'],
];
/** A new resource of ours: encrypted, and with our tags in the request. */
const ENCRYPTED_OURS = { 'ec2:Encrypted': 'true', ...OUR_REQUEST_TAGS };

const CASES: Record<string, Case[]> = {
  [ENCRYPT_VOLUMES_TASK_SPECS['swap-volume'].entry]: [...SWAP, ...retention('ec2:CreateTags')],
  [ENCRYPT_VOLUMES_TASK_SPECS['rollback-volume'].entry]: [...SWAP, ...retention('ec2:DeleteTags')],
  [ENCRYPT_VOLUMES_TASK_SPECS['stop-instance'].entry]: lockedOnly('ec2:StopInstances', INSTANCE),
  [ENCRYPT_VOLUMES_TASK_SPECS['start-instance'].entry]: [...lockedOnly('ec2:StartInstances', INSTANCE), ...kmsCases(['kms:CreateGrant', 'kms:Decrypt'])],
  [ENCRYPT_VOLUMES_TASK_SPECS['create-snapshot'].entry]: [
    ...lockedOnly('ec2:CreateSnapshot', VOLUME),
    ['ec2:CreateSnapshot into a snapshot tagged as ours', req('ec2:CreateSnapshot', NEW_SNAPSHOT, OUR_REQUEST_TAGS), 'Allowed'],
    ['ec2:CreateSnapshot into a snapshot without our tags', req('ec2:CreateSnapshot', NEW_SNAPSHOT), 'ImplicitlyDenied'],
    ['ec2:CreateSnapshot into a snapshot tagged as another workflow\'s', req('ec2:CreateSnapshot', NEW_SNAPSHOT, { 'aws:RequestTag/remediation:workflow': 'other' }), 'ImplicitlyDenied'],
    ['ec2:CreateTags on a snapshot, while CreateSnapshot creates it', req('ec2:CreateTags', NEW_SNAPSHOT, { 'ec2:CreateAction': 'CreateSnapshot' }), 'Allowed'],
    ['ec2:CreateTags on a snapshot, after the fact', req('ec2:CreateTags', SNAPSHOT, { 'aws:TagKeys': ['remediation:workflow'] }), 'ImplicitlyDenied'],
  ],
  [ENCRYPT_VOLUMES_TASK_SPECS['copy-snapshot'].entry]: [
    ['ec2:CopySnapshot from a snapshot of ours', req('ec2:CopySnapshot', SNAPSHOT, { ...OURS, 'ec2:Encrypted': 'false' }), 'Allowed'],
    ['ec2:CopySnapshot from a snapshot not of ours', req('ec2:CopySnapshot', SNAPSHOT, { 'ec2:Encrypted': 'false' }), 'ImplicitlyDenied'],
    ['ec2:CopySnapshot into an encrypted snapshot tagged as ours', req('ec2:CopySnapshot', NEW_SNAPSHOT, ENCRYPTED_OURS), 'Allowed'],
    ['ec2:CopySnapshot into an unencrypted snapshot', req('ec2:CopySnapshot', NEW_SNAPSHOT, { ...ENCRYPTED_OURS, 'ec2:Encrypted': 'false' }), 'ImplicitlyDenied'],
    ['ec2:CopySnapshot into an encrypted snapshot without our tags', req('ec2:CopySnapshot', NEW_SNAPSHOT, { 'ec2:Encrypted': 'true' }), 'ImplicitlyDenied'],
    ['ec2:CreateTags on a snapshot, while CopySnapshot creates it', req('ec2:CreateTags', NEW_SNAPSHOT, { 'ec2:CreateAction': 'CopySnapshot' }), 'Allowed'],
    ['ec2:CreateTags on a snapshot, while CreateSnapshot creates it', req('ec2:CreateTags', NEW_SNAPSHOT, { 'ec2:CreateAction': 'CreateSnapshot' }), 'ImplicitlyDenied'],
    ...kmsCases(['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']),
  ],
  [ENCRYPT_VOLUMES_TASK_SPECS['create-volume'].entry]: [
    ['ec2:CreateVolume of an encrypted volume with our tags and the lock tag', req('ec2:CreateVolume', NEW_VOLUME, { ...ENCRYPTED_OURS, 'aws:RequestTag/remediation:lock': EXECUTION }), 'Allowed'],
    ['ec2:CreateVolume of an unencrypted volume', req('ec2:CreateVolume', NEW_VOLUME, { ...ENCRYPTED_OURS, 'ec2:Encrypted': 'false', 'aws:RequestTag/remediation:lock': EXECUTION }), 'ImplicitlyDenied'],
    ['ec2:CreateVolume without the lock tag', req('ec2:CreateVolume', NEW_VOLUME, ENCRYPTED_OURS), 'ImplicitlyDenied'],
    ['ec2:CreateVolume without our tags', req('ec2:CreateVolume', NEW_VOLUME, { 'ec2:Encrypted': 'true', 'aws:RequestTag/remediation:lock': EXECUTION }), 'ImplicitlyDenied'],
    ['ec2:CreateVolume from a snapshot of ours', req('ec2:CreateVolume', SNAPSHOT, OURS), 'Allowed'],
    ['ec2:CreateVolume from a snapshot not of ours', req('ec2:CreateVolume', SNAPSHOT), 'ImplicitlyDenied'],
    ['ec2:CreateTags on a volume, while CreateVolume creates it', req('ec2:CreateTags', NEW_VOLUME, { 'ec2:CreateAction': 'CreateVolume' }), 'Allowed'],
    ['ec2:CreateTags on an existing volume', req('ec2:CreateTags', VOLUME, { ...LOCKED, 'aws:TagKeys': ['remediation:lock'] }), 'ImplicitlyDenied'],
    ...kmsCases(['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']),
  ],
  // volume-copy: the copy is authorized as a new volume (encrypted, our tags, the lock tag), the source as a locked volume.
  [ENCRYPT_VOLUMES_TASK_SPECS['copy-volume'].entry]: [
    ['ec2:CopyVolumes into an encrypted copy with our tags and the lock tag', req('ec2:CopyVolumes', NEW_VOLUME, { ...ENCRYPTED_OURS, 'aws:RequestTag/remediation:lock': EXECUTION }), 'Allowed'],
    ['ec2:CopyVolumes into an unencrypted copy', req('ec2:CopyVolumes', NEW_VOLUME, { ...ENCRYPTED_OURS, 'ec2:Encrypted': 'false', 'aws:RequestTag/remediation:lock': EXECUTION }), 'ImplicitlyDenied'],
    ['ec2:CopyVolumes without the lock tag on the copy', req('ec2:CopyVolumes', NEW_VOLUME, ENCRYPTED_OURS), 'ImplicitlyDenied'],
    ['ec2:CopyVolumes without our tags on the copy', req('ec2:CopyVolumes', NEW_VOLUME, { 'ec2:Encrypted': 'true', 'aws:RequestTag/remediation:lock': EXECUTION }), 'ImplicitlyDenied'],
    ['ec2:CopyVolumes of an unencrypted source that carries the lock', req('ec2:CopyVolumes', VOLUME, { ...LOCKED, 'ec2:Encrypted': 'false' }), 'Allowed'],
    ['ec2:CopyVolumes of an unencrypted source without the lock', req('ec2:CopyVolumes', VOLUME, { ...OUR_REQUEST_TAGS, 'ec2:Encrypted': 'false' }), 'ImplicitlyDenied'],
    ['ec2:CopyVolumes of a locked source tagged remediation:exclude=true', req('ec2:CopyVolumes', VOLUME, { ...EXCLUDED, 'ec2:Encrypted': 'false' }), 'ExplicitlyDenied'],
    ['ec2:CreateTags on a volume, while CopyVolumes creates it', req('ec2:CreateTags', NEW_VOLUME, { 'ec2:CreateAction': 'CopyVolumes' }), 'Allowed'],
    ['ec2:CreateTags on an existing volume', req('ec2:CreateTags', VOLUME, { ...LOCKED, 'aws:TagKeys': ['remediation:workflow'] }), 'ImplicitlyDenied'],
    ['ec2:CreateVolume (not its task)', req('ec2:CreateVolume', NEW_VOLUME, { ...ENCRYPTED_OURS, 'aws:RequestTag/remediation:lock': EXECUTION }), 'ImplicitlyDenied'],
    ...kmsCases(['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo']),
  ],
  [ENCRYPT_VOLUMES_TASK_SPECS['cleanup-created'].entry]: [
    ['ec2:DeleteSnapshot of a snapshot of ours', req('ec2:DeleteSnapshot', SNAPSHOT, OURS), 'Allowed'],
    ['ec2:DeleteSnapshot of a snapshot not of ours', req('ec2:DeleteSnapshot', SNAPSHOT), 'ImplicitlyDenied'],
    ...tagKeysOnly('ec2:CreateTags', [NEW_VOLUME, NEW_SNAPSHOT], ['remediation:rolled-back', 'remediation:retain-until'], OURS),
    ['ec2:CreateTags of the rolled-back keys on a volume not of ours', req('ec2:CreateTags', VOLUME, { ...LOCKED, 'aws:TagKeys': ['remediation:rolled-back', 'remediation:retain-until'] }), 'ImplicitlyDenied'],
    ['ec2:CreateTags of the rolled-back keys on an instance', req('ec2:CreateTags', INSTANCE, { ...OURS, 'aws:TagKeys': ['remediation:rolled-back'] }), 'ImplicitlyDenied'],
  ],
  [ENCRYPT_VOLUMES_TASK_SPECS['request-approval'].entry]: [
    ['sns:Publish to the approval topic', req('sns:Publish', TOPIC), 'Allowed'],
    ['sns:Publish to another topic', req('sns:Publish', `arn:aws:sns:${R}:${A}:other`), 'ImplicitlyDenied'],
  ],
  [LOCK_TASK_SPECS['acquire-lock'].entry]: [
    ...LOCK_TAG_ONLY('ec2:CreateTags'), ...LOCK_TAG_ON_ENI('ec2:CreateTags', 'ImplicitlyDenied'),
    ['dynamodb:PutItem on the lock table', req('dynamodb:PutItem', TABLE), 'Allowed'],
    ['dynamodb:PutItem on another table', req('dynamodb:PutItem', `arn:aws:dynamodb:${R}:${A}:table/other`), 'ImplicitlyDenied'],
  ],
  [LOCK_TASK_SPECS['release-lock'].entry]: [
    ...LOCK_TAG_ONLY('ec2:DeleteTags'), ...LOCK_TAG_ON_ENI('ec2:DeleteTags', 'Allowed'),
    ['dynamodb:DeleteItem on the lock table', req('dynamodb:DeleteItem', TABLE), 'Allowed'],
    ['dynamodb:DeleteItem on another table', req('dynamodb:DeleteItem', `arn:aws:dynamodb:${R}:${A}:table/other`), 'ImplicitlyDenied'],
    // A handed-over lock goes back to the parent: its item put back, its name on the instance's lock tag.
    ...LOCK_TAG_ONLY('ec2:CreateTags'),
    ['dynamodb:PutItem on the lock table (giving a handed-over lock back)', req('dynamodb:PutItem', TABLE), 'Allowed'],
    ['dynamodb:PutItem on another table', req('dynamodb:PutItem', `arn:aws:dynamodb:${R}:${A}:table/other`), 'ImplicitlyDenied'],
  ],
  [LOCK_RESOURCES_TASK_SPEC.entry]: [...LOCK_TAG_ONLY('ec2:CreateTags'), ...LOCK_TAG_ON_ENI('ec2:CreateTags', 'Allowed')],
};

// Read-only roles with a scoped read: the EBS direct APIs on snapshots only, their key only through EBS.
const VIA_EBS = { 'kms:ViaService': `ebs.${R}.amazonaws.com`, 'kms:CallerAccount': A };
const READ_CASES: Record<string, Case[]> = {
  [ENCRYPT_VOLUMES_TASK_SPECS['compare-blocks'].entry]: [
    ['ebs:ListSnapshotBlocks of a snapshot', req('ebs:ListSnapshotBlocks', SNAPSHOT), 'Allowed'],
    ['ebs:ListChangedBlocks of a snapshot', req('ebs:ListChangedBlocks', NEW_SNAPSHOT), 'Allowed'],
    ['ebs:ListChangedBlocks of a snapshot in another region', req('ebs:ListChangedBlocks', 'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0'), 'ImplicitlyDenied'],
    ['ebs:GetSnapshotBlock (reading data)', req('ebs:GetSnapshotBlock', SNAPSHOT), 'ImplicitlyDenied'],
    ['kms:Decrypt through EBS', req('kms:Decrypt', KEY, VIA_EBS), 'Allowed'],
    ['kms:Decrypt called directly', req('kms:Decrypt', KEY, { 'kms:CallerAccount': A }), 'ImplicitlyDenied'],
  ],
  [ENCRYPT_VOLUMES_TASK_SPECS['verify-swap'].entry]: [
    ['ebs:ListSnapshotBlocks (no longer verify\'s)', req('ebs:ListSnapshotBlocks', SNAPSHOT), 'ImplicitlyDenied'],
    ['kms:Decrypt through EBS (no longer verify\'s)', req('kms:Decrypt', KEY, VIA_EBS), 'ImplicitlyDenied'],
  ],
};

let synth: SynthesizedTemplate;
let policies: Map<string, RolePolicy>;
let named: Record<string, string>;
const policyOf = (entry: string): RolePolicy => {
  const policy = policies.get(entry);
  if (!policy) throw new Error(`no encrypt-volumes function runs ${entry}`);
  return policy;
};
const withNames = (request: Request): Request => ({ ...request, resource: named[request.resource] ?? request.resource });
/** The one resource of `type` in the template whose logical id contains `part`, as its ARN. */
const arnOfOnly = (type: string, part: string, arn: (id: string) => string): string => {
  const resources = synth.template.toJSON().Resources as Record<string, { Type: string }>;
  const ids = Object.keys(resources).filter((id) => resources[id]!.Type === type && id.includes(part));
  if (ids.length !== 1) throw new Error(`expected one ${type} named like ${part}, found ${ids.join(', ') || 'none'}`);
  return arn(ids[0]!);
};

beforeAll(() => {
  synth = sharedRemediationTemplate();
  named = {
    [TABLE]: arnOfOnly('AWS::DynamoDB::Table', 'Locks', (id) => `arn:aws:dynamodb:${R}:${A}:table/${id}`),
    [TOPIC]: arnOfOnly('AWS::SNS::Topic', 'Approval', (id) => `arn:aws:sns:${R}:${A}:${id}`),
  };
  // The encrypt-volumes functions, the kit's lock functions among them (each workflow has its own, with the same grants).
  policies = rolePoliciesByEntry(synth.template, 'EncryptVolumes', [...Object.keys(CASES), ...Object.keys(READ_CASES)]);
});

describe.each(Object.keys(CASES))('the role of %s', (entry) => {
  const cases = CASES[entry]!;

  it.each(cases)('%s: %s', async (_what, request, expected) => {
    expect(await decide(policyOf(entry), withNames(request))).toBe(expected);
  });

  it('has an allowed and a denied case for every action it may take that changes something', () => {
    const actions = mutatingActions(policyOf(entry));
    expect(actions.length).toBeGreaterThan(0);
    expect(uncoveredActions(actions, cases)).toEqual({ notAllowed: [], notDenied: [] });
  });
});

describe.each(Object.keys(READ_CASES))('the read-only role of %s', (entry) => {
  it.each(READ_CASES[entry]!)('%s: %s', async (_what, request, expected) => {
    expect(await decide(policyOf(entry), withNames(request))).toBe(expected);
  });
});
