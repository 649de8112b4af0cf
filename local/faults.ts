import type { AwsCall } from '../tasks/lib/client-hooks';
import { awsError } from './emulation';
import { InstanceOperator, type InstanceStateFault, type OperatorAction } from './operator';
import { PendingMetadataOptions } from './emulation/instance-metadata';
import { Throttler, type ThrottleCount, type ThrottlePlan } from './throttling';

/** Slow and failing AWS behaviour that moto cannot show, injected per run. */
export interface FaultPlan {
  /** Every distinct API call fails once with RequestLimitExceeded (after the SDK's own retries, as it were). */
  throttleEachCallOnce?: boolean;
  /** DescribeSnapshots reports each snapshot `pending` for this many polls (progress rising), then the truth. */
  snapshotPendingPolls?: number;
  /** Throttling at a rate per action (local/throttling.ts), deterministic with a seed; counted per action in `throttles`. */
  throttle?: ThrottlePlan;
  /** Snapshots never complete: the poll budget must run out. */
  snapshotsNeverComplete?: boolean;
  /** DescribeSnapshots reports every snapshot in state `error`. */
  snapshotsFail?: boolean;
  /** The first call of each listed command reaches AWS and takes effect, but its answer is an InternalError. */
  failAfterSuccessOnce?: string[];
  /** The first call of each listed command reaches AWS and takes effect, but no answer comes back (a timeout, no HTTP status). */
  noAnswerAfterSuccessOnce?: string[];
  /** The nth call (1-based) of a command fails with this error. */
  failCall?: { command: string; nth: number; errorName: string; message: string };
  /** DescribeFlowLogs by id reports every flow log's delivery FAILED with this DeliverLogsErrorMessage (e.g. 'Access error'). */
  flowLogDeliveryError?: string;
  /** Every recorder status Config DescribeConfigurationRecorderStatus reports is this (lastStatusChangeTime: the moment of the answer). */
  configRecorderStatus?: { lastStatus: string; lastErrorCode?: string; lastErrorMessage?: string };
  // Re-checks (local/operator.ts): someone else acting on the instance mid-run, and instances slow to change state.
  /** Someone acts on the account right after a call of the run (starts the instance, tags it excluded, detaches a volume). */
  operator?: OperatorAction[];
  /** DescribeInstances reports this state for some calls (e.g. `pending` right after triage's StartInstances). */
  instanceState?: InstanceStateFault;
  // --- Rollback, cleanup and restart (encrypt-volumes) ---
  /** Calls `from`..`to` (1-based, inclusive; no `to`: every one after) of a command, counting only those whose input has `match`'s values, fail. */
  failCalls?: FailCalls[];
  /**
   * A create still in flight when rollback reads the account: the nth call of `command` is held until the
   * cleanup's first find of volumes by the execution tag has been answered, and the cleanup's next find
   * waits until it has landed (so the settle loop, not luck, must find it).
   */
  landsLate?: { command: string; nth: number };
  // --- Images (refresh-ami): moto makes an image available at once ---
  /** DescribeImages by image id reports each image of ours `pending` for this many polls, then the truth. */
  imagePendingPolls?: number;
  /** DescribeImages by image id reports each image of ours `failed` (EC2's StateReason as CreateImage failures give it). */
  imagesFail?: boolean;
  // --- EBS direct APIs (local/emulation/snapshot-blocks.ts) ---
  /** The encrypted copy of this phase (`pre-copy-encrypted`, `final-encrypted`) lacks its source's last written block. */
  copyLosesBlock?: string;
  /** ListSnapshotBlocks/ListChangedBlocks answer at most this many blocks a page (EBS may return fewer than MaxResults). */
  blockPageSize?: number;
  /** Each instance changed by ModifyInstanceMetadataOptions reports its options `pending` for this many DescribeInstances by id. */
  metadataOptionsPendingPolls?: number;
  // --- SSM Run Command (rotate-key-pair; local/emulation/run-command.ts) ---
  /** The nth SendCommand of the run (1-based) runs its script, whose changes stay, and then reports Failed. */
  commandFailsAfterRunning?: number[];
}

export interface FailCalls {
  command: string;
  from?: number;
  to?: number;
  match?: Record<string, string>;
  errorName: string;
  message: string;
}

export interface FaultRecord {
  fault: string;
  command: string;
  detail?: string;
}

export class FaultLayer {
  readonly injected: FaultRecord[] = [];
  /** Every AWS call the handlers made, in order, as `service:Command`. */
  readonly callLog: string[] = [];
  private readonly throttled = new Set<string>();
  private readonly answerLost = new Set<string>();
  private readonly calls = new Map<string, number>();
  private readonly snapshotPolls = new Map<string, number>();
  private readonly failCallCounts = new Map<FailCalls, number>();
  private readonly imagePolls = new Map<string, number>();
  private late?: { call?: AwsCall; read: Deferred; landed: Deferred };

  private readonly throttler?: Throttler;
  private readonly operator: InstanceOperator;
  private readonly pendingMetadata: PendingMetadataOptions;

