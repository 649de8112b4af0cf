import { DescribeImagesCommand, EC2Client, type Image, type Instance } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { assessFreshness } from '../../../tasks/ami/lib/freshness';
import { awsError } from '../fixtures';
import { NOW } from './fixtures';

const ec2 = mockClient(EC2Client);
const ssm = mockClient(SSMClient);
// mockClient answers every instance of the class: these are what the function under test is handed.
const ec2Client = new EC2Client({});
const ssmClient = new SSMClient({});
beforeEach(() => {
  ec2.reset();
  ssm.reset();
});

const AMAZON = '137112412989';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const vm = (id: string, imageId: string): Instance => ({ InstanceId: id, ImageId: imageId, State: { Name: 'running' } });
const al2023 = (id: string, created: string, extra: Partial<Image> = {}): Image => ({
  ImageId: id, Name: `al2023-ami-2023.6.${id.slice(-4)}-kernel-6.1-x86_64`, OwnerId: AMAZON, Architecture: 'x86_64', CreationDate: created, State: 'available', ...extra,
});
const byIdFilter = (ids: string[]) => ({ Filters: [{ Name: 'image-id', Values: ids }], IncludeDeprecated: true });

describe('assessFreshness', () => {
  it('reports an old, deprecated, not-latest AMI against the SSM parameter, names the latest, and a current one without findings', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand, byIdFilter(['ami-00000000000000001', 'ami-00000000000000002'])).resolves({ Images: [
      al2023('ami-00000000000000001', daysAgo(200), { DeprecationTime: daysAgo(10) }), al2023('ami-00000000000000002', daysAgo(5)),
    ] });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-00000000000000002' } });

    // Act
    const out = await assessFreshness(ec2Client, ssmClient,
      [vm('i-0000000000000000a', 'ami-00000000000000001'), vm('i-0000000000000000b', 'ami-00000000000000002')], 90, NOW);

    // Assess
    const latest = { source: 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64', imageId: 'ami-00000000000000002', name: 'al2023-ami-2023.6.0002-kernel-6.1-x86_64', createdAt: daysAgo(5) };
    expect(out).toEqual([
      { instanceId: 'i-0000000000000000a', state: 'running', imageId: 'ami-00000000000000001', family: 'al2023-kernel-6.1', latest, findings: ['old', 'deprecated', 'not-latest'],
        image: { name: 'al2023-ami-2023.6.0001-kernel-6.1-x86_64', ownerId: AMAZON, architecture: 'x86_64', createdAt: daysAgo(200), ageDays: 200, deprecatedAt: daysAgo(10) } },
      { instanceId: 'i-0000000000000000b', state: 'running', imageId: 'ami-00000000000000002', family: 'al2023-kernel-6.1', latest, findings: [],
        image: { name: 'al2023-ami-2023.6.0002-kernel-6.1-x86_64', ownerId: AMAZON, architecture: 'x86_64', createdAt: daysAgo(5), ageDays: 5 } },
    ]);
    // One family, one parameter read; the latest was among the instances' images: no second DescribeImages.
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 1);
  });

  it('a deprecation still ahead is no finding; a deregistered AMI (absent by id filter) is', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-00000000000000001', Name: 'golden', OwnerId: '123456789012', CreationDate: daysAgo(1), DeprecationTime: daysAgo(-30) }] });

    // Act
    const out = await assessFreshness(ec2Client, ssmClient,
      [vm('i-0000000000000000a', 'ami-00000000000000001'), vm('i-0000000000000000b', 'ami-0ffffffffffffffff')], 90, NOW);

    // Assess
    expect(out.map((i) => [i.instanceId, i.findings, i.family])).toEqual([['i-0000000000000000a', [], undefined], ['i-0000000000000000b', ['deregistered'], undefined]]);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
  });

  it('a retired family (ParameterNotFound) is reported as such, not a crash; another SSM error is thrown for Retry', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand).resolves({ Images: [al2023('ami-00000000000000001', daysAgo(1))] });
    ssm.on(GetParameterCommand).rejectsOnce(awsError('ParameterNotFound')).rejectsOnce(awsError('ThrottlingException'));
    const instances = [vm('i-0000000000000000a', 'ami-00000000000000001')];

    // Act
    const out = await assessFreshness(ec2Client, ssmClient, instances, 90, NOW);
    const again = assessFreshness(ec2Client, ssmClient, instances, 90, NOW);

    // Assess
    expect(out[0]?.findings).toEqual(['family-retired']);
    expect(out[0]?.latest?.retired).toBe('the public parameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64 no longer exists: the family is retired; move to a supported one');
    await expect(again).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('a family without parameters: the newest available, non-deprecated image of its owner and name pattern, over every page', async () => {
    // Prepare
    const ubuntu = (id: string, created: string): Image => ({
      ImageId: id, Name: `ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-${created.slice(0, 10).replace(/-/g, '')}`, OwnerId: '099720109477', Architecture: 'x86_64', CreationDate: created,
    });
    ec2.on(DescribeImagesCommand, byIdFilter(['ami-00000000000000001'])).resolves({ Images: [ubuntu('ami-00000000000000001', daysAgo(40))] });
    const query = { Owners: ['099720109477'], Filters: [{ Name: 'name', Values: ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*'] }, { Name: 'state', Values: ['available'] }], IncludeDeprecated: false };
    ec2.on(DescribeImagesCommand, query).resolves({ Images: [ubuntu('ami-00000000000000003', daysAgo(20))], NextToken: 'page-2' });
    ec2.on(DescribeImagesCommand, { ...query, NextToken: 'page-2' }).resolves({ Images: [ubuntu('ami-00000000000000004', daysAgo(2)), ubuntu('ami-00000000000000001', daysAgo(40))] });

    // Act
    const [out] = await assessFreshness(ec2Client, ssmClient, [vm('i-0000000000000000a', 'ami-00000000000000001')], 30, NOW);

    // Assess
    expect(out).toMatchObject({ family: 'ubuntu-jammy-22.04', findings: ['old', 'not-latest'], latest: { imageId: 'ami-00000000000000004', createdAt: daysAgo(2) } });
  });

  it('a family whose every image is deprecated or gone (DescribeImages finds none) is retired', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand, byIdFilter(['ami-00000000000000001'])).resolves({ Images: [{ ImageId: 'ami-00000000000000001', Name: 'debian-10-amd64-20240101-1000', OwnerId: '136693071363', Architecture: 'x86_64', CreationDate: daysAgo(3) }] });
    ec2.on(DescribeImagesCommand, { Owners: ['136693071363'] }).resolves({ Images: [] });

    // Act
    const [out] = await assessFreshness(ec2Client, ssmClient, [vm('i-0000000000000000a', 'ami-00000000000000001')], 30, NOW);

    // Assess
    expect(out).toMatchObject({ family: 'debian-10', findings: ['family-retired'], latest: { retired: 'no available, non-deprecated image of owner 136693071363 matches debian-10-amd64-*' } });
  });

  it('reads the latest image the parameter names once, when no instance runs it', async () => {
    // Prepare
    ec2.on(DescribeImagesCommand, byIdFilter(['ami-00000000000000001'])).resolves({ Images: [al2023('ami-00000000000000001', daysAgo(1))] });
    ec2.on(DescribeImagesCommand, byIdFilter(['ami-00000000000000009'])).resolves({ Images: [al2023('ami-00000000000000009', daysAgo(0))] });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-00000000000000009' } });

    // Act
    const [out] = await assessFreshness(ec2Client, ssmClient, [vm('i-0000000000000000a', 'ami-00000000000000001')], 30, NOW);

    // Assess
    expect(out).toMatchObject({ findings: ['not-latest'], latest: { imageId: 'ami-00000000000000009', name: 'al2023-ami-2023.6.0009-kernel-6.1-x86_64', createdAt: daysAgo(0) } });
    expect(ec2).toHaveReceivedCommandTimes(DescribeImagesCommand, 2);
  });
});
