import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { KitSteps } from '../../workflows/lib/skeleton';
import { flattenStates, type Asl, type AslState } from './definition';

/** The stand-in ARN of the function for `task` in a fast definition. */
export const standIn = (task: string): string => `arn:aws:lambda:us-east-1:123456789012:function:${task}`;

/**
 * A workflow's definition built by its own builder on a bare Stack, with `Function.fromFunctionArn` stand-ins for its
 * tasks and the kit's lock (and plan check), resolved to plain ASL: milliseconds, no app, no bundling.
 */
export function fastDefinition<T extends string>(
  tasks: readonly T[],
  build: (scope: Construct, fns: Record<T, IFunction>, kit: KitSteps) => sfn.IChainable,
  options: { targetPath?: string; resourcesPath?: string; untagResources?: true; comparePlans?: boolean; ttlSeconds?: number; handOver?: true; acceptsHandOver?: true } = {},
): { asl: Asl; states: Map<string, AslState> } {
  const stack = new Stack();
  const fn = (name: string) => lambda.Function.fromFunctionArn(stack, `StandIn-${name}`, standIn(name));
  const fns = Object.fromEntries(tasks.map((t) => [t, fn(t)])) as Record<T, IFunction>;
  const kit: KitSteps = {
    lock: {
      acquire: fn('acquire-lock'), release: fn('release-lock'), ttlSeconds: options.ttlSeconds ?? 1800,
      ...(options.targetPath ? { targetPath: options.targetPath } : {}),
      ...(options.resourcesPath ? { resources: { fn: fn('lock-resources'), path: options.resourcesPath } } : {}),
      ...(options.untagResources ? { untagResources: true as const } : {}),
      ...(options.handOver ? { handOver: { grant: fn('grant-lock'), reclaim: fn('reclaim-lock') } } : {}),
      ...(options.acceptsHandOver ? { acceptsHandOver: true as const } : {}),
    },
    ...(options.comparePlans ? { comparePlans: fn('compare-plans') } : {}),
  };
  const chain = sfn.Chain.start(build(stack, fns, kit));
  const asl = stack.resolve(new sfn.StateGraph(chain.startState, 'fast definition').toGraphJson()) as Asl;
  return { asl, states: flattenStates(asl.States) };
}
