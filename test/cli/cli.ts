import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { runCli } from '../../cli/commands';
import type { CliDeps } from '../../cli/commands/context';

export const NOW = new Date('2026-11-27T12:00:00Z');
export const ALICE = 'arn:aws:iam::123456789012:user/alice';

/** The identity proofs the CLI signs in these tests: named by purpose and execution, so a test can see what was bound to what. */
export const testProof = (purpose: string, executionArn: string) => ({ url: `https://sts.us-east-1.amazonaws.com/?proof=${purpose}:${executionArn}` });

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** No `remediate local up` emulator unless a test starts one (a developer's own stays out of the tests). */
export const NO_EMULATOR = path.join(tmpdir(), `remediate-test-no-emulator-${process.pid}.json`);

/** Runs `remediate <args>` in-process with a (mocked) SFN client, a fixed clock and caller. */
export async function cli(args: string[], deps: CliDeps = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    sfn: new SFNClient({}),
    callerPrincipal: async () => ALICE,
    // --local signs with the real local identity (verified against the emulator); against mocked AWS, a stand-in.
    ...(args.includes('--local') ? {} : { proofSigner: { sign: async (purpose: string, executionArn: string) => testProof(purpose, executionArn), principal: async () => ALICE } }),
    pollIntervalMs: 0,
    emulatorStateFile: NO_EMULATOR,
    now: () => NOW,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ...deps,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * The cells of each row of cli-table3 tables (header rows included). A line whose first cell is
 * empty continues the row above (a multi-line cell): its cells are joined with line breaks.
 */
export function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split('\n').filter((l) => l.startsWith('│'))) {
    const cells = line.split('│').slice(1, -1).map((cell) => cell.trim());
    const previous = rows[rows.length - 1];
    if (cells[0] === '' && previous) cells.forEach((cell, i) => { if (cell) previous[i] = previous[i] ? `${previous[i]}\n${cell}` : cell; });
    else rows.push(cells);
  }
  return rows;
}
