import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetItemCommand, QueryCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AssociateIamInstanceProfileCommand, CreateKeyPairCommand, CreateLaunchTemplateCommand, CreateSecurityGroupCommand, DescribeIamInstanceProfileAssociationsCommand, DescribeInstanceAttributeCommand,
  DescribeInstancesCommand, DescribeNetworkAclsCommand, DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, DescribeVpcsCommand, EC2Client, ImportKeyPairCommand,
  RunInstancesCommand, type IpPermission,
} from '@aws-sdk/client-ec2';
import { CreateTargetGroupCommand, DescribeTargetHealthCommand, ElasticLoadBalancingV2Client, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import type { LocalExecution, RunOptions } from '../../local/runner';
import { SEED_AMI, SEED_AZ } from '../../local/seed';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { entries } from './block-source-ip-harness';

/** moto's amzn-ami-hvm (its default, the seed's, is a Windows image). */
const LINUX_AMI = 'ami-760aaa0f';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

const rules = (perms: IpPermission[] | undefined): string[] => (perms ?? [])
  .flatMap((p) => [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].map((c) => `${p.IpProtocol} ${c}`)).sort();

/** What isolate-instance changes, read straight from the emulated account (not through the product's own reads). */
export interface AccountView {
  enis: Record<string, string[]>;
  tags: Record<string, string>;
  keyName?: string;
  profileArn?: string;
  termination?: boolean;
  stop?: boolean;
  targets: string[];
}

export interface IsolateHarness {
  moto: MotoServer;
  ec2: EC2Client;
  run: (input: Record<string, unknown>, options?: RunOptions) => Promise<LocalExecution>;
  /**
   * An instance in the default VPC with a key pair, two groups, an instance profile and a target group registration on port 8080.
   * `ssmManaged`: a Linux AMI and an imported OpenSSH key, so the Run Command emulation (local/emulation/run-command.ts)
   * manages it while the profile is attached (the seed AMI is a Windows image: never managed).
   */
  instance: (name: string, options?: { ssmManaged?: { publicKey: string } }) => Promise<{ instanceId: string; roleName: string; targetGroupArn: string; groupIds: string[] }>;
  view: (instanceId: string, targetGroupArn: string) => Promise<AccountView>;
  /** An Auto Scaling group of one instance (from a launch template); its instance id. */
  autoScalingGroup: (name: string) => Promise<string>;
  /** The group's desired capacity and each instance's lifecycle state. */
  groupView: (name: string) => Promise<{ desired?: number; instances: Record<string, string> }>;
  /** Each rule as `<protocol> <cidr>`. */
  groupsTagged: (kind: 'untracked' | 'empty') => Promise<{ groupId: string; ingress: string[]; egress: string[] }[]>;
  snapshotsOfCase: (caseId: string) => Promise<string[]>;
  rolePolicies: (roleName: string) => Promise<string[]>;
  /** The ingress entries (as [rule, action, cidr]) of the NACL of the instance's subnet. */
  naclIngressOf: (instanceId: string) => Promise<[number, string, string][]>;
  /** Each ENI of the instance and the value of its remediation:lock tag (undefined: none). */
  eniLockTags: (instanceId: string) => Promise<Record<string, string | undefined>>;
  caseItems: (caseId: string) => Promise<Record<string, unknown>[]>;
  /** The lock table's item for this key (an instance id), if any. */
  lockItem: (key: string) => Promise<Record<string, unknown> | undefined>;
}

/** One moto server per test file; handlers and runner load only after the SDK points at it. */
export async function startIsolateHarness(): Promise<IsolateHarness> {
  const moto = await startMoto();
  useEndpoint(moto.endpoint);
  const { runWorkflow, localStack } = await import('../../local/runner');
  localStack();
  const ec2 = new EC2Client({});
  const elbv2 = new ElasticLoadBalancingV2Client({});
  const iam = new IAMClient({});
  const dynamodb = new DynamoDBClient({});
  const autoScaling = new AutoScalingClient({});
  const groupView = async (name: string) => {
    const group = (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
    return { desired: group?.DesiredCapacity, instances: Object.fromEntries((group?.Instances ?? []).map((i) => [i.InstanceId, i.LifecycleState])) };
  };
  return {
    groupView,
    autoScalingGroup: async (name) => {
      const template = (await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: `${name}-lt`, LaunchTemplateData: { ImageId: SEED_AMI, InstanceType: 't3.micro' } }))).LaunchTemplate?.LaunchTemplateId;
      await autoScaling.send(new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name, MinSize: 0, MaxSize: 2, DesiredCapacity: 1, LaunchTemplate: { LaunchTemplateId: template }, AvailabilityZones: [SEED_AZ],
      }));
      return Object.keys((await groupView(name)).instances)[0] as string;
    },
    moto, ec2,
    run: (input, options) => runWorkflow('isolate-instance', input, options),
    instance: async (name, options = {}) => {
      const vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs?.[0]?.VpcId as string;
      if (options.ssmManaged) await ec2.send(new ImportKeyPairCommand({ KeyName: `${name}-key`, PublicKeyMaterial: Buffer.from(options.ssmManaged.publicKey) }));
      else await ec2.send(new CreateKeyPairCommand({ KeyName: `${name}-key` }));
      const app = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-app`, Description: 'app', VpcId: vpcId }))).GroupId as string;
      const defaultGroup = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }))).SecurityGroups?.[0]?.GroupId as string;
      const run = await ec2.send(new RunInstancesCommand({
        ImageId: options.ssmManaged ? LINUX_AMI : SEED_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: `${name}-key`, Placement: { AvailabilityZone: SEED_AZ },
        SecurityGroupIds: [defaultGroup, app], TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
      }));
      const instanceId = run.Instances?.[0]?.InstanceId as string;
      const roleName = `${name}-role`;
      await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST }));
      const profile = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: `${name}-profile` }))).InstanceProfile?.Arn as string;
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: `${name}-profile`, RoleName: roleName }));
      await ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: instanceId, IamInstanceProfile: { Arn: profile } }));
      const targetGroupArn = (await elbv2.send(new CreateTargetGroupCommand({ Name: `${name}-tg`, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance' }))).TargetGroups?.[0]?.TargetGroupArn as string;
      await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: instanceId, Port: 8080 }] }));
      return { instanceId, roleName, targetGroupArn, groupIds: [defaultGroup, app].sort() };
    },
    view: async (instanceId, targetGroupArn) => {
      const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
      const association = (await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] })))
        .IamInstanceProfileAssociations?.find((a) => a.State === 'associated');
      const attribute = (Attribute: 'disableApiTermination' | 'disableApiStop') => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute }));
      const targets = (await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))).TargetHealthDescriptions ?? [];
      return {
        enis: Object.fromEntries((instance?.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId, (n.Groups ?? []).map((g) => g.GroupId as string).sort()])),
        tags: Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value])),
        ...(instance?.KeyName ? { keyName: instance.KeyName } : {}),
        ...(association?.IamInstanceProfile?.Arn ? { profileArn: association.IamInstanceProfile.Arn } : {}),
        termination: (await attribute('disableApiTermination')).DisableApiTermination?.Value,
        stop: (await attribute('disableApiStop')).DisableApiStop?.Value,
        targets: targets.map((t) => `${t.Target?.Id}:${t.Target?.Port}`).sort(),
      };
    },
    groupsTagged: async (kind) => ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:remediation:isolation-group', Values: [kind] }] }))).SecurityGroups ?? [])
      .map((g) => ({ groupId: g.GroupId as string, ingress: rules(g.IpPermissions), egress: rules(g.IpPermissionsEgress) })),
    snapshotsOfCase: async (caseId) => ((await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:remediation:case', Values: [caseId] }] }))).Snapshots ?? [])
      .map((s) => s.SnapshotId as string).sort(),
    rolePolicies: async (roleName) => (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [],
    lockItem: async (key) => (await dynamodb.send(new GetItemCommand({ TableName: process.env.LOCK_TABLE_NAME, Key: { lockKey: { S: key } }, ConsistentRead: true }))).Item,
    naclIngressOf: async (instanceId) => {
      const subnetId = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0]?.SubnetId as string;
      const nacl = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }))).NetworkAcls?.[0];
      return nacl ? entries(nacl) : [];
    },
    eniLockTags: async (instanceId) => Object.fromEntries(((await ec2.send(new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }],
    }))).NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId as string, n.TagSet?.find((t) => t.Key === 'remediation:lock')?.Value])),
    caseItems: async (caseId) => (await dynamodb.send(new QueryCommand({
      TableName: process.env.INSTANCE_CASE_TABLE_NAME, KeyConditionExpression: 'caseId = :c', ExpressionAttributeValues: { ':c': { S: caseId } }, ConsistentRead: true,
    }))).Items ?? [],
  };
}
