import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NOW, cli } from './cli';

// Local mode in another region: the handlers' clients, the synthesized ARNs and the stored record all follow it.
let moto: MotoServer;
let dir: string;
const vpcIn = async (region: string, cidr: string) => (await new EC2Client({ region }).send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc?.VpcId as string;
const plan = (args: string[], minute: number) =>
  cli(['start', 'enable-flow-logs', '--local', '--wait', '--json', '--input', '{"allVpcs":true,"destination":"s3","mode":"plan"}', ...args], {
    localDir: dir, now: () => new Date(NOW.getTime() + minute * 60_000), // one execution name each
  });
type Started = { executionArn: string; status: string; report: { vpcs: { vpcId: string }[] } };

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  dir = mkdtempSync(path.join(tmpdir(), 'remediate-local-region-'));
});
afterAll(async () => {
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('remediate start --local in another region', () => {
  it('follows AWS_DEFAULT_REGION when AWS_REGION is unset: reads that region\'s VPCs and records the execution there', async () => {
    const [ours, elsewhere] = [await vpcIn('eu-west-1', '10.80.0.0/16'), await vpcIn('us-east-1', '10.81.0.0/16')];
    delete process.env.AWS_REGION;
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';

    const run = await plan([], 0);

    expect(run.err).toBe('');
    const started = JSON.parse(run.out) as Started;
    expect(started.status).toBe('SUCCEEDED');
    expect(started.executionArn).toMatch(/^arn:aws:states:eu-west-1:123456789012:execution:remediation-enable-flow-logs:enable-flow-logs-account-/);
    const planned = started.report.vpcs.map((v) => v.vpcId);
    expect(planned).toContain(ours);
    expect(planned).not.toContain(elsewhere);
  }, 180_000); // synthesizes the stack for eu-west-1

  it('takes --region over AWS_REGION', async () => {
    process.env.AWS_REGION = 'us-east-1';

    const run = await plan(['--region', 'eu-west-1'], 1);

    expect((JSON.parse(run.out) as Started).executionArn).toMatch(/^arn:aws:states:eu-west-1:/);
  });
});
