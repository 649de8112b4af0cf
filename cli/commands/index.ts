import { Command, CommanderError, Option } from 'commander';
import { AUDIT_LOG_GROUP } from '../audit/archive';
import { EXPORT_FORMATS } from '../audit/export';
import { EXECUTION_STATUSES, ExecutionNotFoundError } from '../audit/source';
import { workflowNames } from '../workflows';
import { caseCommand, type CaseOptions } from './case';
import { approvalAnswerCommand, approvalCommand, type ApprovalOptions } from './approval';
import { CliError, ioOf, resolveRegion, useLocalEnvironment, type CliDeps, type CommonOptions } from './context';
import { exportCommand, type ExportOptions } from './export';
import { fleetStartCommand, fleetStatusCommand, type FleetOptions, type FleetStatusOptions } from './fleet';
import { historyCommand, type HistoryOptions } from './history';
import { localDownCommand, localStatusCommand, localUpCommand, type LocalUpOptions } from './local';
import { showCommand } from './show';
import { startCommand, type StartOptions } from './start';
import { statusCommand } from './status';

const REGION_HELP = 'AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION, else the profile\'s; locally the emulator\'s, else us-east-1)';

const common = (command: Command) =>
  command
    .option('--local', 'use the local runner and the emulator (`remediate local up`, or AWS_ENDPOINT_URL) instead of AWS')
    .option('--region <region>', REGION_HELP)
    .option('--json', 'print JSON instead of tables');

/** Reading commands can also look past Step Functions' 90 days of history. */
const archived = (command: Command) =>
  command.option('--archive [log-group]', `also read the audit log group of execution status changes (default ${AUDIT_LOG_GROUP})`);

