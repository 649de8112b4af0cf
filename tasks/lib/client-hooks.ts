
/**
 * A hook sees every AWS call a handler makes, before it is signed and sent.
 * Lambda runs with none; the local runner installs its emulation and fault
 * layer here (answering APIs moto lacks, refusing what EC2 refuses, injecting
 * throttling and pending states). Hooks run before the SDK's own retry step,
 * so an injected throttle reaches the state machine's Retry as it would after
 * the SDK has given up.
 */
export interface AwsCall {
  service: string;
  command: string;
  input: Record<string, unknown>;
}
export type ClientHook = (call: AwsCall, next: () => Promise<unknown>) => Promise<unknown>;

const hooks: ClientHook[] = [];

export function installClientHook(hook: ClientHook): () => void {
  hooks.push(hook);
  return () => {
    const index = hooks.indexOf(hook);
    if (index >= 0) hooks.splice(index, 1);
  };
}

interface HookableClient {
  middlewareStack: {
    add: (
      middleware: (next: (args: { input: object }) => Promise<{ output: unknown }>, context: { commandName?: string }) => (args: { input: object }) => Promise<{ output: unknown }>,
      options: { step: 'initialize'; name: string },
    ) => void;
  };
}

export function withHooks<C>(client: C, service: string): C {
  (client as unknown as HookableClient).middlewareStack.add(
    (next, context) => async (args) => {
      if (hooks.length === 0) return next(args);
      const call: AwsCall = {
        service,
        command: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
        input: args.input as Record<string, unknown>,
      };
      const chain = hooks.reduceRight<() => Promise<unknown>>(
        (downstream, hook) => () => hook(call, downstream),
        async () => (await next(args)).output,
      );
      const output = await chain();
      return { output, response: {} } as { output: unknown };
    },
    { step: 'initialize', name: 'remediationClientHooks' },
  );
  return client;
}


/**
 * A call that is not an SDK client's (an identity proof's presigned STS request, sent with fetch)
 * through the same hooks, so the local runner can emulate and fault it as it does SDK calls.
 */
export async function callThroughHooks(call: AwsCall, send: () => Promise<unknown>): Promise<unknown> {
  const chain = hooks.reduceRight<() => Promise<unknown>>((downstream, hook) => () => hook(call, downstream), send);
  return chain();
}
