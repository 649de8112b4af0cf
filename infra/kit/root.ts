import { NestedStack, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';
import { acceptsFindings, type AcceptedFinding, type AcceptsFindings } from '../nag';

/** The deployed stack `scope` is in: the root, never one of its nested stacks. */
export function rootStackOf(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/**
 * The construct with `id` directly under the root stack, made by `create` the first time anyone asks: the tables
 * the whole deployment shares (locks, cases) exist once, whichever nested stack's workflow asks for them.
 */
export function rootSingleton<T extends Construct>(scope: IConstruct, id: string, create: (root: Stack, id: string) => T): T {
  const root = rootStackOf(scope);
  return (root.node.tryFindChild(id) as T | undefined) ?? create(root, id);
}

/**
 * Where a singleton the whole deployment shares (a stack-owned bucket, the approval topic) is created when
 * a workflow in a nested stack asks for it: in the root stack, at the same path relative to its stack as
 * `scope`, so its logical id is the one it had before workflows were nested (a retained bucket keeps its
 * data on update). The findings the workflow accepts still apply to what is created there.
 */
export function rootScopeOf(scope: Construct): Construct {
  const stack = Stack.of(scope);
  const root = rootStackOf(scope);
  if (stack === root) return scope;
  const scopes = scope.node.scopes;
  let at: Construct = root;
  for (const construct of scopes.slice(scopes.indexOf(stack) + 1)) {
    const found = at.node.tryFindChild(construct.node.id);
    if (found && (NestedStack.isNestedStack(found) || !(found instanceof RootOwned))) {
      throw new Error(`${root.node.path} already has ${construct.node.id}: name nested stacks apart from the workflows they hold`);
    }
    at = (found as RootOwned | undefined) ?? new RootOwned(at, construct.node.id, construct);
  }
  return at;
}

class RootOwned extends Construct implements AcceptsFindings {
  readonly acceptedFindings: readonly AcceptedFinding[];

  constructor(scope: Construct, id: string, mirrored: IConstruct) {
    super(scope, id);
    this.acceptedFindings = acceptsFindings(mirrored) ? mirrored.acceptedFindings : [];
  }
}
