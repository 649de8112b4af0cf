import {
  CreateTagsCommand, DescribeInstancesCommand, DetachVolumeCommand, EC2Client, ModifyNetworkInterfaceAttributeCommand, StartInstancesCommand, StopInstancesCommand, type Instance,
} from '@aws-sdk/client-ec2';
import type { AwsCall } from '../tasks/lib/client-hooks';
import { TAG } from '../tasks/lib/tags';

/**
 * The fault layer's people (local/faults.ts): an operator who changes the instance while a run waits, and
 * instances that EC2 reports in a transitional state for a while. Moto shows neither: its instances
 * change state at once and nobody else uses the account.
 */

/** When: right after the `nth` call (1-based) of `command`, counted from the first call of `since` (default: from the start). */
export interface CallTrigger {
  command: string;
  nth: number;
  since?: string;
}

export type OperatorAction = { when: CallTrigger; instanceId: string } & (
  | { action: 'start-instance' | 'stop-instance' | 'tag-exclude' }
  | { action: 'detach-volume'; device: string }
  /** The instance's first network interface put in exactly these security groups. */
  | { action: 'set-eni-groups'; groupIds: string[] }
);

/** DescribeInstances reports `state` for `polls` calls, counted from the first call of `since` (default: from the start). */
export interface InstanceStateFault {
  state: 'pending' | 'stopping';
  polls: number;
  since?: string;
}

interface Injected { fault: string; command: string; detail?: string }

/** Counts calls of `command` once `since` has been called. */
class Counter {
  private armed: boolean;
  count = 0;
  constructor(private readonly command: string, private readonly since?: string) {
    this.armed = since === undefined;
  }

  /** Counts `call`; true when it is one of `command`'s, counted. */
  see(call: AwsCall): boolean {
    if (!this.armed && call.command === this.since) this.armed = true;
    if (!this.armed || call.command !== this.command) return false;
    this.count += 1;
    return true;
  }
}

export class InstanceOperator {
  // Not through the client hook: the operator's calls are not the run's, and the fault layer never sees them.
  private readonly ec2 = new EC2Client({});
  private readonly triggers: { action: OperatorAction; counter: Counter; done: boolean }[];
  private readonly stateCounter: Counter | undefined;
  /** DescribeInstances calls whose answer reports the transitional state. */
  private readonly transitional = new WeakSet<AwsCall>();

  constructor(actions: OperatorAction[], private readonly stateFault: InstanceStateFault | undefined, private readonly injected: Injected[]) {
    this.triggers = actions.map((action) => ({ action, counter: new Counter(action.when.command, action.when.since), done: false }));
    this.stateCounter = stateFault && new Counter('DescribeInstances', stateFault.since);
  }

  /** Every call of the run, once moto has answered it: counts it, and acts when a trigger says so. */
  async afterCall(call: AwsCall): Promise<void> {
    if (this.stateFault && this.stateCounter?.see(call) && this.stateCounter.count <= this.stateFault.polls) this.transitional.add(call);
    for (const trigger of this.triggers) {
      if (!trigger.counter.see(call) || trigger.done || trigger.counter.count !== trigger.action.when.nth) continue;
      trigger.done = true;
      await this.act(trigger.action);
      this.injected.push({ fault: `operator:${trigger.action.action}`, command: `ec2:${call.command}`, detail: trigger.action.instanceId });
    }
  }

  /** A DescribeInstances answer, with the transitional state for as many calls as the fault says. */
  instanceStates(call: AwsCall, output: unknown): unknown {
    const fault = this.stateFault;
    if (!fault || !this.transitional.has(call)) return output;
    for (const reservation of (output as { Reservations?: { Instances?: Instance[] }[] }).Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        instance.State = { ...instance.State, Name: fault.state };
        this.injected.push({ fault: `instance-${fault.state}`, command: 'ec2:DescribeInstances', detail: instance.InstanceId });
      }
    }
    return output;
  }

  private async act(action: OperatorAction): Promise<void> {
    const InstanceIds = [action.instanceId];
    switch (action.action) {
      case 'start-instance': await this.ec2.send(new StartInstancesCommand({ InstanceIds })); return;
      case 'stop-instance': await this.ec2.send(new StopInstancesCommand({ InstanceIds })); return;
      case 'tag-exclude': await this.ec2.send(new CreateTagsCommand({ Resources: InstanceIds, Tags: [{ Key: TAG.exclude, Value: 'true' }] })); return;
      case 'set-eni-groups': {
        const instance = (await this.ec2.send(new DescribeInstancesCommand({ InstanceIds }))).Reservations?.[0]?.Instances?.[0];
        const eni = instance?.NetworkInterfaces?.[0]?.NetworkInterfaceId;
        if (!eni) throw new Error(`operator: ${action.instanceId} has no network interface`);
        await this.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: action.groupIds }));
        return;
      }
      case 'detach-volume': {
        const instance = (await this.ec2.send(new DescribeInstancesCommand({ InstanceIds }))).Reservations?.[0]?.Instances?.[0];
        const volumeId = instance?.BlockDeviceMappings?.find((m) => m.DeviceName === action.device)?.Ebs?.VolumeId;
        if (!volumeId) throw new Error(`operator: nothing attached at ${action.device} of ${action.instanceId}`);
        await this.ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: action.instanceId, Device: action.device }));
      }
    }
  }
}
