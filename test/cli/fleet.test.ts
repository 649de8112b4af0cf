import { PassThrough } from 'node:stream';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { FleetReport } from '../../tasks/fleet/summarize-fleet';
import { FleetProgressView } from '../../cli/commands/fleet';
import { ALICE, NOW, cli, tableRows, testProof } from './cli';

// `remediate fleet plan|apply|status` against (mocked) AWS: the flags become exactly the fleet's input, bad flags are
// refused before any call, and a run is followed through its Map Run's item counts to the summary table.
const sfn = mockClient(SFNClient);
const FLEET_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:remediation-fleet';
const fleetArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:remediation-fleet:${name}`;
const MAP_RUN = 'arn:aws:states:us-east-1:123456789012:mapRun:remediation-fleet/FleetMap:0b1c';
const MANIFEST = 's3://remediation-fleet-123456789012/runs/fleet-plan-encrypt-volumes-20261127T110000Z/plan-manifest.json';
const APPLY_NAME = 'fleet-apply-encrypt-volumes-20261127T120000Z';
const PLAN_NAME = 'fleet-plan-encrypt-volumes-20261127T120000Z';

const REPORT: FleetReport = {
  workflow: 'fleet', childWorkflow: 'encrypt-volumes', target: APPLY_NAME, mode: 'apply', outcome: 'REMEDIATED', mapRunArn: MAP_RUN,
  counts: { total: 4, REMEDIATED: 2, NO_ACTION: 1, PLANNED: 0, FAILED: { RemediationRolledBack: 1 }, PENDING: 0 },
  failures: [{ target: 'i-0000000000000000c', error: 'RemediationRolledBack', cause: 'CreateVolume: InsufficientVolumeCapacity; rolled back' }],
  excluded: ['i-0000000000000000e'], missing: [],
  summary: `s3://remediation-fleet-123456789012/runs/${APPLY_NAME}/summary.json`, trigger: { source: 'cli', principal: ALICE },
};

const execution = (name: string, status: string, extra: Partial<DescribeExecutionCommandOutput> = {}) => ({
  executionArn: fleetArn(name), stateMachineArn: FLEET_MACHINE, name, status, startDate: NOW, input: '{}', ...extra,
}) as DescribeExecutionCommandOutput;

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ name: 'remediation-fleet', stateMachineArn: FLEET_MACHINE, type: 'STANDARD', creationDate: NOW }] });
});

