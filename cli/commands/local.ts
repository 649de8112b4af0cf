import Table from 'cli-table3';
import { emulatorStateFile, ensureEmulator, runningEmulator, stopEmulator, type EmulatorState } from '../../local/emulator';
import type { CreatedResource } from '../../local/stack-resources';
import { utc } from '../audit/render';
import { ioOf, resolveRegion, useLocalEnvironment, type CliDeps, type CommonOptions } from './context';
import { LOCAL_REGION } from '../../local/account';

export interface LocalUpOptions extends Pick<CommonOptions, 'region' | 'json'> {
  /** Print only the `export ...` line, for `eval "$(remediate local up --env)"`. */
  env?: boolean;
}

const PLAIN = { head: [], border: [] };
/** No rule between rows. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** The environment that points the SDK (and `aws`) at the emulator. */
export const exportLine = (state: EmulatorState, region: string) =>
  `export AWS_ENDPOINT_URL=${state.endpoint} AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`;

const stateFileOf = (deps: CliDeps) => deps.emulatorStateFile ?? emulatorStateFile();

/**
 * What the stack owns, from the synthesized template, created in the emulator (what exists is kept),
 * with the local stand-in for the EBS default key. Loads the CDK app: only now, with the endpoint set.
 */
async function createOwnedResources(region: string): Promise<{ resources: CreatedResource[]; ebsDefaultKey: string }> {
  /* eslint-disable @typescript-eslint/no-require-imports -- the bin loads TypeScript through tsx's CommonJS hook only */
  const { synthesizeWorkflows } = require('../../local/definition') as typeof import('../../local/definition');
  const { createStackResources } = require('../../local/stack-resources') as typeof import('../../local/stack-resources');
  const { Emulation } = require('../../local/emulation') as typeof import('../../local/emulation');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resources = await createStackResources(synthesizeWorkflows(region).owned, region);
  return { resources, ebsDefaultKey: (await new Emulation().ebsDefaultKmsKeyId()).KmsKeyId };
}

/**
 * `remediate local up`: a long-lived moto server (started unless one is recorded and answering), what
 * the stack owns created in it, and the environment to use it. Idempotent.
 */
export async function localUpCommand(options: LocalUpOptions, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const file = stateFileOf(deps);
  const running = await runningEmulator(file);
  const region = resolveRegion(options) ?? running?.region ?? LOCAL_REGION;
  const { state, started } = running ? { state: running, started: false } : await ensureEmulator(region, file, io.now());
  // The resources go where --local commands will look: this endpoint, this region.
  process.env.AWS_ENDPOINT_URL = state.endpoint;
  await useLocalEnvironment({ region }, deps);
  const say = options.env || options.json ? () => undefined : io.out;
  say(started
    ? `moto emulator started on ${state.endpoint} (pid ${state.pid}); log ${state.logFile}`
    : `moto emulator already up on ${state.endpoint} (pid ${state.pid}, since ${utc(new Date(state.startedAt))})`);
  say(`Creating what the stack owns (from the synthesized template) in ${region}...`);
  const { resources, ebsDefaultKey } = await createOwnedResources(region);
  if (options.json) {
    io.out(JSON.stringify({ ...state, region, started, resources: resources.map((r) => ({ ...r.resource, created: r.created })), ebsDefaultKey }, null, 2));
    return 0;
  }
  if (options.env) {
    io.out(exportLine(state, region));
    return 0;
  }
  const table = new Table({ head: ['kind', 'name', 'logical id', ''], style: PLAIN, chars: COMPACT });
  for (const { resource, created } of resources) table.push([resource.kind, resource.name, resource.logicalId, created ? 'created' : 'already there']);
  io.out(table.toString());
  io.out(`EBS default key (local stand-in for aws/ebs): ${ebsDefaultKey}`);
  io.out(`\n--local commands find this emulator by themselves. For other tools (aws, SDK scripts) in this shell:\n${exportLine(state, region)}`);
  io.out('Stop it with: remediate local down');
  return 0;
}

/** `remediate local down`: stops the recorded emulator (its state is gone with it). */
export async function localDownCommand(options: Pick<CommonOptions, 'json'>, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const stopped = await stopEmulator(stateFileOf(deps));
  if (options.json) io.out(JSON.stringify({ stopped: stopped ?? null }, null, 2));
  else io.out(stopped ? `moto emulator on ${stopped.endpoint} (pid ${stopped.pid}) stopped` : 'no local emulator is running');
  return 0;
}

/** `remediate local status`: exit 0 and the environment when up; exit 1 when not. */
export async function localStatusCommand(options: Pick<CommonOptions, 'json'>, deps: CliDeps): Promise<number> {
  const io = ioOf(deps);
  const state = await runningEmulator(stateFileOf(deps));
  if (options.json) io.out(JSON.stringify({ running: Boolean(state), ...state }, null, 2));
  else if (state) io.out(`moto emulator up on ${state.endpoint} (pid ${state.pid}, region ${state.region}, since ${utc(new Date(state.startedAt))})\n${exportLine(state, state.region)}`);
  else io.out('no local emulator is running; start one with: remediate local up');
  return state ? 0 : 1;
}
