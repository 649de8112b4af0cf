import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

process.env.FLEET_BUCKET = 'fleet-bucket';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../tasks/fleet/select-targets') as typeof import('../../../tasks/fleet/select-targets');

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
beforeEach(() => { ec2.reset(); s3.reset(); });

const EXECUTION = { name: 'fleet-account-20260101T100000Z', startTime: '2026-01-01T10:00:00Z', arn: 'arn:aws:states:us-east-1:111122223333:execution:remediation-fleet:fleet-account-20260101T100000Z' };
const request = (fields: Record<string, unknown>) => ({
  workflow: 'encrypt-volumes', childInput: { allowStop: true }, mode: 'apply', toleratedFailurePercentage: 0, trigger: { source: 'cli' }, ...fields,
}) as never;
const instance = (id: string, tags: { Key: string; Value: string }[] = []) => ({ InstanceId: id, Tags: tags });
/** What GetObject's Body offers the handler (the SDK's stream mixin). */
const body = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) });
const written = () => JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body)) as { target: string; childName: string; input: Record<string, unknown> }[];

describe('select-targets', () => {
  it('tags: filtered, paginated DescribeInstances; excluded instances left out; the items manifest written', async () => {
    // GIVEN two pages of tagged instances, one of them excluded
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-0000000000000000b'), instance('i-0000000000000000c', [{ Key: 'remediation:exclude', Value: 'true' }])] }], NextToken: 'page2' })
      .resolvesOnce({ Reservations: [{ Instances: [instance('i-0000000000000000a')] }] });

    // WHEN
    const out = await handler({ request: request({ selector: { tags: [{ key: 'team', values: ['payments', 'billing'] }] } }), execution: EXECUTION });

    // THEN every call had the tag and state filters; the excluded one is reported, not run
    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    const filters = [{ Name: 'tag:team', Values: ['payments', 'billing'] }, { Name: 'instance-state-name', Values: ['running', 'stopping', 'stopped'] }];
    expect(ec2).toHaveReceivedNthSpecificCommandWith(1, DescribeInstancesCommand, { Filters: filters });
    expect(ec2).toHaveReceivedNthSpecificCommandWith(2, DescribeInstancesCommand, { Filters: filters, NextToken: 'page2' });
    expect(out).toEqual({
      bucket: 'fleet-bucket', itemsKey: `runs/${EXECUTION.name}/items.json`, resultsPrefix: `runs/${EXECUTION.name}/results`,
      count: 2, maxConcurrency: 75, excluded: ['i-0000000000000000c'], missing: [],
    });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: 'fleet-bucket', Key: `runs/${EXECUTION.name}/items.json` });
    expect(written()).toEqual(['i-0000000000000000a', 'i-0000000000000000b'].map((id) => ({
      workflow: 'encrypt-volumes', target: id, childName: `${EXECUTION.name}-${id}`,
      input: { allowStop: true, instanceId: id, mode: 'apply', trigger: { source: 'cli', parentExecution: EXECUTION.arn } },
    })));
  });

  it('ids: filtered by id in chunks of 200; unknown ids reported missing; maxConcurrency as given', async () => {
    const ids = Array.from({ length: 201 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    ec2.on(DescribeInstancesCommand).callsFake((input: { Filters: { Values: string[] }[] }) => ({
      Reservations: [{ Instances: (input.Filters[0]?.Values ?? []).filter((id) => id !== ids[7]).map((id) => instance(id)) }],
    }));

    const out = await handler({ request: request({ selector: { instanceIds: ids }, maxConcurrency: 3 }), execution: EXECUTION });

    expect(ec2).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.Filters?.[0]?.Values?.length)).toEqual([200, 1]);
    expect(out).toMatchObject({ count: 200, missing: [ids[7]], maxConcurrency: 3 });
  });

  it('VPCs and security groups by tag, each with its own filtered call and child input', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0123456789abcdef0' }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0' }] });

    await handler({ request: request({ workflow: 'enable-flow-logs', childInput: { destination: 's3' }, selector: { tags: [{ key: 'env', values: ['prod'] }] } }), execution: EXECUTION });
    await handler({ request: request({ workflow: 'restrict-security-groups', childInput: {}, selector: { tags: [{ key: 'env', values: ['prod'] }] } }), execution: EXECUTION });

    expect(ec2).toHaveReceivedCommandWith(DescribeVpcsCommand, { Filters: [{ Name: 'tag:env', Values: ['prod'] }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'tag:env', Values: ['prod'] }] });
    const [vpcItems, groupItems] = s3.commandCalls(PutObjectCommand).map((c) => JSON.parse(String(c.args[0].input.Body)) as { input: Record<string, unknown> }[]);
    expect(vpcItems?.[0]?.input).toMatchObject({ vpcIds: ['vpc-0123456789abcdef0'], destination: 's3' });
    expect(groupItems?.[0]?.input).toMatchObject({ groupIds: ['sg-0123456789abcdef0'] });
  });

  it('manifest: exactly the targets the plan PLANNED, re-read by id', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body({ kind: 'fleet-plan', workflow: 'encrypt-volumes', items: [{ target: 'i-0000000000000000a', plan: {} }] }) as never });
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance('i-0000000000000000a')] }] });

    const out = await handler({ request: request({ selector: { manifest: 's3://fleet-bucket/runs/plan/plan-manifest.json' } }), execution: EXECUTION });

    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'fleet-bucket', Key: 'runs/plan/plan-manifest.json' });
    expect(ec2).toHaveReceivedCommandWith(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-0000000000000000a'] }, { Name: 'instance-state-name', Values: ['running', 'stopping', 'stopped'] }] });
    expect(out.count).toBe(1);
  });

  it('refuses a manifest of another bucket or another workflow, before writing anything', async () => {
    await expect(handler({ request: request({ selector: { manifest: 's3://other-bucket/plan.json' } }), execution: EXECUTION }))
      .rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('selector.manifest') });
    s3.on(GetObjectCommand).resolves({ Body: body({ kind: 'fleet-plan', workflow: 'enforce-imdsv2', items: [] }) as never });
    await expect(handler({ request: request({ selector: { manifest: 's3://fleet-bucket/runs/p/plan-manifest.json' } }), execution: EXECUTION }))
      .rejects.toMatchObject({ name: 'PreconditionFailedError' });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    await expect(handler({ request: request({ selector: { manifest: 's3://fleet-bucket/runs/p/none.json' } }), execution: EXECUTION }))
      .rejects.toMatchObject({ name: 'ResourceNotFoundError' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('throttling is thrown for the state\'s Retry', async () => {
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded' }));
    await expect(handler({ request: request({ selector: { tags: [{ key: 'a', values: ['b'] }] } }), execution: EXECUTION })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
  });
});
