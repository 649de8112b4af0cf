import { CreateNetworkAclCommand, CreateNetworkAclEntryCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import type { AwsCall } from '../../tasks/lib/client-hooks';

let moto: MotoServer;
let refuse: (call: AwsCall) => Promise<void>;
let ec2: EC2Client;
let naclId: string;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  refuse = (await import('../../local/nacl-emulation')).refuseWhatEc2RefusesOnNacls;
  ec2 = new EC2Client({});
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc?.VpcId as string;
  naclId = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl?.NetworkAclId as string;
});
afterAll(() => moto?.stop());

const call = (command: string, input: Record<string, unknown>): AwsCall => ({ service: 'ec2', command, input } as AwsCall);
const entry = (input: Record<string, unknown>) => call('CreateNetworkAclEntry', { NetworkAclId: naclId, Egress: false, RuleAction: 'deny', Protocol: '-1', ...input });
const errorOf = async (c: AwsCall) => refuse(c).then(() => undefined, (e: Error) => [e.name, e.message]);

describe('NACL entry calls EC2 refuses and moto accepts (local/nacl-emulation.ts)', () => {
  it('refuses rule numbers outside 1-32766 as InvalidParameterValue', async () => {
    expect((await errorOf(entry({ RuleNumber: 0, CidrBlock: '192.0.2.1/32' })))?.[0]).toBe('InvalidParameterValue');
    expect((await errorOf(entry({ RuleNumber: 32767, CidrBlock: '192.0.2.1/32' })))?.[0]).toBe('InvalidParameterValue');
    expect(await errorOf(entry({ RuleNumber: 32766, CidrBlock: '192.0.2.1/32' }))).toBeUndefined();
  });

  it('refuses malformed CIDRs, and an IPv6 CIDR given as CidrBlock', async () => {
    expect((await errorOf(entry({ RuleNumber: 5, CidrBlock: '192.0.2.300/32' })))?.[0]).toBe('InvalidParameterValue');
    expect((await errorOf(entry({ RuleNumber: 5, CidrBlock: '2001:db8::/64' })))?.[0]).toBe('InvalidParameterValue');
    expect((await errorOf(entry({ RuleNumber: 5, Ipv6CidrBlock: '2001:db8::/129' })))?.[0]).toBe('InvalidParameterValue');
    expect(await errorOf(entry({ RuleNumber: 5, Ipv6CidrBlock: '2001:db8::/64' }))).toBeUndefined();
  });

  it('refuses a taken rule number, and a 21st entry of one direction and family (the other family still has room)', async () => {
    for (let i = 1; i <= 20; i++) await ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: i, Egress: false, RuleAction: 'deny', Protocol: '-1', CidrBlock: `192.0.2.${i}/32` }));
    expect((await errorOf(entry({ RuleNumber: 3, CidrBlock: '198.51.100.1/32' })))?.[0]).toBe('NetworkAclEntryAlreadyExists');
    expect((await errorOf(entry({ RuleNumber: 21, CidrBlock: '198.51.100.1/32' })))?.[0]).toBe('NetworkAclEntryLimitExceeded');
    expect(await errorOf(entry({ RuleNumber: 21, Ipv6CidrBlock: '2001:db8::/64' }))).toBeUndefined();
    expect(await errorOf(entry({ RuleNumber: 21, Egress: true, CidrBlock: '198.51.100.1/32' }))).toBeUndefined();
  });

  it('answers a delete of a missing entry with InvalidNetworkAclEntry.NotFound (moto answers 500), and lets a delete of a present one through', async () => {
    expect((await errorOf(call('DeleteNetworkAclEntry', { NetworkAclId: naclId, RuleNumber: 999, Egress: false })))?.[0]).toBe('InvalidNetworkAclEntry.NotFound');
    expect(await errorOf(call('DeleteNetworkAclEntry', { NetworkAclId: naclId, RuleNumber: 1, Egress: false }))).toBeUndefined();
  });

  it('leaves other calls alone', async () => {
    expect(await errorOf(call('DescribeNetworkAcls', {}))).toBeUndefined();
  });
});
