import { CASE, DOCUMENT, EXECUTION, KEY, POLICY, ROLE, SAVED, TABLE, TOPIC, USER, USER_ARN, caseItem, containPlan } from './fixtures';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteRolePolicyCommand, DeleteUserPolicyCommand, GetRolePolicyCommand, GetUserCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand,
  ListUserPoliciesCommand, PutRolePolicyCommand, PutUserPolicyCommand, UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as saveCase } from '../../../tasks/principal/save-case';
import { sessionDenyDocument } from '../../../tasks/principal/lib/principal';
import { handler as apply } from '../../../tasks/principal/apply-containment';
import { handler as releaseKeys } from '../../../tasks/principal/release-keys';
import { handler as removeDeny } from '../../../tasks/principal/remove-session-deny';
import { handler as notifyRoot } from '../../../tasks/principal/notify-root';
import { handler as verify } from '../../../tasks/principal/verify-principal';

const iam = mockClient(IAMClient);
const dynamodb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
beforeEach(() => {
  iam.reset();
  dynamodb.reset();
  sns.reset();
});

describe('save-case', () => {
  it("saves the prior state and what the run will add under the case id, before any change; the same execution may write it again", async () => {
    dynamodb.on(PutItemCommand).resolves({});

    const out = await saveCase({ executionName: EXECUTION.name, plan: containPlan() });

    expect(out.caseId).toBe(CASE);
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE, ConditionExpression: 'attribute_not_exists(#k) OR containExecution = :me', ExpressionAttributeValues: { ':me': { S: EXECUTION.name } },
    });
    const item = dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
    expect(JSON.parse(item?.prior?.S ?? '')).toEqual({ accessKeys: [{ accessKeyId: KEY, status: 'Active' }], inlinePolicies: [] });
    expect(JSON.parse(item?.planned?.S ?? '')).toEqual(containPlan().changes);
    // The deny's time is fixed here, right before the first change, and handed to ApplyContainment.
    expect(JSON.parse(item?.sessionPolicy?.S ?? '')).toEqual(out.sessionPolicy);
    expect(out.sessionPolicy).toEqual({ name: POLICY, document: sessionDenyDocument(out.at), revokedBefore: out.at });
    expect(item?.changes).toEqual({ M: {} });
  });

  it('a case another execution holds: PreconditionFailedError; a DynamoDB throttle is thrown for Retry', async () => {
    dynamodb.on(PutItemCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} })).rejects(awsError('ProvisionedThroughputExceededException'));

    await expect(saveCase({ executionName: EXECUTION.name, plan: containPlan() })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
    await expect(saveCase({ executionName: EXECUTION.name, plan: containPlan() })).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('apply-containment', () => {
  it('puts the session deny first, then each key Inactive, recording each change as it is made; a retry makes the same calls', async () => {
    iam.on(PutUserPolicyCommand).resolves({});
    iam.on(UpdateAccessKeyCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});

    const out = await apply({ plan: containPlan(), saved: SAVED });
    await apply({ plan: containPlan(), saved: SAVED });

    expect(iam.calls().map((c) => c.args[0].constructor.name)).toEqual(['PutUserPolicyCommand', 'UpdateAccessKeyCommand', 'PutUserPolicyCommand', 'UpdateAccessKeyCommand']);
    expect(iam).toHaveReceivedCommandWith(PutUserPolicyCommand, { UserName: 'alice', PolicyName: POLICY, PolicyDocument: DOCUMENT });
    expect(iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, { UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { Key: { caseId: { S: CASE } }, ExpressionAttributeNames: { '#c': `deactivate-access-key:${KEY}`, '#k': 'caseId' } });
    expect(out.changes.map((c) => [c.action, c.resourceId])).toEqual([['put-session-deny', POLICY], ['deactivate-access-key', KEY]]);
  });

  it('a role: the deny on the role, no key calls; a failure after the first change is thrown with that change already recorded', async () => {
    iam.on(PutRolePolicyCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    await apply({ plan: containPlan({ principal: ROLE, changes: { ...containPlan().changes, deactivateKeys: [] } }), saved: SAVED });
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, { RoleName: 'app-role', PolicyName: POLICY, PolicyDocument: DOCUMENT });
    expect(iam).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 0);

    iam.on(PutUserPolicyCommand).resolves({});
    iam.on(UpdateAccessKeyCommand).rejects(awsError('LimitExceeded'));
    await expect(apply({ plan: containPlan(), saved: SAVED })).rejects.toMatchObject({ name: 'LimitExceeded' });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ExpressionAttributeNames: { '#c': `put-session-deny:${POLICY}`, '#k': 'caseId' } });
  });
});

