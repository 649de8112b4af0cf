import { SFNClient } from '@aws-sdk/client-sfn';
import { runCli } from '../../cli/commands';
import type { CliDeps } from '../../cli/commands/context';

export const NOW = new Date('2026-11-27T12:00:00Z');
export const ALICE = 'arn:aws:iam::123456789012:user/alice';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `remediate <args>` in-process with a (mocked) SFN client, a fixed clock and caller. */
export async function cli(args: string[], deps: CliDeps = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    sfn: new SFNClient({}),
    callerPrincipal: async () => ALICE,
    pollIntervalMs: 0,
    now: () => NOW,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ...deps,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The cells of each body row of a cli-table3 table (header row first). */
export const tableRows = (text: string) =>
  text.split('\n').filter((line) => line.startsWith('│')).map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
