import { userInfo } from 'node:os';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { LOCAL_REGION } from '../../local/account';
import { emulatorStateFile, runningEmulator } from '../../local/emulator';
import { useEndpoint } from '../../local/moto';
import type { runWorkflow as RunWorkflow } from '../../local/runner';
import { withHooks } from '../../tasks/lib/client-hooks';
import { createLogsClient } from '../../tasks/lib/clients/logs';
import { createSfnClient } from '../../tasks/lib/clients/sfn';
import { AUDIT_LOG_GROUP, ExecutionArchive } from '../audit/archive';
import { awsProofSigner, localProofSigner, type ProofSigner } from '../identity';
import { AwsExecutionSource } from '../audit/aws-source';
import { LocalExecutionSource } from '../audit/local-source';
import { ExecutionNotFoundError, type ExecutionDetail, type ExecutionSource } from '../audit/source';

/** What the commands need from outside; tests pass mocks, `cli/main.ts` the defaults. */
export interface CliDeps {
  out?: (text: string) => void;
  err?: (text: string) => void;
  /** Step Functions client (default: createSfnClient, or one for --region). */
  sfn?: SFNClient;
  /** Local store folder (default: REMEDIATION_LOCAL_DIR or .local/executions). */
  localDir?: string;
  /** State file of `remediate local up` (default: REMEDIATION_EMULATOR_STATE or .local/emulator.json). */
  emulatorStateFile?: string;
  /** CloudWatch Logs client for --archive (default: createLogsClient, or one for --region). */
  logs?: CloudWatchLogsClient;
  /** DynamoDB client for `remediate case` (the principal case table; default: createDynamoDbClient, or one for --region). */
  dynamodb?: DynamoDBClient;
  runWorkflow?: typeof RunWorkflow;
  /** Who is starting an execution (default: STS GetCallerIdentity where its client is installed, else $USER). */
  callerPrincipal?: () => Promise<string | undefined>;
  /** Signs identity proofs (cli/identity.ts; default: the caller's credentials, or the local identity). */
  proofSigner?: ProofSigner;
  /** S3 client of `fleet status` (a failed run's ResultWriter files; default: createS3Client, or one for --region). */
  s3?: S3Client;
  /** `fleet status`: draw the progress bar (default: whether stdout is a terminal); otherwise one line per change. */
  isTTY?: boolean;
  /** Between DescribeExecution polls of `start --wait` (default 5 s). */
  pollIntervalMs?: number;
  now?: () => Date;
}

export interface CommonOptions {
  local?: boolean;
  region?: string;
  json?: boolean;
  /** Also read the audit log group (executions past Step Functions' 90 days); a string names the group. */
  archive?: boolean | string;
  /** --local: the local identity that signs (default: the OS user), local/identities.ts. */
  as?: string;
}

/** A refusal to show the user as is (no stack trace); exit code 1, or 2 for a usage error. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
}

export const ioOf = (deps: CliDeps): Io => ({
  out: deps.out ?? ((text) => process.stdout.write(`${text}\n`)),
  err: deps.err ?? ((text) => process.stderr.write(`${text}\n`)),
  now: deps.now ?? (() => new Date()),
});

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The region: --region, else AWS_REGION, else AWS_DEFAULT_REGION (which the JavaScript SDK itself
 * does not read); undefined leaves it to the SDK (the profile's region).
 */
export function resolveRegion(options: Pick<CommonOptions, 'region'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const [source, region] = ([['--region', options.region], ['AWS_REGION', env.AWS_REGION], ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION]] as const)
    .find(([, value]) => value) ?? [];
  if (region && !REGION.test(region)) throw new CliError(`${source} ${region}: expected a region such as us-east-1`, 2);
  return region;
}

/**
 * For --local and `remediate local`: the region (resolveRegion, else the running emulator's, else
 * us-east-1) and the emulator (AWS_ENDPOINT_URL, else the one `remediate local up` recorded), set in
 * this process's environment for the SDK clients the local runner and its handlers create.
 */