const filters = (command: Command) =>
  command
    .option('--workflow <workflow>', 'only this workflow (e.g. encrypt-volumes)')
    .addOption(new Option('--status <status>', 'only executions with this status').choices(EXECUTION_STATUSES))
    .option('--target <target>', 'only this target (instance id)')
    .option('--trigger <text>', 'only executions whose trigger (source, principal or event id) contains this');

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--limit ${value}: expected a positive integer`, 2);
  return n;
};

/** The `remediate` program; each action records its exit code in `result`. */
export function buildProgram(deps: CliDeps, result: { code: number }): Command {
  const io = ioOf(deps);
  const program = new Command('remediate')
    .description('Start, follow and audit the EC2 remediation workflows (Step Functions).')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) })
    .showHelpAfterError();
  const run = <A extends unknown[]>(action: (...args: A) => Promise<number>) => async (...args: A) => {
    result.code = await action(...args);
  };
  // Before any command: a region that cannot be one is refused; --local points this process's SDK at the emulator.
  program.hook('preAction', async (_, command) => {
    const options = command.opts<CommonOptions>();
    resolveRegion(options);
    if (options.local) await useLocalEnvironment(options, deps);
  });

  common(program.command('start <workflow>'))
    .description(`start a workflow (${workflowNames().join(', ')}); the input is validated locally first`)
    .option('--input <file|json>', 'the workflow input: a JSON file or inline JSON')
    .option('--instance <instanceId>', 'the target instance (sets instanceId)')
    .option('--wait', 'follow the execution (states, retries, waits) and end with its report')
    .option('--as <name>', '--local: start as this local identity (default: the OS user)')
    .action(run((workflow: string, options: StartOptions) => startCommand(workflow, options, deps)));

  common(archived(program.command('status <execution>')))
    .description('status, outcome and trigger of one execution (name or ARN)')
    .action(run((execution: string, options: CommonOptions) => statusCommand(execution, options, deps)));

  common(archived(filters(program.command('history'))))
    .description('executions across all our state machines, newest first')
    .option('--since <date|age>', 'started at or after (2026-11-01, 24h, 7d)')
    .option('--limit <n>', 'at most this many rows', positiveInt, 100)
    .action(run((options: HistoryOptions) => historyCommand(options, deps)));

  common(archived(program.command('show <execution>')))
    .description("one execution's timeline (states, durations, retries, errors) and its actions before/after")
    .action(run((execution: string, options: CommonOptions) => showCommand(execution, options, deps)));

  common(archived(filters(program.command('export'))))
    .description('an audit file of the executions since a date: trigger, target, outcome, actions, times')
    .requiredOption('--since <date|age>', 'started at or after (2026-11-01, 24h, 7d)')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('md'))
    .option('--out <file>', 'write to this file instead of stdout')
    .action(run((options: ExportOptions) => exportCommand(options, deps)));

  common(program.command('case <caseId>'))
    .description('one case (case-<CloudTrail event id>): its executions, the event, what was changed (case record), how to release')
    .option('--case-table <name>', 'the stack\'s PrincipalCases table (default: PRINCIPAL_CASE_TABLE_NAME; --local: the local stack\'s)')
    .option('--instance-case-table <name>', 'the stack\'s InstanceCases table (default: INSTANCE_CASE_TABLE_NAME; --local: the local stack\'s)')
    .option('--since <date|age>', 'only executions started at or after (2026-11-01, 24h, 7d)')
    .action(run((caseId: string, options: CaseOptions) => caseCommand(caseId, options, deps)));

  const AS_HELP = '--local: answer as this local identity (default: the OS user; the requester cannot approve)';
  common(program.command('approve <execution>'))
    .description('approve the step an execution waits at, with an STS identity proof of who you are')
    .option('--reason <text>', 'why, kept in the execution history and the report')
    .option('--as <name>', AS_HELP)
    .action(run((execution: string, options: ApprovalOptions) => approvalCommand(true, execution, options, deps)));

  common(program.command('reject <execution>'))
    .description('reject the step an execution waits at (nothing is changed)')
    .option('--reason <text>', 'why, kept in the execution history')
    .option('--as <name>', AS_HELP)
    .action(run((execution: string, options: ApprovalOptions) => approvalCommand(false, execution, options, deps)));

  common(program.command('approval-answer <execution>'))
    .description('print the approval answer (with its identity proof, valid 5 min) for aws stepfunctions send-task-success --task-output')
    .option('--reason <text>', 'why, kept in the execution history and the report')
    .option('--as <name>', AS_HELP)
    .action(run((execution: string, options: ApprovalOptions) => approvalAnswerCommand(execution, options, deps)));

  const fleet = program.command('fleet').description('one fleet run (workflow `fleet`): a child execution per target, plan first, then apply the reviewed manifest');
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const fleetRun = (command: Command, mode: 'plan' | 'apply') =>
    common(command)
      .option('--workflow <workflow>', 'the child workflow: encrypt-volumes, enable-flow-logs, enforce-imdsv2 or restrict-security-groups')
      .option('--tag <key=v1,v2>', 'targets carrying this tag with one of these values (repeatable: every tag must match)', collect)
      .option('--instance <ids...>', 'these instances')
      .option('--vpc <ids...>', 'these VPCs (enable-flow-logs)')
      .option('--group <ids...>', 'these security groups (restrict-security-groups)')
      .option('--input <file|json>', "the child's own input (its schema, without its target, mode and trigger)")
      .option('--max-concurrency <n>', 'children at once (default: derived from the EC2 API refill rates)')
      .option('--tolerated-failure-percentage <p>', 'percentage of children that may fail before the run stops (default 0)')
      .option('--wait', 'follow the run (progress bar) and end with its summary (always, with --local)')
      .action(run((options: FleetOptions) => fleetStartCommand(mode, options, deps)));
  fleetRun(fleet.command('plan'), 'plan').description('plan the fleet: every child in plan mode (nothing changes); prints the plan manifest to apply');
  fleetRun(fleet.command('apply'), 'apply').description('apply: exactly a reviewed plan\'s targets (--manifest s3://...), or the selected targets')
    .option('--manifest <s3-uri>', 'the plan manifest a `fleet plan` wrote');
  common(fleet.command('status <execution>'))
    .description('a fleet run (name or ARN): live progress (done / running / failed) while it runs, then its summary table')
    .option('--fleet-bucket <name>', 'the stack\'s fleet bucket, for the results of a run that failed past its tolerance (default: FLEET_BUCKET; --local: the local stack\'s)')
    .action(run((execution: string, options: FleetStatusOptions) => fleetStatusCommand(execution, options, deps)));

  const local = program.command('local').description('the local emulator (moto) that --local commands run against');
  local.command('up')
    .description('start the emulator (unless up), create what the stack owns in it, print the environment to use it')
    .option('--region <region>', REGION_HELP)
    .option('--env', 'print only the export line: eval "$(remediate local up --env)"')
    .option('--json', 'print JSON')
    .action(run((options: LocalUpOptions) => localUpCommand(options, deps)));
  local.command('down')
    .description('stop the emulator (everything in it is gone)')
    .option('--json', 'print JSON')
    .action(run((options: CommonOptions) => localDownCommand(options, deps)));
  local.command('status')
    .description('whether the emulator is up (exit 0) or not (exit 1), and its environment')
    .option('--json', 'print JSON')
    .action(run((options: CommonOptions) => localStatusCommand(options, deps)));

  return program;
}

/** Runs `remediate` with these arguments (without node and script); returns the exit code. */
export async function runCli(args: string[], deps: CliDeps = {}): Promise<number> {
  const io = ioOf(deps);
  const result = { code: 0 };
  try {
    await buildProgram(deps, result).parseAsync(args, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      io.err(`remediate: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ExecutionNotFoundError) {
      io.err(`remediate: ${error.message}`);
      return 1;
    }
    const name = (error as Error).name;
    io.err(`remediate: ${name && name !== 'Error' ? `${name}: ` : ''}${(error as Error).message}`);
    return 1;
  }
}
