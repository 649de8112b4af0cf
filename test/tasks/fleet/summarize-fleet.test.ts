import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

process.env.FLEET_BUCKET = 'fleet-bucket';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../tasks/fleet/summarize-fleet') as typeof import('../../../tasks/fleet/summarize-fleet');

const s3 = mockClient(S3Client);
beforeEach(() => s3.reset());

const EXECUTION = { name: 'fleet-account-20260101T100000Z', startTime: '2026-01-01T10:00:00Z' };
const selection = { bucket: 'fleet-bucket', itemsKey: 'k', resultsPrefix: 'p', count: 4, maxConcurrency: 2, excluded: ['i-0000000000000000e'], missing: [] };
const request = (mode: 'plan' | 'apply') => ({ workflow: 'encrypt-volumes', selector: { tags: [] }, childInput: {}, mode, toleratedFailurePercentage: 50, trigger: { source: 'cli' } }) as never;
const mapRun = { MapRunArn: 'arn:aws:states:us-east-1:111122223333:mapRun:remediation-fleet/Fleet:abc', ResultWriterDetails: { Bucket: 'fleet-bucket', Key: 'runs/x/results/abc/manifest.json' } };
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) }) as never;
const ok = (target: string, outcome: string) => ({ ExecutionArn: `e-${target}`, Input: JSON.stringify({ target }), Status: 'SUCCEEDED', Output: JSON.stringify({ target, child: { executionArn: `c-${target}`, output: { outcome, plan: { volumes: 1 } } } }) });
const files: Record<string, unknown> = {
  'runs/x/results/abc/manifest.json': { DestinationBucket: 'fleet-bucket', MapRunArn: mapRun.MapRunArn, ResultFiles: {
    SUCCEEDED: [{ Key: 'runs/x/results/abc/SUCCEEDED_0.json', Size: 1 }], FAILED: [{ Key: 'runs/x/results/abc/FAILED_0.json', Size: 1 }], PENDING: [{ Key: 'runs/x/results/abc/PENDING_0.json', Size: 1 }],
  } },
  'runs/x/results/abc/SUCCEEDED_0.json': [ok('i-a', 'REMEDIATED'), ok('i-b', 'NO_ACTION')],
  'runs/x/results/abc/FAILED_0.json': [
    { ExecutionArn: 'e-i-c', Input: JSON.stringify({ target: 'i-c' }), Status: 'FAILED', Error: 'States.TaskFailed', Cause: JSON.stringify({ ExecutionArn: 'c-i-c', Status: 'FAILED', Error: 'RemediationRolledBack', Cause: '{"devices":[]}' }) },
    { ExecutionArn: 'e-i-d', Input: JSON.stringify({ target: 'i-d' }), Status: 'FAILED', Error: 'States.Timeout', Cause: 'the task timed out' },
  ],
  'runs/x/results/abc/PENDING_0.json': [{ ExecutionArn: '', Input: JSON.stringify({ target: 'i-f' }), Status: 'PENDING' }],
};
const serveFiles = () => s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: body(files[input.Key]) }));
const putKeys = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);

describe('summarize-fleet', () => {
  it('counts outcomes per child result and each failure by the child\'s own error, and writes the summary', async () => {
    serveFiles();

    const report = await handler({ request: request('apply'), execution: EXECUTION, selection, mapRun });

    expect(report).toMatchObject({
      outcome: 'REMEDIATED', mapRunArn: mapRun.MapRunArn, excluded: ['i-0000000000000000e'],
      counts: { total: 5, REMEDIATED: 1, NO_ACTION: 1, PLANNED: 0, FAILED: { RemediationRolledBack: 1, 'States.Timeout': 1 }, PENDING: 1 },
      failures: [
        { target: 'i-c', error: 'RemediationRolledBack', cause: '{"devices":[]}', childExecutionArn: 'c-i-c' },
        { target: 'i-d', error: 'States.Timeout', cause: 'the task timed out' },
      ],
      summary: `s3://fleet-bucket/runs/${EXECUTION.name}/summary.json`,
    });
    expect(report.planManifest).toBeUndefined();
    expect(putKeys()).toEqual([`runs/${EXECUTION.name}/summary.json`]);
  });

  it('plan mode: the plan manifest lists exactly the items whose child PLANNED, with their plans', async () => {
    files['runs/x/results/abc/SUCCEEDED_0.json'] = [ok('i-a', 'PLANNED'), ok('i-b', 'NO_ACTION')];
    serveFiles();

    const report = await handler({ request: request('plan'), execution: EXECUTION, selection, mapRun });

    expect(report.outcome).toBe('PLANNED');
    expect(report.planManifest).toBe(`s3://fleet-bucket/runs/${EXECUTION.name}/plan-manifest.json`);
    const manifest = JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body)) as { items: unknown[]; kind: string; workflow: string };
    expect(manifest).toMatchObject({ kind: 'fleet-plan', workflow: 'encrypt-volumes', items: [{ target: 'i-a', plan: { outcome: 'PLANNED', plan: { volumes: 1 } } }] });
  });

  it('no targets: no Map Run, nothing read, NO_ACTION', async () => {
    const report = await handler({ request: request('apply'), execution: EXECUTION, selection: { ...selection, count: 0 }, mapRun: {} });

    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
    expect(report).toMatchObject({ outcome: 'NO_ACTION', counts: { total: 0 } });
  });

  it('refuses results of another bucket, and a missing manifest is ResourceNotFoundError', async () => {
    await expect(handler({ request: request('apply'), execution: EXECUTION, selection, mapRun: { ...mapRun, ResultWriterDetails: { Bucket: 'other', Key: 'k' } } }))
      .rejects.toMatchObject({ name: 'InvalidInputError' });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no'), { name: 'NoSuchKey' }));
    await expect(handler({ request: request('apply'), execution: EXECUTION, selection, mapRun })).rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});
