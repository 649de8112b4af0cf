import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { signIdentityProof, type SignProofOptions } from '../tasks/lib/identity/sign';
import { localIdentity, type LocalIdentity } from './identities';

/** A task-token step (an approval) that waits for an answer. */
export interface ApprovalRequest {
  execution: string;
  state: string;
  payload: Record<string, unknown>;
  taskToken: string;
  /** The state's TimeoutSeconds: no answer by then is a timeout. */
  timeoutSeconds: number;
  /** What the answer's identity proof must be bound to. */
  executionArn: string;
}
/** How an in-process approver's proof is signed: bound to another execution, dated, short-lived (tests). */
export type ProofOverrides = Pick<SignProofOptions, 'signingDate' | 'expiresInSeconds'> & { bindTo?: string };
export type ApprovalAnswer =
  /** Approved as `remediate approve` does: an identity proof signed by `as` (default: the local identity `local-approver`). */
  | { approved: true; reason?: string; as?: LocalIdentity; proof?: ProofOverrides }
  | { approved: false; reason: string; principal?: string }
  | { timeout: true }
  /** SendTaskSuccess with exactly this output, as `aws stepfunctions send-task-success` would answer. */
  | { taskSuccess: unknown };

export const taskToken = (execution: string) => `local-task-token:${execution}`;
export const nobodyAnswers = async (): Promise<ApprovalAnswer> => ({ timeout: true });

/** The local identity in-process approvals sign with when the approver names none. */
export const DEFAULT_LOCAL_APPROVER = 'local-approver';

/** The answer to a task token, as the state machine sees it (SendTaskSuccess / SendTaskFailure / the task's timeout). */
export async function taskTokenResult(answer: ApprovalAnswer, request: Pick<ApprovalRequest, 'executionArn'>): Promise<unknown> {
  const at = new Date().toISOString();
  if ('timeout' in answer) throw Object.assign(new Error('no answer before the task timeout'), { name: 'States.Timeout' });
  if ('taskSuccess' in answer) return answer.taskSuccess;
  if (answer.approved) {
    const identity = answer.as ?? (await localIdentity(DEFAULT_LOCAL_APPROVER));
    const { bindTo, ...signing } = answer.proof ?? {};
    const identityProof = await signIdentityProof('approve', bindTo ?? request.executionArn, { credentials: identity.credentials, ...signing });
    return { approved: true, ...(answer.reason ? { reason: answer.reason } : {}), identityProof };
  }
  throw Object.assign(new Error(JSON.stringify({ approved: false, principal: answer.principal ?? 'local', at, reason: answer.reason })), { name: 'ApprovalRejected' });
}

/**
 * Task tokens of local runs answered from another process: the waiting runner records what it
 * waits for in the local store and polls for an answer file there; `remediate approve|reject
 * --local` writes that file. Who approved is who signed the answer's identity proof, which the
 * workflow verifies (RequestApprovalVerifyApprover), never a field of the answer.
 */
const Pending = z.object({
  execution: z.string(),
  state: z.string(),
  taskToken: z.string(),
  requestedAt: z.string(),
  timeoutAt: z.string(),
  pid: z.number().int(),
});
export type PendingTask = z.infer<typeof Pending>;
/** What `remediate approve|reject --local` writes: the approval as sent with SendTaskSuccess (its proof included), or the rejection. */
const Answer = z.discriminatedUnion('approved', [
  z.object({ approved: z.literal(true) }).passthrough(),
  z.object({ approved: z.literal(false), reason: z.string(), principal: z.string().optional() }),
]);
export type TaskTokenAnswer = z.infer<typeof Answer>;

/** Step Functions' names for an answer to a token nobody waits for. */
export class TaskDoesNotExistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskDoesNotExist';
  }
}

const tokensDir = (storeDir: string) => path.join(storeDir, 'task-tokens');
const pendingFile = (storeDir: string, execution: string) => path.join(tokensDir(storeDir), `${execution}.json`);
const answerFile = (storeDir: string, execution: string) => path.join(tokensDir(storeDir), `${execution}.answer`);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readJson<T>(file: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // absent, or still being written
  }
}

/** What the execution waits for, if a live local runner waits for it. */
export function pendingTask(storeDir: string, execution: string): PendingTask | undefined {
  const pending = readJson(pendingFile(storeDir, execution), Pending);
  return pending && alive(pending.pid) && !existsSync(answerFile(storeDir, execution)) ? pending : undefined;
}

/**
 * Answers the token: the answer file appears whole (written aside, then linked) and only once, as
 * Step Functions accepts one answer per token.
 */
export function answerTaskToken(storeDir: string, taskToken: string, answer: TaskTokenAnswer): PendingTask {
  const dir = tokensDir(storeDir);
  const waiting = (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []).filter((f) => f.isFile() && f.name.endsWith('.json'))
    .map((f) => readJson(path.join(dir, f.name), Pending))
    .find((p) => p?.taskToken === taskToken && alive(p.pid));
  if (!waiting) throw new TaskDoesNotExistError(`no local run waits for task token ${taskToken}`);
  const target = answerFile(storeDir, waiting.execution);
  const aside = `${target}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(Answer.parse(answer))}\n`);
  try {
    linkSync(aside, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TaskDoesNotExistError(`task token ${taskToken} was already answered`);
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
  return waiting;
}

/** The user name of a uid: this process's own, else /etc/passwd's, else `uid <n>`. */
export function userNameOf(uid: number): string {
  const me = userInfo();
  if (me.uid === uid) return me.username;
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0] as string;
  } catch {
    // no passwd file (not Unix)
  }
  return `uid ${uid}`;
}

export interface StoreApproverOptions {
  /** Between looks for the answer (default 500 ms). */
  pollMs?: number;
  /** Told once the request is recorded (the CLI prints how to answer it). */
  onWaiting?: (pending: PendingTask) => void;
  /** At most this long, whatever the state's timeout (the local runner's limit of an hour by default). */
  maxWaitSeconds?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An approver for the local runner that waits for `remediate approve|reject --local` in another
 * process, until the state's timeout; an approval is handed on as written (SendTaskSuccess).
 */
export function storeApprover(storeDir: string, options: StoreApproverOptions = {}): (request: ApprovalRequest) => Promise<ApprovalAnswer> {
  return async (request) => {
    mkdirSync(tokensDir(storeDir), { recursive: true });
    const waitSeconds = Math.min(request.timeoutSeconds, options.maxWaitSeconds ?? 3600);
    const now = Date.now();
    const pending: PendingTask = {
      execution: request.execution, state: request.state, taskToken: request.taskToken,
      requestedAt: new Date(now).toISOString(), timeoutAt: new Date(now + waitSeconds * 1000).toISOString(), pid: process.pid,
    };
    const file = pendingFile(storeDir, request.execution);
    const answered = answerFile(storeDir, request.execution);
    rmSync(answered, { force: true });
    writeFileSync(file, `${JSON.stringify(pending, null, 2)}\n`);
    options.onWaiting?.(pending);
    try {
      while (Date.now() < now + waitSeconds * 1000) {
        const answer = readJson(answered, Answer);
        if (answer?.approved) return { taskSuccess: answer };
        // A rejection changes nothing and needs no proof: the principal is the CLI's word, else the file's owner.
        if (answer) return { approved: false, reason: answer.reason, principal: answer.principal ?? userNameOf(statSync(answered).uid) };
        await sleep(options.pollMs ?? 500);
      }
      return { timeout: true };
    } finally {
      rmSync(file, { force: true });
      rmSync(answered, { force: true });
    }
  };
}
