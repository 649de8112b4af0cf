/** Reads which AWS API calls a minified task bundle makes, for the least-privilege tests. */

/** SDK client package (after `@aws-sdk/client-`) -> IAM service prefix. */
export const IAM_PREFIX: Record<string, string> = {
  ec2: 'ec2', kms: 'kms', ebs: 'ebs', s3: 's3', 'config-service': 'config', cloudtrail: 'cloudtrail',
  iam: 'iam', 'cloudwatch-logs': 'logs', sns: 'sns', sfn: 'states', dynamodb: 'dynamodb',
  ssm: 'ssm',
  cloudwatch: 'cloudwatch', 'auto-scaling': 'autoscaling',
  'elastic-load-balancing-v2': 'elasticloadbalancing',
};

/** Calls whose IAM action is named differently from the command. */
export const IAM_ACTION_OF: Record<string, string> = { 's3:HeadBucket': 's3:ListBucket', 's3:ListObjectsV2': 's3:ListBucket' };

/**
 * The IAM actions a minified bundle calls: `x.FooCommand` and `(0,x.paginateFoo)` on a module
 * `x=require("@aws-sdk/client-<service>")` (the SDK is external, so these property names survive).
 */
export function sdkCallsOf(bundle: string): string[] {
  const modules = new Map([...bundle.matchAll(/([\w$]+)=require\("@aws-sdk\/client-([a-z0-9-]+)"\)/g)].map((m) => [m[1]!, m[2]!]));
  const calls = new Set<string>();
  const found = { commands: new Set<string>(), paginators: new Set<string>() };
  for (const [, variable, command, paginated] of bundle.matchAll(/(?<![\w$])([\w$]+)\.(?:([A-Z][A-Za-z0-9]+)Command|paginate([A-Z][A-Za-z0-9]+))\b/g)) {
    const client = modules.get(variable!);
    const service = client ? IAM_PREFIX[client] : undefined;
    if (!service) throw new Error(`${variable}.${command ?? paginated}: not a call on a known SDK client`);
    if (command) found.commands.add(command);
    if (paginated) found.paginators.add(paginated);
    const call = `${service}:${command ?? paginated}`;
    calls.add(IAM_ACTION_OF[call] ?? call);
  }
  // Any other mention (a destructured import, say) would escape the scan: fail rather than under-report.
  expect([...new Set([...bundle.matchAll(/([A-Z][A-Za-z0-9]+)Command\b/g)].map((m) => m[1]))].sort()).toEqual([...found.commands].sort());
  expect([...new Set([...bundle.matchAll(/paginate([A-Z][A-Za-z0-9]+)/g)].map((m) => m[1]))].sort()).toEqual([...found.paginators].sort());
  return [...calls].sort();
}
