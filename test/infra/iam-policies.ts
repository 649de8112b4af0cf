/**
 * Each task role's identity policy as the synthesized template holds it, and what IAM decides for one
 * request under it (@cloud-copilot/iam-simulate): the IAM simulation tests' seam onto the template.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { ENV, resourcesOf } from './synth';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
export interface RolePolicy {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const actionsOf = (s: PolicyStatement): string[] => list(s.Action);

/** Where a resource of the template lives, as IAM names it (the stack's account and region). */
const ARN_OF_TYPE: Record<string, (logicalId: string) => string> = {
  'AWS::SNS::Topic': (id) => `arn:aws:sns:${ENV.region}:${ENV.account}:${id}`,
  'AWS::DynamoDB::Table': (id) => `arn:aws:dynamodb:${ENV.region}:${ENV.account}:table/${id}`,
  'AWS::Logs::LogGroup': (id) => `arn:aws:logs:${ENV.region}:${ENV.account}:log-group:${id}`,
  // Unnamed buckets: the logical id stands for the name (test/infra/investigate-traffic-iam.test.ts).
  'AWS::S3::Bucket': (id) => `arn:aws:s3:::${id.toLowerCase()}`,
  'AWS::StepFunctions::StateMachine': (id) => `arn:aws:states:${ENV.region}:${ENV.account}:stateMachine:${id}`,
  'AWS::KMS::Key': (id) => `arn:aws:kms:${ENV.region}:${ENV.account}:key/${id}`,
};

/** A Ref / Fn::GetAtt Arn / Fn::Join of the template, as the ARN it stands for. */
function resolve(template: Template, value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  const id = v.Ref ?? (v['Fn::GetAtt']?.[1] === 'Arn' ? v['Fn::GetAtt'][0] : undefined);
  if (id) {
    const type = (template.toJSON().Resources[id] as { Type: string } | undefined)?.Type ?? '';
    const arn = ARN_OF_TYPE[type];
    if (!arn) throw new Error(`no ARN for ${JSON.stringify(value)} (${type})`);
    return arn(id);
  }
  if (v['Fn::Join']) return v['Fn::Join'][1].map((part) => resolve(template, part)).join(v['Fn::Join'][0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The identity policy of the role of each function (of the construct `prefix`) whose handler is one of `entries`, by entry. */
export function rolePoliciesByEntry(template: Template, prefix: string, entries: readonly string[]): Map<string, RolePolicy> {
  const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
  const byEntry = new Map<string, RolePolicy>();
  for (const [logicalId, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
    const entry = String(fn.Metadata?.[HANDLER_METADATA]);
    if (!logicalId.startsWith(prefix) || !entries.includes(entry)) continue;
    if (byEntry.has(entry)) throw new Error(`${logicalId}: a second function runs ${entry}`);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = policies
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement)
      .map((s) => ({ ...s, Resource: Array.isArray(s.Resource) ? s.Resource.map((r) => resolve(template, r)) : resolve(template, s.Resource) }));
    byEntry.set(entry, { Version: '2012-10-17', Statement: statements });
  }
  return byEntry;
}

/** A request: the action, the one resource ARN it is authorized on, and the context IAM would see. */
export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * KMS decides with the key policy too: the default key policy (and that of the AWS managed aws/ebs key)
 * lets the account's IAM policies decide, which is the case the role's own grants must hold in.
 */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ENV.account}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** IAM's decision on one request made by a role with only `policy`. Fails on a request IAM could not make (an ARN the action has no type for, ...). */
export async function decide(policy: RolePolicy, { action, resource, context = {} }: Request): Promise<Decision> {
  const result = await runSimulation({
    request: { principal: `arn:aws:iam::${ENV.account}:role/task-role`, action, resource: { resource, accountId: ENV.account }, contextVariables: context },
    identityPolicies: [{ name: 'task-role', policy }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(action.startsWith('kms:') ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
  }, {});
  if (result.resultType !== 'single') throw new Error(`${action} on ${resource}: ${JSON.stringify(result.resultType === 'error' ? result.errors : result)}`);
  return result.overallResult as Decision;
}

/** The actions a role may take that change something: everything Allowed but reads and the runtime's own (logs, tracing). */
export function mutatingActions(policy: RolePolicy): string[] {
  const runtime = /^(logs:(CreateLogStream|PutLogEvents)|xray:.*)$/;
  const read = /^[a-z0-9-]+:(Describe|Get|List)/;
  const actions = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap(actionsOf);
  return [...new Set(actions.filter((a) => !runtime.test(a) && !read.test(a)))].sort();
}

/**
 * The mutating `actions` that lack an Allowed case, and those that lack a denied one, among `cases`
 * ([what, request, expected decision]): both lists empty when every action a role may take is proven both ways.
 */
export function uncoveredActions(actions: readonly string[], cases: readonly (readonly [string, Request, Decision])[]): { notAllowed: string[]; notDenied: string[] } {
  const covered = (decision: (d: Decision) => boolean) => new Set(cases.filter(([, , d]) => decision(d)).map(([, r]) => r.action));
  const allowed = covered((d) => d === 'Allowed');
  const denied = covered((d) => d !== 'Allowed');
  return { notAllowed: actions.filter((a) => !allowed.has(a)), notDenied: actions.filter((a) => !denied.has(a)) };
}