describe('verify-principal', () => {
  const state = (status: string, document?: string) => {
    iam.on(GetUserCommand).resolves({ User: { UserName: 'alice', Arn: USER_ARN, Path: '/', UserId: 'AIDA', CreateDate: new Date() } });
    iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [{ AccessKeyId: KEY, Status: status as 'Active' }] });
    iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: document ? [POLICY] : [] });
    if (document) iam.on(GetUserPolicyCommand).resolves({ UserName: 'alice', PolicyName: POLICY, PolicyDocument: encodeURIComponent(document) });
    else iam.on(GetUserPolicyCommand).rejects(awsError('NoSuchEntity'));
  };

  it('contain: the key Inactive and the deny as planned (IAM hands it back URL-encoded, reformatted)', async () => {
    state('Inactive', JSON.stringify(JSON.parse(DOCUMENT), null, 2));
    await expect(verify({ plan: containPlan(), saved: SAVED })).resolves.toMatchObject({ accessKeys: [{ accessKeyId: KEY, status: 'Inactive' }], sessionDeny: { policyName: POLICY, present: true } });
  });

  it('contain: a key still Active, or the deny missing: VerificationFailedError', async () => {
    state('Active', DOCUMENT);
    await expect(verify({ plan: containPlan(), saved: SAVED })).rejects.toMatchObject({ name: 'VerificationFailedError', message: `access keys not Inactive: ${KEY} after the contain` });
    state('Inactive');
    await expect(verify({ plan: containPlan(), saved: SAVED })).rejects.toMatchObject({ name: 'VerificationFailedError' });
  });

  it('release: the reactivated key Active; the deny still there, as reported', async () => {
    state('Active', DOCUMENT);
    const plan = containPlan({ action: 'release', changes: { deactivateKeys: [] }, release: { reactivateKeys: [KEY], sessionDeny: { policyName: POLICY, present: true, removeAt: 'x' } } });
    await expect(verify({ plan, saved: {} })).resolves.toMatchObject({ sessionDeny: { policyName: POLICY, present: true } });
  });
});

describe('release-keys', () => {
  it('sets Active exactly the planned keys, records each, and marks the case released', async () => {
    iam.on(UpdateAccessKeyCommand).resolves({});
    dynamodb.on(UpdateItemCommand).resolves({});
    const plan = containPlan({ action: 'release', release: { reactivateKeys: [KEY] } });

    const out = await releaseKeys({ plan, executionName: 'contain-principal-release-1' });

    expect(iam).toHaveReceivedCommandTimes(UpdateAccessKeyCommand, 1);
    expect(iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, { UserName: 'alice', AccessKeyId: KEY, Status: 'Active' });
    expect(dynamodb).toHaveReceivedNthCommandWith(2, UpdateItemCommand, { ExpressionAttributeValues: expect.objectContaining({ ':e': { S: 'contain-principal-release-1' } }) });
    expect(out.changes).toEqual([{ action: 'reactivate-access-key', resourceId: KEY, at: expect.any(String) }]);
  });
});

describe('remove-session-deny', () => {
  it("deletes the case's own deny while it holds the document the case put, and records it", async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem() });
    dynamodb.on(UpdateItemCommand).resolves({});
    iam.on(GetUserPolicyCommand).resolves({ UserName: 'alice', PolicyName: POLICY, PolicyDocument: encodeURIComponent(DOCUMENT) });
    iam.on(DeleteUserPolicyCommand).resolves({});

    await expect(removeDeny({ caseId: CASE })).resolves.toMatchObject({ policyName: POLICY, status: 'removed' });
    expect(iam).toHaveReceivedCommandWith(DeleteUserPolicyCommand, { UserName: 'alice', PolicyName: POLICY });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, { ExpressionAttributeNames: { '#c': `delete-session-deny:${POLICY}`, '#k': 'caseId' } });
  });

  it('already gone: absent; edited by someone: changed and left (never fight an operator); a role\'s on the role', async () => {
    dynamodb.on(GetItemCommand).resolves({ Item: caseItem() });
    iam.on(GetUserPolicyCommand).rejectsOnce(awsError('NoSuchEntity')).resolves({ UserName: 'alice', PolicyName: POLICY, PolicyDocument: '{"Version":"2012-10-17","Statement":[]}' });
    await expect(removeDeny({ caseId: CASE })).resolves.toMatchObject({ status: 'absent' });
    await expect(removeDeny({ caseId: CASE })).resolves.toMatchObject({ status: 'changed' });
    expect(iam).toHaveReceivedCommandTimes(DeleteUserPolicyCommand, 0);

    dynamodb.on(GetItemCommand).resolves({ Item: caseItem({ principal: ROLE, maxSessionSeconds: 3600 }) });
    dynamodb.on(UpdateItemCommand).resolves({});
    iam.on(GetRolePolicyCommand).resolves({ RoleName: 'app-role', PolicyName: POLICY, PolicyDocument: encodeURIComponent(DOCUMENT) });
    await expect(removeDeny({ caseId: CASE })).resolves.toMatchObject({ status: 'removed' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: 'app-role', PolicyName: POLICY });
  });

  it('no such case: ResourceNotFoundError', async () => {
    dynamodb.on(GetItemCommand).resolves({});
    await expect(removeDeny({ caseId: CASE })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
  });
});

describe('notify-root', () => {
  it('publishes the steps to the notifications topic and changes nothing else', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const plan = containPlan({ action: 'notify-root', principal: { ...USER, kind: 'root', name: 'root' }, rootSteps: ['Sign in as root.', 'Enable MFA.'] });

    await expect(notifyRoot({ plan, executionName: EXECUTION.name })).resolves.toMatchObject({ topicArn: TOPIC, messageId: 'm-1' });
    const message = sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '';
    expect(message).toContain('1. Sign in as root.\n2. Enable MFA.');
    expect(iam.calls()).toEqual([]);
  });
});
