import type { InstanceStateChange } from '@aws-sdk/client-ec2';

export interface InstanceEvent {
  instanceId: string;
}

/** A stop or start as the report records it. */
export interface InstanceChange {
  instanceId: string;
  previousState: string;
  currentState: string;
  at: string;
}

export function instanceChange(instanceId: string, change: InstanceStateChange | undefined): InstanceChange {
  return {
    instanceId,
    previousState: change?.PreviousState?.Name ?? 'unknown',
    currentState: change?.CurrentState?.Name ?? 'unknown',
    at: new Date().toISOString(),
  };
}