export async function useLocalEnvironment(options: Pick<CommonOptions, 'region'>, deps: CliDeps): Promise<{ region: string; endpoint?: string }> {
  const emulator = await runningEmulator(deps.emulatorStateFile ?? emulatorStateFile());
  const region = resolveRegion(options) ?? emulator?.region ?? LOCAL_REGION;
  const endpoint = process.env.AWS_ENDPOINT_URL || emulator?.endpoint;
  if (endpoint) useEndpoint(endpoint, region);
  else Object.assign(process.env, { AWS_REGION: region, AWS_DEFAULT_REGION: region });
  return endpoint ? { region, endpoint } : { region };
}

/** The Step Functions client of AWS commands: deps.sfn, else one for the region. */
export function sfnFor(options: CommonOptions, deps: CliDeps): SFNClient {
  const region = resolveRegion(options);
  return deps.sfn ?? (region ? withHooks(new SFNClient({ region }), 'sfn') : createSfnClient());
}

export function sourceFor(options: CommonOptions, deps: CliDeps): ExecutionSource {
  if (options.local) return new LocalExecutionSource(deps.localDir, deps.runWorkflow);
  return new AwsExecutionSource(sfnFor(options, deps));
}

export function archiveFor(options: CommonOptions, deps: CliDeps): ExecutionArchive | undefined {
  if (!options.archive) return undefined;
  if (options.local) throw new CliError('--archive reads the audit log group in AWS; local executions are all in the local store', 2);
  const region = resolveRegion(options);
  const logs = deps.logs ?? (region ? withHooks(new CloudWatchLogsClient({ region }), 'logs') : createLogsClient());
  return new ExecutionArchive(logs, typeof options.archive === 'string' ? options.archive : AUDIT_LOG_GROUP);
}

/** DescribeExecution, or the audit log group once Step Functions has forgotten the execution (90 days). */
export async function describeAnywhere(execution: string, options: CommonOptions, deps: CliDeps): Promise<{ detail: ExecutionDetail; archived: boolean }> {
  const source = sourceFor(options, deps);
  try {
    return { detail: await source.describe(execution), archived: false };
  } catch (error) {
    const archive = archiveFor(options, deps);
    if (!(error instanceof ExecutionNotFoundError) || !archive) throw error;
    const detail = await archive.find(execution);
    if (!detail) throw error;
    return { detail, archived: true };
  }
}

/** `2026-11-01`, `2026-11-01T08:00:00Z`, or relative: `90m`, `24h`, `7d`. */
export function parseSince(text: string, now: Date): Date {
  const relative = /^(\d+)([mhd])$/.exec(text);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new CliError(`--since ${text}: expected a date (2026-11-01, 2026-11-01T08:00:00Z) or an age (90m, 24h, 7d)`, 2);
  return new Date(parsed);
}

/**
 * The names local/runner.ts and triage give executions too (test/cli checks they agree); from
 * tasks/lib, so a command against AWS does not load the local runner (and the CDK app).
 */
export { executionName } from '../../tasks/lib/names';

/** Who calls, locally: the OS user running the command (the emulator has no identities of its own). */
export const osUser = async (): Promise<string> => userInfo().username;

/** The caller of a command: in local mode the OS user, against AWS the STS identity. */
export const callerOf = (options: CommonOptions, deps: CliDeps): (() => Promise<string | undefined>) =>
  deps.callerPrincipal ?? (options.local ? osUser : defaultCallerPrincipal);

/** STS GetCallerIdentity through @aws-sdk/client-sts when installed; otherwise (or on any error) the OS user. */
export async function defaultCallerPrincipal(): Promise<string | undefined> {
  try {
    const moduleName = '@aws-sdk/client-sts';
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sts = require(moduleName) as { STSClient: new (c: object) => { send: (c: object) => Promise<{ Arn?: string }> }; GetCallerIdentityCommand: new (i: object) => object };
    const identity = await new sts.STSClient({}).send(new sts.GetCallerIdentityCommand({}));
    if (identity.Arn) return identity.Arn;
  } catch {
    // not installed, or no credentials: fall back to the local user
  }
  return process.env.USER ?? userInfo().username;
}

/** Who signs this command's identity proofs: the local identity with --local, else the caller's credentials. */
export const signerOf = (options: CommonOptions, deps: CliDeps): ProofSigner =>
  deps.proofSigner ?? (options.local ? localProofSigner(options.as) : awsProofSigner(callerOf(options, deps)));
