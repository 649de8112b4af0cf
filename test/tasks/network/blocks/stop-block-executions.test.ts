import { BLOCK_EXECUTION_ARN_PREFIX as PREFIX } from './block-executions-env';
import { DescribeNetworkAclsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { UnblockPlan } from '../../../../tasks/network/lib/block-types';
import { awsError } from '../../fixtures';
import { handler as stop } from '../../../../tasks/network/stop-block-executions';
import { NACL, allow, deny, nacl } from './fixtures';

const ec2 = mockClient(EC2Client);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  ec2.reset();
  sfn.reset();
});

const BLOCK = 'block-source-ip-account-20260301T120000Z';
const OTHER = 'block-source-ip-account-20260301T130000Z';
const UNBLOCK = { name: 'unblock-source-ip-account-20260301T140000Z', startTime: '2026-03-01T14:00:00.000Z' };
const removed = (execution: string, cidr = '203.0.113.7/32'): UnblockPlan['remove'][number] =>
  ({ naclId: NACL, direction: 'ingress', cidr, ruleNumber: 1, expiresAt: '2026-03-02T12:00:00.000Z', execution, entryPresent: true });
const event = (remove: UnblockPlan['remove'], onlyExpired = false) => ({ request: { onlyExpired }, execution: UNBLOCK, plan: { remove } });
/** The NACLs after the removal: OTHER still holds one entry, BLOCK none. */
const after = () => ec2.on(DescribeNetworkAclsCommand).resolves({ NetworkAcls: [nacl([deny(2, '198.51.100.9/32'), allow(100)], {
  'remediation:block:ingress:198.51.100.9/32': `2 2026-03-02T12:00:00.000Z ${OTHER}`,
})] });

describe('stop-block-executions', () => {
  it('stops a running block execution none of whose entries remain, its cause naming the unblock; one still holding entries keeps waiting', async () => {
    after();
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(StopExecutionCommand).resolves({});

    const out = await stop(event([removed(BLOCK), removed(OTHER, '198.51.100.8/32')]));

    expect(out).toEqual([
      { blockExecution: BLOCK, status: 'stopped' },
      { blockExecution: OTHER, status: 'still-waiting', remaining: [{ naclId: NACL, cidr: '198.51.100.9/32' }] },
    ]);
    expect(sfn.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toEqual([{
      executionArn: `${PREFIX}${BLOCK}`, error: 'UnblockedEarly',
      cause: `every entry of this block was removed early by unblock-source-ip execution ${UNBLOCK.name}: nothing is left for its expiry to remove`,
    }]);
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 1);
    // Only the NACLs that carry a block tag are read, never every NACL of the account.
    expect(ec2.commandCalls(DescribeNetworkAclsCommand).map((c) => c.args[0].input)).toEqual([{ Filters: [{ Name: 'tag-key', Values: ['remediation:block:*'] }] }]);
  });

  it.each([
    ['already ended', () => sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' }), 'already-ended'],
    ['gone from the history', () => sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist')), 'not-found'],
  ] as const)('a block execution %s is fine: nothing stopped, no error', async (_what, arrange, status) => {
    after();
    arrange();

    expect(await stop(event([removed(BLOCK)]))).toEqual([{ blockExecution: BLOCK, status }]);
    expect(sfn).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('a refused stop is reported, not thrown (the entries are gone and verified); a throttled one is thrown for Retry', async () => {
    after();
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(StopExecutionCommand).rejectsOnce(awsError('AccessDeniedException', 'no')).rejects(awsError('ThrottlingException'));

    expect(await stop(event([removed(BLOCK)]))).toEqual([{ blockExecution: BLOCK, status: 'stop-failed', error: 'AccessDeniedException: no' }]);
    await expect(stop(event([removed(BLOCK)]))).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('the scheduled removal (onlyExpired) and an empty removal stop nothing and read nothing', async () => {
    expect(await stop(event([removed(BLOCK)], true))).toEqual([]);
    expect(await stop(event([]))).toEqual([]);
    expect(ec2).not.toHaveReceivedCommand(DescribeNetworkAclsCommand);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('reads every page of NACLs: an entry on a later page keeps the block waiting', async () => {
    ec2.on(DescribeNetworkAclsCommand).resolvesOnce({ NetworkAcls: [nacl([allow(100)])], NextToken: 'more' })
      .resolves({ NetworkAcls: [{ ...nacl([deny(1, '192.0.2.1/32'), allow(100)], { 'remediation:block:ingress:192.0.2.1/32': `1 2026-03-02T12:00:00.000Z ${BLOCK}` }), NetworkAclId: 'acl-0bbbbbbbbbbbbbbb2' }] });

    expect(await stop(event([removed(BLOCK)]))).toEqual([{ blockExecution: BLOCK, status: 'still-waiting', remaining: [{ naclId: 'acl-0bbbbbbbbbbbbbbb2', cidr: '192.0.2.1/32' }] }]);
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