  constructor(private readonly plan: FaultPlan = {}) {
    this.operator = new InstanceOperator(plan.operator ?? [], plan.instanceState, this.injected);
    this.pendingMetadata = new PendingMetadataOptions(plan.metadataOptionsPendingPolls ?? 0, this.injected);
    if (plan.landsLate) this.late = { read: deferred(), landed: deferred() };
    if (plan.throttle) this.throttler = new Throttler(plan.throttle);
  }

  /** Throttles injected by `throttle`, by `service:Action`: how many attempts, and how many calls every SDK attempt failed. */
  get throttles(): Record<string, ThrottleCount> {
    return Object.fromEntries(this.throttler?.counts ?? []);
  }

  /** Runs once moto has answered (before `after`): what someone else does to the account at that moment. */
  async operate(call: AwsCall): Promise<void> {
    await this.operator.afterCall(call);
  }

  /** Runs before the call reaches moto: may throw as AWS would. */
  before(call: AwsCall): void {
    const key = `${call.service}:${call.command}`;
    this.callLog.push(key);
    const count = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, count);
    if (this.plan.throttleEachCallOnce && !this.throttled.has(key)) {
      this.throttled.add(key);
      this.injected.push({ fault: 'throttle', command: key });
      throw awsError(call.service === 'ec2' ? 'RequestLimitExceeded' : 'ThrottlingException', 'Rate exceeded (injected)');
    }
    try {
      this.throttler?.attempt(call);
    } catch (error) {
      this.injected.push({ fault: 'throttle', command: key });
      throw error;
    }
    const fail = this.plan.failCall;
    if (fail && fail.command === call.command && fail.nth === count) {
      this.injected.push({ fault: 'fail', command: key, detail: JSON.stringify(call.input) });
      throw awsError(fail.errorName, fail.message);
    }
    this.failCallsBefore(call, key);
    this.pendingMetadata.seen(call);
  }

  // --- Rollback, cleanup and restart (encrypt-volumes) ---

  private failCallsBefore(call: AwsCall, key: string): void {
    for (const rule of this.plan.failCalls ?? []) {
      if (rule.command !== call.command || !Object.entries(rule.match ?? {}).every(([k, v]) => call.input[k] === v)) continue;
      const n = (this.failCallCounts.get(rule) ?? 0) + 1;
      this.failCallCounts.set(rule, n);
      if (n >= (rule.from ?? 1) && n <= (rule.to ?? Number.POSITIVE_INFINITY)) {
        this.injected.push({ fault: 'fail', command: key, detail: JSON.stringify(call.input) });
        throw awsError(rule.errorName, rule.message);
      }
    }
  }

  /** Runs after `before`, before the call reaches moto: holds the late create, or the cleanup's find that must see it. */
  async hold(call: AwsCall): Promise<void> {
    const late = this.late;
    const plan = this.plan.landsLate;
    if (!late || !plan) return;
    if (call.command === plan.command && !late.call && this.calls.get(`${call.service}:${call.command}`) === plan.nth) {
      late.call = call;
      this.injected.push({ fault: 'lands-late', command: `${call.service}:${call.command}`, detail: 'held until the cleanup has read the account' });
      await this.within(late.read.promise, 'the cleanup never read the account');
    } else if (isCleanupFind(call) && late.call && late.read.done && !late.landed.done) {
      await this.within(late.landed.promise, 'the late create never landed');
    }
  }

  private afterLate(call: AwsCall): void {
    const late = this.late;
    if (!late) return;
    if (call === late.call) late.landed.resolve();
    if (call.command === 'DescribeVolumes' && isCleanupFind(call) && late.call) late.read.resolve();
  }

  /** A held call never hangs a test: after a while it goes on, and the record says so. */
  private async within(promise: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(() => { this.injected.push({ fault: 'hold-gave-up', command: 'local', detail: what }); resolve(); }, 20_000);
    });
    await Promise.race([promise, gaveUp]);
    clearTimeout(timer);
  }

  /** Runs on moto's answer: may lose it, or make finished work look unfinished. */
  after(call: AwsCall, output: unknown): unknown {
    const key = `${call.service}:${call.command}`;
    this.afterLate(call);
    if (this.plan.failAfterSuccessOnce?.includes(call.command) && !this.answerLost.has(key)) {
      this.answerLost.add(key);
      this.injected.push({ fault: 'answer-lost', command: key });
      throw awsError('InternalError', 'An internal error has occurred (injected after the call took effect)');
    }
    if (this.plan.noAnswerAfterSuccessOnce?.includes(call.command) && !this.answerLost.has(key)) {
      this.answerLost.add(key);
      this.injected.push({ fault: 'no-answer', command: key });
      throw Object.assign(new Error('Connection timed out after 30000 ms (injected after the call took effect)'), { name: 'TimeoutError' });
    }
    if (call.command === 'DescribeConfigurationRecorderStatus' && this.plan.configRecorderStatus) return this.recorderStatus(key, output);
    if (call.command === 'DescribeFlowLogs' && this.plan.flowLogDeliveryError && call.input.FlowLogIds) return this.flowLogDeliveryFails(key, output);
    // Only direct polls by id; the lookups by tag that make tasks idempotent see the truth.
    if (call.command === 'DescribeSnapshots' && call.input.SnapshotIds) return this.snapshotStates(output);
    if (call.command === 'DescribeInstances') return this.operator.instanceStates(call, this.pendingMetadata.answer(call, output));
    if (call.command === 'DescribeImages' && isImageIdFind(call)) return this.imageStates(output);
    return output;
  }

  /** Images of ours (remediation:workflow tag) pending for some polls, or failed; public images stay as they are. */
  private imageStates(output: unknown): unknown {
    const { imagePendingPolls, imagesFail } = this.plan;
    if (!imagePendingPolls && !imagesFail) return output;
    const images = (output as { Images?: { ImageId?: string; State?: string; StateReason?: unknown; Tags?: { Key?: string }[] }[] }).Images ?? [];
    for (const image of images.filter((i) => i.Tags?.some((t) => t.Key === 'remediation:workflow'))) {
      const id = image.ImageId as string;
      if (imagesFail) {
        Object.assign(image, { State: 'failed', StateReason: { Code: 'Server.InternalError', Message: 'Internal error (injected)' } });
        this.injected.push({ fault: 'image-failed', command: 'ec2:DescribeImages', detail: id });
        continue;
      }
      const polls = (this.imagePolls.get(id) ?? 0) + 1;
      this.imagePolls.set(id, polls);
      if (polls <= (imagePendingPolls ?? 0)) {
        image.State = 'pending';
        this.injected.push({ fault: 'pending', command: 'ec2:DescribeImages', detail: id });
      }
    }
    return output;
  }

  /** Snapshots that stay pending for some polls, never complete, or fail, as the plan says. */
  private snapshotStates(output: unknown): unknown {
    const { snapshotPendingPolls, snapshotsNeverComplete, snapshotsFail } = this.plan;
    if (!snapshotPendingPolls && !snapshotsNeverComplete && !snapshotsFail) return output;
    const snapshots = (output as { Snapshots?: { SnapshotId?: string; State?: string; Progress?: string; StateMessage?: string }[] }).Snapshots ?? [];
    for (const snapshot of snapshots) {
      const id = snapshot.SnapshotId as string;
      if (snapshotsFail) {
        Object.assign(snapshot, { State: 'error', StateMessage: 'Snapshot failed (injected)' });
        this.injected.push({ fault: 'snapshot-error', command: 'ec2:DescribeSnapshots', detail: id });
        continue;
      }
      const polls = (this.snapshotPolls.get(id) ?? 0) + 1;
      this.snapshotPolls.set(id, polls);
      const limit = snapshotsNeverComplete ? Number.POSITIVE_INFINITY : (snapshotPendingPolls ?? 0);
      if (polls <= limit) {
        snapshot.State = 'pending';
        snapshot.Progress = `${Math.min(99, polls * 20)}%`;
        this.injected.push({ fault: 'pending', command: 'ec2:DescribeSnapshots', detail: id });
      }
    }
    return output;
  }

  private recorderStatus(key: string, output: unknown): unknown {
    const statuses = (output as { ConfigurationRecordersStatus?: Record<string, unknown>[] }).ConfigurationRecordersStatus ?? [];
    for (const status of statuses) {
      Object.assign(status, this.plan.configRecorderStatus, { lastStatusChangeTime: new Date() });
      this.injected.push({ fault: 'recorder-status', command: key, detail: String(status.name) });
    }
    return output;
  }

  /** Only direct polls by id: the lookups by VPC or tag (preflight, idempotency, cleanup) see the truth. */
  private flowLogDeliveryFails(key: string, output: unknown): unknown {
    for (const flowLog of (output as { FlowLogs?: Record<string, unknown>[] }).FlowLogs ?? []) {
      Object.assign(flowLog, { DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: this.plan.flowLogDeliveryError });
      this.injected.push({ fault: 'flow-log-delivery', command: key, detail: String(flowLog.FlowLogId) });
    }
    return output;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  done: boolean;
}

function deferred(): Deferred {
  const d = { done: false } as Deferred;
  d.promise = new Promise<void>((resolve) => {
    d.resolve = () => { d.done = true; resolve(); };
  });
  return d;
}

/** A DescribeImages by image id (refresh-ami's polls and re-reads), not a lookup by name or owner. */
function isImageIdFind(call: AwsCall): boolean {
  const filters = call.input.Filters as { Name?: string }[] | undefined;
  return Boolean(call.input.ImageIds) || (filters?.length === 1 && filters[0]?.Name === 'image-id');
}

/** The cleanup's find by the execution tag alone (create tasks look up by execution, phase and source volume). */
function isCleanupFind(call: AwsCall): boolean {
  const filters = call.input.Filters as { Name?: string }[] | undefined;
  return (call.command === 'DescribeVolumes' || call.command === 'DescribeSnapshots')
    && filters?.length === 1 && filters[0]?.Name === 'tag:remediation:execution';
}
