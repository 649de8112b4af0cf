import { CreateTagsCommand, DeleteNetworkAclEntryCommand, DeleteTagsCommand, DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../../tasks/network/undo-blocks';
import type { NaclBlockPlan } from '../../../../tasks/network/lib/block-types';
import { awsError } from '../../fixtures';
import { EXECUTION, IN_24H, NACL, allow, deny, nacl, plan } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => {
  ec2.reset();
  ec2.on(CreateTagsCommand).resolves({});
  ec2.on(DeleteTagsCommand).resolves({});
  ec2.on(DeleteNetworkAclEntryCommand).resolves({});
});

const error = { Error: 'VerificationFailedError', Cause: 'no DENY' };
const undoPlan = () => plan({
  nacls: [{
    ...(plan().nacls[0] as NaclBlockPlan),
    create: [{ cidr: '203.0.113.7/32', ruleNumber: 1 }, { cidr: '203.0.113.8/32', ruleNumber: 3 }],
    extend: [{ cidr: '198.51.100.0/24', ruleNumber: 2, from: '2026-03-01T13:00:00.000Z', fromExecution: 'block-source-ip-account-20260228T000000Z' }],
    evict: [{ naclId: NACL, direction: 'ingress', cidr: '192.0.2.9/32', ruleNumber: 4, expiresAt: '2026-03-01T12:30:00.000Z', execution: 'x' }],
  }],
});
const mine = (rule: number) => `${rule} ${IN_24H} ${EXECUTION.name}`;

describe('undo-blocks', () => {
  it('removes the entries this execution created, restores the expiry it moved, and says what it could not put back', async () => {
    // Prepare: 203.0.113.8 was never recorded (the failure came first): nothing of ours to remove there.
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '203.0.113.7/32'), deny(2, '198.51.100.0/24'), allow(100)], {
      'remediation:block:ingress:203.0.113.7/32': mine(1), 'remediation:block:ingress:198.51.100.0/24': mine(2),
    })] });

    // Act
    const out = await handler({ plan: undoPlan(), execution: EXECUTION, error });

    // Assess
    expect(out).toEqual({
      error: 'RemediationRolledBack', removed: [`${NACL} 203.0.113.7/32`], restored: [`${NACL} 198.51.100.0/24 until 2026-03-01T13:00:00.000Z`],
      notRestored: [`${NACL} 192.0.2.9/32 (rule 4, evicted)`], cause: expect.stringMatching(/^VerificationFailedError: no DENY — undone: removed/),
    });
    expect(ec2).toHaveReceivedCommandTimes(DeleteNetworkAclEntryCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DeleteNetworkAclEntryCommand, { NetworkAclId: NACL, RuleNumber: 1, Egress: false });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: [NACL], Tags: [{ Key: 'remediation:block:ingress:198.51.100.0/24', Value: '2 2026-03-01T13:00:00.000Z block-source-ip-account-20260228T000000Z' }],
    });
  });

  it('is safe to run again: an entry already gone counts as removed; another refusal fails the undo', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(1, '203.0.113.7/32'), allow(100)], { 'remediation:block:ingress:203.0.113.7/32': mine(1) })] });
    ec2.on(DeleteNetworkAclEntryCommand).rejectsOnce(awsError('InvalidNetworkAclEntry.NotFound', 'gone')).rejectsOnce(awsError('UnauthorizedOperation', 'no'));

    await expect(handler({ plan: undoPlan(), execution: EXECUTION, error })).resolves.toMatchObject({ removed: [`${NACL} 203.0.113.7/32`] });
    await expect(handler({ plan: undoPlan(), execution: EXECUTION, error })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