describe('remediate fleet plan|apply: the fleet input', () => {
  it('plan with tag selectors, child input and limits starts the fleet with exactly that input, in plan mode', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: fleetArn(PLAN_NAME), startDate: NOW });

    const run = await cli(['fleet', 'plan', '--workflow', 'encrypt-volumes', '--tag', 'team=payments,web', '--tag', 'env=prod',
      '--input', '{"allowStop":true}', '--max-concurrency', '5', '--tolerated-failure-percentage', '10']);

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.stateMachineArn).toBe(FLEET_MACHINE);
    expect(call?.name).toBe(PLAN_NAME);
    expect(JSON.parse(call?.input as string)).toEqual({
      workflow: 'encrypt-volumes',
      selector: { tags: [{ key: 'team', values: ['payments', 'web'] }, { key: 'env', values: ['prod'] }] },
      childInput: { allowStop: true }, mode: 'plan', maxConcurrency: 5, toleratedFailurePercentage: 10,
      trigger: { source: 'cli', principal: ALICE, proof: testProof('start', fleetArn(PLAN_NAME)) },
    });
    expect(run.out.split('\n').slice(-2)).toEqual([fleetArn(PLAN_NAME), `follow it: remediate fleet status ${PLAN_NAME}`]);
  });

  it.each([
    ['apply --manifest', ['--manifest', MANIFEST], { manifest: MANIFEST }],
    ['instances', ['--instance', 'i-0000000000000000a', 'i-0000000000000000b'], { instanceIds: ['i-0000000000000000a', 'i-0000000000000000b'] }],
  ])('apply by %s', async (_what, flags, selector) => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: fleetArn(APPLY_NAME), startDate: NOW });

    const run = await cli(['fleet', 'apply', '--workflow', 'encrypt-volumes', ...flags]);

    expect(run.code).toBe(0);
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input as string) as Record<string, unknown>;
    expect(input).toEqual({ workflow: 'encrypt-volumes', selector, childInput: {}, mode: 'apply', trigger: expect.objectContaining({ source: 'cli', principal: ALICE }) });
  });

  it.each([
    ['no selector', ['fleet', 'plan', '--workflow', 'encrypt-volumes'], 'fleet plan: give exactly one selector: --tag, --instance, --vpc or --group'],
    ['two selectors', ['fleet', 'apply', '--workflow', 'encrypt-volumes', '--instance', 'i-0000000000000000a', '--tag', 'a=b'], 'fleet apply: give exactly one selector: --manifest, --tag, --instance, --vpc or --group'],
    ['no workflow', ['fleet', 'plan', '--tag', 'a=b'], 'fleet plan: --workflow is required'],
    ['a tag without values', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--tag', 'team'], '--tag team: expected key=value[,value...]'],
    ['an unknown workflow', ['fleet', 'plan', '--workflow', 'enable-config', '--tag', 'a=b'], 'fleet: invalid input: workflow'],
    ['a bad instance id', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--instance', 'web-1'], 'fleet: invalid input: selector'],
    ['a manifest that is no s3 URI', ['fleet', 'apply', '--workflow', 'encrypt-volumes', '--manifest', 'plan.json'], 'fleet: invalid input: selector'],
    ['VPCs for a per-instance workflow', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--vpc', 'vpc-0123456789abcdef0'], 'selector.vpcIds: encrypt-volumes runs per instance, not per vpc'],
    ['a target in the child input', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--tag', 'a=b', '--input', '{"instanceId":"i-0000000000000000a"}'], 'childInput: instanceId set by the fleet'],
    ['a concurrency of 0', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--tag', 'a=b', '--max-concurrency', '0'], 'fleet: invalid input: maxConcurrency'],
    ['a percentage that is no number', ['fleet', 'plan', '--workflow', 'encrypt-volumes', '--tag', 'a=b', '--tolerated-failure-percentage', 'ten'], '--tolerated-failure-percentage ten: expected a number'],
  ])('refuses %s before any call (exit 2)', async (_what, args, message) => {
    const run = await cli(args);

    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(sfn.calls()).toHaveLength(0);
  });
  it('plan takes no --manifest (a manifest is what a plan writes)', async () => {
    const run = await cli(['fleet', 'plan', '--workflow', 'encrypt-volumes', '--manifest', MANIFEST]);

    expect(run.code).toBe(1);
    expect(run.err).toContain("unknown option '--manifest'");
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('remediate fleet status', () => {
  const arn = fleetArn(APPLY_NAME);
  const counts = (succeeded: number, running: number, failed: number, pending: number) => ({
    itemCounts: { total: 4, succeeded, running, failed, pending, timedOut: 0, aborted: 0, resultsWritten: succeeded + failed },
  });

  it('polls the Map Run while the run is RUNNING, one progress line per change (no TTY), then the summary table', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: arn })
      .resolvesOnce(execution(APPLY_NAME, 'RUNNING'))
      .resolvesOnce(execution(APPLY_NAME, 'RUNNING'))
      .resolvesOnce(execution(APPLY_NAME, 'RUNNING'))
      .resolves(execution(APPLY_NAME, 'SUCCEEDED', { output: JSON.stringify(REPORT) }));
    sfn.on(ListMapRunsCommand, { executionArn: arn }).resolves({ mapRuns: [{ mapRunArn: MAP_RUN, executionArn: arn, stateMachineArn: FLEET_MACHINE, startDate: NOW }] });
    sfn.on(DescribeMapRunCommand, { mapRunArn: MAP_RUN })
      .resolvesOnce(counts(0, 2, 0, 2) as never)
      .resolvesOnce(counts(0, 2, 0, 2) as never)
      .resolvesOnce(counts(2, 1, 1, 0) as never)
      .resolves(counts(3, 0, 1, 0) as never);

    const run = await cli(['fleet', 'status', APPLY_NAME], { isTTY: false });

    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(DescribeMapRunCommand, 4);
    const lines = run.out.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'done 0/4  running 2  failed 0  pending 2',
      'done 2/4  running 1  failed 1  pending 0',
      'done 3/4  running 0  failed 1  pending 0',
      `${APPLY_NAME}: SUCCEEDED`,
    ]);
    expect(lines[4]).toBe('fleet apply of encrypt-volumes: REMEDIATED');
    const rows = tableRows(run.out);
    expect(rows).toEqual([
      ['outcome', 'children'], ['REMEDIATED', '2'], ['NO_ACTION', '1'], ['PLANNED', '0'], ['FAILED (RemediationRolledBack)', '1'], ['PENDING (not run)', '0'], ['total', '4'],
      ['target', 'error', 'cause'], ['i-0000000000000000c', 'RemediationRolledBack', 'CreateVolume: InsufficientVolumeCapacity; rolled back'],
    ]);
    expect(lines).toEqual(expect.arrayContaining(['Failures (1)', 'excluded (remediation:exclude=true): i-0000000000000000e', `summary: ${REPORT.summary}`]));
  });

  it('a plan shows its manifest and how to apply it; a run past its tolerance exits 1 with the Map error', async () => {
    const plan = { ...REPORT, target: PLAN_NAME, mode: 'plan', outcome: 'PLANNED', counts: { ...REPORT.counts, REMEDIATED: 0, NO_ACTION: 0, PLANNED: 4, FAILED: {} }, failures: [], excluded: [], planManifest: MANIFEST };
    sfn.on(DescribeExecutionCommand, { executionArn: fleetArn(PLAN_NAME) }).resolves(execution(PLAN_NAME, 'SUCCEEDED', { output: JSON.stringify(plan) }));
    sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves(execution(APPLY_NAME, 'FAILED', { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' }));
    sfn.on(ListMapRunsCommand).resolves({ mapRuns: [] });

    const planned = await cli(['fleet', 'status', PLAN_NAME], { isTTY: false });
    const failed = await cli(['fleet', 'status', APPLY_NAME], { isTTY: false });

    expect(planned.code).toBe(0);
    expect(planned.out.split('\n').slice(-2)).toEqual([`plan manifest: ${MANIFEST}`, `apply it: remediate fleet apply --workflow encrypt-volumes --manifest ${MANIFEST}`]);
    expect(failed.code).toBe(1);
    expect(failed.out.split('\n').slice(0, 3)).toEqual([
      `${APPLY_NAME}: FAILED`, 'error: States.ExceedToleratedFailureThreshold', 'cause: The specified tolerated failure threshold was exceeded',
    ]);
  });

  it('a run failed past its tolerance: the counts and failures from its latest Map Run\'s ResultWriter files (--fleet-bucket)', async () => {
    const s3 = mockClient(S3Client);
    const bucket = 'remediation-fleet-123456789012';
    const results = `runs/${APPLY_NAME}/results`;
    const body = (value: unknown) => ({ Body: { transformToString: async () => JSON.stringify(value) } }) as never;
    sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves(execution(APPLY_NAME, 'FAILED', {
      input: JSON.stringify({ workflow: 'encrypt-volumes', mode: 'apply' }), error: 'States.ExceedToleratedFailureThreshold', cause: 'exceeded',
    }));
    sfn.on(ListMapRunsCommand).resolves({ mapRuns: [] });
    s3.on(ListObjectsV2Command, { Bucket: bucket, Prefix: `${results}/` }).resolves({ Contents: [
      { Key: `${results}/new-run/manifest.json`, LastModified: new Date('2026-11-27T12:10:00Z') },
      { Key: `${results}/new-run/FAILED_0.json`, LastModified: new Date('2026-11-27T12:10:00Z') },
      { Key: `${results}/old-run/manifest.json`, LastModified: new Date('2026-11-27T12:05:00Z') },
    ] });
    s3.on(GetObjectCommand, { Bucket: bucket, Key: `${results}/new-run/manifest.json` }).resolves(body({
      DestinationBucket: bucket, MapRunArn: MAP_RUN, ResultFiles: { FAILED: [{ Key: `${results}/new-run/FAILED_0.json`, Size: 1 }], PENDING: [{ Key: `${results}/new-run/PENDING_0.json`, Size: 1 }] },
    }));
    s3.on(GetObjectCommand, { Bucket: bucket, Key: `${results}/new-run/FAILED_0.json` }).resolves(body([{
      ExecutionArn: 'item-1', Input: JSON.stringify({ target: 'i-0000000000000000a' }), Status: 'FAILED', Error: 'States.TaskFailed',
      Cause: JSON.stringify({ Error: 'RemediationRolledBack', Cause: 'no capacity', ExecutionArn: 'child-1' }),
    }]));
    s3.on(GetObjectCommand, { Bucket: bucket, Key: `${results}/new-run/PENDING_0.json` }).resolves(body([{ ExecutionArn: 'item-2', Input: '{}', Status: 'PENDING' }]));

    const run = await cli(['fleet', 'status', APPLY_NAME, '--fleet-bucket', bucket], { isTTY: false, s3: new S3Client({}) });
    s3.restore();

    expect(run.err).toBe('');
    expect(run.code).toBe(1);
    expect(run.out.split('\n')[3]).toBe(`fleet apply of encrypt-volumes: FAILED (from s3://${bucket}/${results}/new-run/manifest.json)`);
    expect(tableRows(run.out)).toEqual([
      ['outcome', 'children'], ['REMEDIATED', '0'], ['NO_ACTION', '0'], ['PLANNED', '0'], ['FAILED (RemediationRolledBack)', '1'], ['PENDING (not run)', '1'], ['total', '2'],
      ['target', 'error', 'cause'], ['i-0000000000000000a', 'RemediationRolledBack', 'no capacity'],
    ]);
    expect(run.out.split('\n').pop()).toBe('RedriveExecution reruns its failed and not-started items.');
  });

  it('refuses an execution of another workflow', async () => {
    const other = 'arn:aws:states:us-east-1:123456789012:execution:remediation-encrypt-volumes:encrypt-volumes-i-1-x';
    sfn.on(DescribeExecutionCommand, { executionArn: other }).resolves({ ...execution('encrypt-volumes-i-1-x', 'SUCCEEDED'), executionArn: other, stateMachineArn: other.replace(':execution:', ':stateMachine:').replace(/:encrypt-volumes-i-1-x$/, '') });

    const run = await cli(['fleet', 'status', other]);

    expect(run.code).toBe(2);
    expect(run.err).toContain('is not a fleet run');
  });
});

describe('fleet progress on a terminal', () => {
  it('draws a cli-progress bar of finished items with done / running / failed, and nothing on the line output', async () => {
    const written: string[] = [];
    const lines: string[] = [];
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    tty.on('data', (chunk: Buffer) => written.push(chunk.toString()));
    const view = new FleetProgressView({ out: (t) => lines.push(t), err: () => undefined, now: () => NOW }, true, tty);

    view.update({ total: 4, done: 1, running: 2, failed: 0, pending: 1 });
    view.update({ total: 4, done: 3, running: 0, failed: 1, pending: 0 });
    view.stop();
    await new Promise((resolve) => setImmediate(resolve));

    expect(lines).toEqual([]);
    const text = written.join('');
    expect(text).toContain('1/4 | done 1 | running 2 | failed 0');
    expect(text).toContain('4/4 | done 3 | running 0 | failed 1');
  });
});
