import { DeleteNetworkAclEntryCommand, DeleteTagsCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler as planUnblock } from '../../../../tasks/network/plan-unblock';
import { handler as removeBlocks } from '../../../../tasks/network/remove-blocks';
import { handler as verifyBlocks } from '../../../../tasks/network/verify-blocks';
import type { UnblockPlan } from '../../../../tasks/network/lib/block-types';
import type { UnblockSourceIpInput } from '../../../../tasks/network/lib/block-schema';
import { awsError } from '../../fixtures';
import { EXECUTION, IN_24H, NACL, allow, deny, nacl, plan } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(DeleteTagsCommand).resolves({});
  ec2.on(DeleteNetworkAclEntryCommand).resolves({});
});

const BLOCK = 'block-source-ip-account-20260301T120000Z';
const PAST = '2026-03-01T00:00:00.000Z';
const tags = {
  'remediation:block:ingress:203.0.113.7/32': `1 ${PAST} ${BLOCK}`,
  'remediation:block:ingress:2001:db8::/64': `2 2999-01-01T00:00:00.000Z ${BLOCK}`,
  'remediation:block:egress:198.51.100.0/24': `1 ${PAST} other-execution`,
};
const blocked = () => nacl([deny(1, '203.0.113.7/32'), deny(2, '2001:db8::/64'), allow(100), deny(1, '198.51.100.0/24', true), allow(100, '0.0.0.0/0', true)], tags);
const unblock = (overrides: Partial<UnblockSourceIpInput>): UnblockSourceIpInput => ({ onlyExpired: false, mode: 'apply', trigger: { source: 'console' }, ...overrides });
const removal = (over: Partial<UnblockPlan['remove'][number]> = {}): UnblockPlan['remove'][number] =>
  ({ naclId: NACL, direction: 'ingress', cidr: '203.0.113.7/32', ruleNumber: 1, expiresAt: PAST, execution: BLOCK, entryPresent: true, ...over });

describe('plan-unblock', () => {
  it("by block execution: that execution's managed entries, both families", async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [blocked()] });

    const out = await planUnblock({ request: unblock({ blockExecution: BLOCK }), execution: EXECUTION });

    expect(out).toEqual({ outcome: 'PROCEED', naclIds: [NACL], skipped: [], remove: [removal(), removal({ cidr: '2001:db8::/64', ruleNumber: 2, expiresAt: '2999-01-01T00:00:00.000Z' })] });
  });

  it('onlyExpired (the scheduled removal) sweeps every expired managed block, whichever execution recorded it; nothing expired is NO_ACTION', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [blocked()] }).resolvesOnce({ NetworkAcls: [nacl([deny(2, '2001:db8::/64'), allow(100)], { 'remediation:block:ingress:2001:db8::/64': `2 2999-01-01T00:00:00.000Z ${BLOCK}` })] });

    const out = await planUnblock({ request: unblock({ blockExecution: BLOCK, onlyExpired: true }), execution: EXECUTION });
    const none = await planUnblock({ request: unblock({ blockExecution: BLOCK, onlyExpired: true }), execution: EXECUTION });

    expect(out.remove.map((r) => [r.cidr, r.direction, r.execution])).toEqual([['203.0.113.7/32', 'ingress', BLOCK], ['198.51.100.0/24', 'egress', 'other-execution']]);
    expect(out.skipped).toEqual([{ naclId: NACL, cidr: '2001:db8::/64', reason: 'expires at 2999-01-01T00:00:00.000Z' }]);
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkAclsCommand, {});
    expect(none).toMatchObject({ outcome: 'NO_ACTION', remove: [] });
  });

  it('by CIDR, NACL and direction; an unmanaged CIDR is skipped with the reason; an unknown NACL is ResourceNotFoundError', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [blocked()] }).rejectsOnce(awsError('InvalidNetworkAclID.NotFound', 'no such acl'));

    const out = await planUnblock({ request: unblock({ cidrs: ['198.51.100.0/24', '192.0.2.1/32'], naclIds: [NACL], direction: 'egress', mode: 'plan' }), execution: EXECUTION });
    const missing = await planUnblock({ request: unblock({ cidrs: ['192.0.2.1/32'], naclIds: [NACL] }), execution: EXECUTION }).catch((e: Error) => e);

    expect(out).toMatchObject({ outcome: 'PLANNED', remove: [{ cidr: '198.51.100.0/24', direction: 'egress', execution: 'other-execution' }], skipped: [{ cidr: '192.0.2.1/32', reason: 'not blocked' }] });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkAclsCommand, { NetworkAclIds: [NACL] });
    expect(missing).toMatchObject({ name: 'ResourceNotFoundError' });
  });

  it('refuses to touch a NACL tagged remediation:exclude=true', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [{ ...blocked(), Tags: [...(blocked().Tags ?? []), { Key: 'remediation:exclude', Value: 'true' }] }] });

    await expect(planUnblock({ request: unblock({ blockExecution: BLOCK }), execution: EXECUTION })).rejects.toMatchObject({ name: 'PreconditionFailedError' });
  });
});

