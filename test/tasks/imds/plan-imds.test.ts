import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, GetInstanceMetadataDefaultsCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as plan } from '../../../tasks/imds/plan-imds';
import { handler as validate } from '../../../tasks/imds/validate-imds-input';
import { A, B, EXECUTION, instance, request, reservations } from './fixtures';

const ec2 = mockClient(EC2Client);
const cloudwatch = mockClient(CloudWatchClient);
beforeEach(() => {
  ec2.reset();
  cloudwatch.reset();
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});
const YESTERDAY = new Date('2026-02-28T00:00:00Z');

describe('validate-imds-input', () => {
  it.each([
    [{}, /give instanceIds, allInstances: true or accountDefault: true/],
    [{ instanceIds: [A], allInstances: true }, /not both/],
    [{ instanceIds: ['i-123'] }, /instanceIds.0: must look like i-/],
    [{ instanceIds: [A, A] }, /must not repeat an instance/],
    [{ allInstances: true, httpPutResponseHopLimit: 65 }, /httpPutResponseHopLimit/],
    [{ allInstances: true, v1UsageWindowDays: 0 }, /v1UsageWindowDays/],
  ])('refuses %j naming the field', async (input, message) => {
    await expect(validate({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringMatching(message) });
  });

  it('one instance locks on its id; several, or the account default, on <account>/<region>/enforce-imdsv2', async () => {
    expect((await validate({ input: { instanceIds: [A] }, execution: EXECUTION })).lockTarget).toBe(A);
    expect((await validate({ input: { instanceIds: [A, B] }, execution: EXECUTION })).lockTarget).toBe('111122223333/us-east-1/enforce-imdsv2');
    expect((await validate({ input: { accountDefault: true }, execution: EXECUTION })).lockTarget).toBe('111122223333/us-east-1/enforce-imdsv2');
  });
});

describe('plan-imds', () => {
  it('allInstances: every page of the filtered DescribeInstances (running/stopped, HttpTokens optional), each to enforce', async () => {
    ec2.on(DescribeInstancesCommand).resolvesOnce({ ...reservations(instance(B)), NextToken: 'page-2' }).resolves(reservations(instance(A, { State: { Name: 'stopped' } })));

    const out = await plan({ request: request({ allInstances: true }), execution: EXECUTION });

    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [{ Name: 'instance-state-name', Values: ['running', 'stopped'] }, { Name: 'metadata-options.http-tokens', Values: ['optional'] }], MaxResults: 1000,
    });
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(out).toMatchObject({ outcome: 'PROCEED', target: 'instances', toEnforce: [A, B], warnings: [] });
    expect(out.instances.map((i) => [i.instanceId, i.state, i.action, i.v1Use])).toEqual([[A, 'stopped', 'enforce', { recent: false }], [B, 'running', 'enforce', { recent: false }]]);
  });

  it('recent IMDSv1 use (MetadataNoToken > 0 on a day of the window) is left out with a warning, unless allowV1Breakage', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A), instance(B)));
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [
      { Id: 'm0', Values: [0, 0], Timestamps: [YESTERDAY, YESTERDAY] },
      { Id: 'm1', Values: [0, 7], Timestamps: [new Date('2026-03-01T00:00:00Z'), YESTERDAY] },
    ] });

    const careful = await plan({ request: request({ instanceIds: [A, B] }), execution: EXECUTION });
    expect(careful.toEnforce).toEqual([A]);
    expect(careful.instances[1]).toMatchObject({ instanceId: B, action: 'skipped', v1Use: { recent: true, lastSeenAt: YESTERDAY.toISOString() }, reason: expect.stringContaining('would break that software') });
    expect(careful.warnings).toEqual([`${B}: IMDSv1 used within 14 days; left allowing IMDSv1 so its software keeps working`]);
    const query = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(query?.MetricDataQueries?.[1]).toEqual({
      Id: 'm1', ReturnData: true,
      MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'MetadataNoToken', Dimensions: [{ Name: 'InstanceId', Value: B }] }, Period: 86400, Stat: 'Sum' },
    });
    expect((query!.EndTime as Date).getTime() - (query!.StartTime as Date).getTime()).toBe(14 * 86_400_000);

    const breaking = await plan({ request: request({ instanceIds: [A, B], allowV1Breakage: true }), execution: EXECUTION });
    expect(breaking.toEnforce).toEqual([A, B]);
    expect(breaking.warnings[0]).toMatch(/allowV1Breakage: software that reads instance metadata without a token will fail/);
  });

  it('reads the metric for 500 instances per call, across NextToken pages', async () => {
    const ids = Array.from({ length: 501 }, (_, n) => `i-${n.toString(16).padStart(17, '0')}`);
    ec2.on(DescribeInstancesCommand).resolves(reservations(...ids.map((id) => instance(id))));
    cloudwatch.on(GetMetricDataCommand).resolvesOnce({ MetricDataResults: [], NextToken: 'more' }).resolvesOnce({ MetricDataResults: [{ Id: 'm499', Values: [3], Timestamps: [YESTERDAY] }] })
      .resolves({ MetricDataResults: [{ Id: 'm0', Values: [1], Timestamps: [YESTERDAY] }] });

    const out = await plan({ request: request({ allInstances: true }), execution: EXECUTION });

    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    expect(out.instances.filter((i) => i.v1Use?.recent).map((i) => i.instanceId)).toEqual([ids[499], ids[500]]);
  });

  it('excluded, terminated, held by another remediation, or already required: left as they are, each with its reason', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(
      instance(A, { Tags: [{ Key: 'remediation:exclude', Value: 'TRUE' }] }),
      instance(B, { State: { Name: 'stopping' } }),
      instance('i-0ccccccccccccccc3', { Tags: [{ Key: 'remediation:lock', Value: 'encrypt-volumes-i-0ccccccccccccccc3-20260301T110000Z' }] }),
      instance('i-0ddddddddddddddd4', {}, { HttpTokens: 'required' }),
      instance('i-0eeeeeeeeeeeeeee5', { Tags: [{ Key: 'remediation:lock', Value: EXECUTION.name }] }),
    ));

    const out = await plan({ request: request({ instanceIds: [A, B, 'i-0ccccccccccccccc3', 'i-0ddddddddddddddd4', 'i-0eeeeeeeeeeeeeee5'] }), execution: EXECUTION });

    expect(out.instances.map((i) => [i.action, i.reason])).toEqual([
      ['skipped', 'tagged remediation:exclude=true'],
      ['skipped', 'stopping: only running or stopped instances are changed'],
      ['skipped', 'being remediated by encrypt-volumes-i-0ccccccccccccccc3-20260301T110000Z (remediation:lock)'],
      ['compliant', 'IMDSv2 required already'],
      ['enforce', 'HttpTokens optional -> required'],
    ]);
    expect(out.toEnforce).toEqual(['i-0eeeeeeeeeeeeeee5']);
  });

  it('a hop limit asked for makes a required instance with another limit one to change', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A, {}, { HttpTokens: 'required', HttpPutResponseHopLimit: 1 })));
    expect((await plan({ request: request({ instanceIds: [A], httpPutResponseHopLimit: 2, mode: 'plan' }), execution: EXECUTION }))).toMatchObject({ outcome: 'PLANNED', toEnforce: [A] });
  });

  it('nothing to change: NO_ACTION; the account default already required counts as nothing', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A, {}, { HttpTokens: 'required' })));
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: { HttpTokens: 'required' } });
    expect(await plan({ request: request({ instanceIds: [A], accountDefault: true }), execution: EXECUTION }))
      .toMatchObject({ outcome: 'NO_ACTION', target: A, toEnforce: [], accountDefault: { before: { httpTokens: 'required' }, change: false } });
  });

  it('the account default alone: no DescribeInstances; unset is a change, with its warning', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
    const out = await plan({ request: request({ accountDefault: true }), execution: EXECUTION });
    expect(out).toMatchObject({ outcome: 'PROCEED', target: 'account-default', instances: [], accountDefault: { before: {}, change: true } });
    expect(out.warnings).toEqual(['new instances launched in this region will require IMDSv2 unless their launch asks otherwise']);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
  });

  it('a named instance that does not exist: ResourceNotFoundError naming it', async () => {
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound', `The instance ID '${B}' does not exist`));
    await expect(plan({ request: request({ instanceIds: [B] }), execution: EXECUTION })).rejects.toMatchObject({ name: 'ResourceNotFoundError', message: expect.stringContaining(B) });
  });

  it('rethrows CloudWatch throttling for the Retry', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A)));
    cloudwatch.on(GetMetricDataCommand).rejects(awsError('Throttling'));
    await expect(plan({ request: request({ instanceIds: [A] }), execution: EXECUTION })).rejects.toMatchObject({ name: 'Throttling' });
  });
});
