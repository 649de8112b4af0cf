import { familyOf } from '../../../tasks/ami/lib/families';

const AMAZON = '137112412989';
const AL = '/aws/service/ami-amazon-linux-latest/';

describe('familyOf', () => {
  it.each([
    ['al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64', 'x86_64', 'al2023-kernel-6.1', `${AL}al2023-ami-kernel-6.1-x86_64`],
    ['al2023-ami-2023.6.20241010.0-kernel-6.1-arm64', 'arm64', 'al2023-kernel-6.1', `${AL}al2023-ami-kernel-6.1-arm64`],
    ['al2023-ami-minimal-2023.6.20241010.0-kernel-6.12-arm64', 'arm64', 'al2023-minimal-kernel-6.12', `${AL}al2023-ami-minimal-kernel-6.12-arm64`],
    ['al2022-ami-2022.0.20220728.1-kernel-5.15-x86_64', 'x86_64', 'al2022-kernel-5.15', `${AL}al2022-ami-kernel-5.15-x86_64`],
    ['amzn2-ami-kernel-5.10-hvm-2.0.20240916.0-x86_64-gp2', 'x86_64', 'amzn2-kernel-5.10-gp2', `${AL}amzn2-ami-kernel-5.10-hvm-x86_64-gp2`],
    ['amzn2-ami-hvm-2.0.20240916.0-arm64-gp2', 'arm64', 'amzn2-hvm-gp2', `${AL}amzn2-ami-hvm-arm64-gp2`],
    ['amzn2-ami-minimal-hvm-2.0.20240916.0-x86_64-ebs', 'x86_64', 'amzn2-minimal-hvm-ebs', `${AL}amzn2-ami-minimal-hvm-x86_64-ebs`],
    ['amzn-ami-hvm-2018.03.0.20231218.0-x86_64-gp2', 'x86_64', 'amzn-hvm-gp2', `${AL}amzn-ami-hvm-x86_64-gp2`],
  ])('%s (%s) is %s, latest from the SSM parameter for its architecture', (Name, Architecture, family, parameter) => {
    expect(familyOf({ Name, Architecture, OwnerId: AMAZON })).toEqual({ name: family, source: { kind: 'ssm', parameter } });
  });

  it.each([
    ['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240927', 'x86_64', '099720109477', 'ubuntu-noble-24.04', 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*'],
    ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20240701', 'arm64', '099720109477', 'ubuntu-jammy-22.04', 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*'],
    ['debian-12-arm64-20240717-1811', 'arm64', '136693071363', 'debian-12', 'debian-12-arm64-*'],
  ])('%s (%s) is found by DescribeImages of its owner and name pattern', (Name, Architecture, OwnerId, family, namePattern) => {
    expect(familyOf({ Name, Architecture, OwnerId })).toEqual({ name: family, source: { kind: 'describe-images', owner: OwnerId, namePattern } });
  });

  it.each([
    ['an image of our own', { Name: 'golden-web-2026-01', Architecture: 'x86_64', OwnerId: '123456789012' }],
    ['an Amazon Linux name published by another owner', { Name: 'al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64', Architecture: 'x86_64', OwnerId: '123456789012' }],
    ['an unknown architecture', { Name: 'al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64', Architecture: 'i386', OwnerId: AMAZON }],
    ['no name', { Architecture: 'x86_64', OwnerId: AMAZON }],
  ])('%s has no family', (_what, image) => {
    expect(familyOf(image)).toBeUndefined();
  });
});