describe('remove-blocks', () => {
  const removePlan = (remove: UnblockPlan['remove']): UnblockPlan => ({ outcome: 'PROCEED', naclIds: [NACL], skipped: [], remove });

  it('deletes the DENY still at its number, then its record', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [blocked()] });

    const out = await removeBlocks({ plan: removePlan([removal()]) });

    expect(out.removed).toEqual([{ naclId: NACL, cidr: '203.0.113.7/32', ruleNumber: 1, entry: 'deleted' }]);
    expect(ec2).toHaveReceivedCommandWith(DeleteNetworkAclEntryCommand, { NetworkAclId: NACL, RuleNumber: 1, Egress: false });
    expect(ec2).toHaveReceivedCommandWith(DeleteTagsCommand, { Resources: [NACL], Tags: [{ Key: 'remediation:block:ingress:203.0.113.7/32' }] });
  });

  it('an entry already missing (read gone, or InvalidNetworkAclEntry.NotFound) counts as removed; another rule at the number is never deleted', async () => {
    // Prepare
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '203.0.113.7/32'), allow(3), allow(100)], tags)] });
    ec2.on(DeleteNetworkAclEntryCommand).rejects(awsError('InvalidNetworkAclEntry.NotFound', 'gone'));

    // Act
    const out = await removeBlocks({ plan: removePlan([removal(), removal({ cidr: '192.0.2.2/32', ruleNumber: 2 }), removal({ cidr: '192.0.2.3/32', ruleNumber: 3 })]) });

    // Assess
    expect(out.removed.map((r) => [r.cidr, r.entry])).toEqual([['203.0.113.7/32', 'already-missing'], ['192.0.2.2/32', 'already-missing'], ['192.0.2.3/32', 'not-ours']]);
    expect(ec2).toHaveReceivedCommandTimes(DeleteNetworkAclEntryCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(DeleteTagsCommand, 3);
  });

  it('passes on any other refusal', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [blocked()] });
    ec2.on(DeleteNetworkAclEntryCommand).rejects(awsError('RequestLimitExceeded', 'slow down'));

    await expect(removeBlocks({ plan: removePlan([removal()]) })).rejects.toMatchObject({ name: 'RequestLimitExceeded' });
    expect(ec2).not.toHaveReceivedCommand(DeleteTagsCommand);
  });
});

describe('verify-blocks', () => {
  it('a block: each created entry is there with its record; else VerificationFailedError naming it', async () => {
    const ok = nacl([deny(1, '203.0.113.7/32'), allow(100)], { 'remediation:block:ingress:203.0.113.7/32': `1 ${IN_24H} ${BLOCK}` });
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [ok] }).resolvesOnce({ NetworkAcls: [nacl([allow(100)])] })
      .resolvesOnce({ NetworkAcls: [{ ...ok, Tags: [] }] });

    await expect(verifyBlocks({ block: plan() })).resolves.toMatchObject({ verified: 1 });
    await expect(verifyBlocks({ block: plan() })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('no DENY ingress 203.0.113.7/32 at rule 1') });
    await expect(verifyBlocks({ block: plan() })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining(`does not say expires ${IN_24H}`) });
  });

  it('an unblock: each removed entry and its record are gone', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [nacl([allow(100)])] }).resolvesOnce({ NetworkAcls: [blocked()] });
    const unblockPlan: UnblockPlan = { outcome: 'PROCEED', naclIds: [NACL], skipped: [], remove: [removal()] };

    await expect(verifyBlocks({ unblock: unblockPlan })).resolves.toMatchObject({ verified: 1 });
    await expect(verifyBlocks({ unblock: unblockPlan })).rejects.toMatchObject({
      name: 'VerificationFailedError', message: expect.stringMatching(/still at rule 1.*remediation:block:ingress:203.0.113.7\/32 still there/),
    });
  });
});
