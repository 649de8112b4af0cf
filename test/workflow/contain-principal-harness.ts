import { GetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand,
  ListRolePoliciesCommand, ListUserPoliciesCommand, UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';

export interface ContainHarness {
  moto: MotoServer;
  iam: IAMClient;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  /** A user with `statuses.length` access keys in these statuses; their ids in the same order. */
  user: (name: string, statuses: ('Active' | 'Inactive')[]) => Promise<string[]>;
  role: (name: string, options?: { path?: string; maxSessionSeconds?: number; tags?: { Key: string; Value: string }[] }) => Promise<string>;
  /** What IAM holds now: key id -> status, inline policy name -> document. */
  userState: (name: string) => Promise<{ keys: Record<string, string>; policies: Record<string, unknown> }>;
  rolePolicies: (name: string) => Promise<Record<string, unknown>>;
  /** The case record as stored (DynamoDB item), undefined when none. */
  caseItem: (caseId: string) => Promise<Record<string, unknown> | undefined>;
}

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** One moto server per test file; handlers and runner load only after the SDK points at it. */
export async function startContainHarness(): Promise<ContainHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow, localStack } = await import('../../local/runner');
  localStack();
  const iam = new IAMClient({});
  const dynamodb = new DynamoDBClient({});
  const documents = async (names: string[], get: (name: string) => Promise<string | undefined>) =>
    Object.fromEntries(await Promise.all(names.map(async (n) => [n, JSON.parse(decodeURIComponent((await get(n)) ?? '{}'))])));
  return {
    moto, iam,
    run: (input, options) => runWorkflow('contain-principal', input, options),
    user: async (name, statuses) => {
      await iam.send(new CreateUserCommand({ UserName: name }));
      const ids: string[] = [];
      for (const status of statuses) {
        const id = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey?.AccessKeyId as string;
        if (status === 'Inactive') await iam.send(new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: id, Status: 'Inactive' }));
        ids.push(id);
      }
      return ids;
    },
    role: async (name, options = {}) => (await iam.send(new CreateRoleCommand({
      RoleName: name, AssumeRolePolicyDocument: TRUST, Path: options.path ?? '/', MaxSessionDuration: options.maxSessionSeconds ?? 3600, Tags: options.tags ?? [],
    }))).Role?.Arn as string,
    userState: async (name) => {
      const keys = Object.fromEntries(((await iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId, k.Status]));
      const names = (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? [];
      const policies = await documents(names, async (n) => (await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: n }))).PolicyDocument);
      return { keys, policies };
    },
    rolePolicies: async (name) => {
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
      return documents(names, async (n) => (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: n }))).PolicyDocument);
    },
    caseItem: async (caseId) => (await dynamodb.send(new GetItemCommand({
      // localStack() set the functions' environment, the case table's name included.
      TableName: process.env.PRINCIPAL_CASE_TABLE_NAME, Key: { caseId: { S: caseId } }, ConsistentRead: true,
    }))).Item,
  };
}
