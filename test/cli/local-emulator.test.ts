import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { synthesizeWorkflows } from '../../local/definition';
import type { EmulatorState } from '../../local/emulator';
import { cli } from './cli';

// `remediate local up|status|down` as a new user runs them: a real detached moto, its state in a temp file.
let dir: string;
let stateFile: string;
const run = (args: string[]) => cli(args, { emulatorStateFile: stateFile, localDir: path.join(dir, 'executions') });
const state = () => JSON.parse(readFileSync(stateFile, 'utf8')) as EmulatorState;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const endpoint = process.env.AWS_ENDPOINT_URL;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-local-up-'));
  stateFile = path.join(dir, 'emulator.json');
  // A new user's shell: no emulator in the environment.
  delete process.env.AWS_ENDPOINT_URL;
});

afterAll(async () => {
  if (existsSync(stateFile)) await run(['local', 'down']);
  if (endpoint !== undefined) process.env.AWS_ENDPOINT_URL = endpoint;
  rmSync(dir, { recursive: true, force: true });
});

describe('remediate local', () => {
  it('status before up says none is running, with exit code 1', async () => {
    const status = await run(['local', 'status']);

    expect(status).toMatchObject({ code: 1, out: 'no local emulator is running; start one with: remediate local up' });
  });

  it('up starts a detached emulator, records it, creates what the template owns and prints the environment', async () => {
    const up = await run(['local', 'up']);

    expect(up.err).toBe('');
    expect(up.code).toBe(0);
    const { pid, endpoint: url } = state();
    expect(alive(pid)).toBe(true);
    expect(up.out).toContain(`export AWS_ENDPOINT_URL=${url} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1`);
    // What the synthesized stack owns, as the task functions' environment names it.
    const { owned, environment } = synthesizeWorkflows('us-east-1');
    const client = { endpoint: url, region: 'us-east-1' };
    const buckets = ((await new S3Client({ ...client, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    expect(buckets.sort()).toEqual(owned.filter((r) => r.kind === 'bucket').map((r) => r.name).sort());
    expect(buckets).toEqual(expect.arrayContaining([
      environment.FLOW_LOGS_BUCKET_ARN?.replace('arn:aws:s3:::', ''), environment.CONFIG_BUCKET_NAME, environment.TRAIL_BUCKET_NAME,
    ]));
    expect(buckets.length).toBeGreaterThan(3); // and their access-log buckets
    const groups = ((await new CloudWatchLogsClient(client).send(new DescribeLogGroupsCommand({}))).logGroups ?? []).map((g) => g.logGroupName);
    expect(groups).toEqual([environment.FLOW_LOGS_LOG_GROUP_ARN?.split(':log-group:')[1]?.replace(/:\*$/, '')]);
    const topics = ((await new SNSClient(client).send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn);
    expect(topics).toContain(environment.APPROVAL_TOPIC_ARN);
  });

  it('up again reuses the running emulator and finds everything already there', async () => {
    const before = state();

    const again = await run(['local', 'up', '--json']);

    expect(again.code).toBe(0);
    const answer = JSON.parse(again.out) as { pid: number; port: number; started: boolean; resources: { created: boolean }[]; ebsDefaultKey: string };
    expect(answer).toMatchObject({ pid: before.pid, port: before.port, started: false });
    expect(answer.resources.length).toBeGreaterThan(0);
    expect(answer.resources.filter((r) => r.created)).toEqual([]);
    expect((await run(['local', 'up', '--env'])).out).toBe(
      `export AWS_ENDPOINT_URL=${before.endpoint} AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`);
  });

  it('after up, start --local runs against it without AWS_ENDPOINT_URL: flow logs reach the stack-owned bucket', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const vpcId = (await new EC2Client({ endpoint: state().endpoint, region: 'us-east-1' }).send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc?.VpcId;

    const started = await run(['start', 'enable-flow-logs', '--local', '--wait', '--json', '--input', JSON.stringify({ vpcIds: [vpcId], destination: 's3' })]);

    expect(started.err).toBe('');
    expect(JSON.parse(started.out)).toMatchObject({ status: 'SUCCEEDED', outcome: 'REMEDIATED', actions: [{ action: 'create-flow-log', resourceId: vpcId }] });
  }, 120_000);

  it('down stops it and removes the record; status then exits 1 and down again says none is running', async () => {
    const { pid, endpoint: url } = state();

    const down = await run(['local', 'down']);

    expect(down).toMatchObject({ code: 0, out: `moto emulator on ${url} (pid ${pid}) stopped` });
    expect(alive(pid)).toBe(false);
    expect(existsSync(stateFile)).toBe(false);
    expect((await run(['local', 'status'])).code).toBe(1);
    expect(await run(['local', 'down'])).toMatchObject({ code: 0, out: 'no local emulator is running' });
  });

  it('refuses a state file that is not one, saying what to do', async () => {
    writeFileSync(stateFile, '{"pid":"twelve"}');

    const status = await run(['local', 'status']);

    expect(status.code).toBe(1);
    expect(status.err).toMatch(/^remediate: EmulatorStateError: .*emulator\.json is not an emulator state file \(pid: .*\): remove it, then run remediate local up$/);
  });
});
