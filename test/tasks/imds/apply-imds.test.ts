import {
  DescribeInstancesCommand, EC2Client, GetInstanceMetadataDefaultsCommand, ModifyInstanceMetadataDefaultsCommand, ModifyInstanceMetadataOptionsCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsError } from '../fixtures';
import { handler as enforce } from '../../../tasks/imds/enforce-imdsv2';
import { handler as setDefaults } from '../../../tasks/imds/set-metadata-defaults';
import { handler as check } from '../../../tasks/imds/check-metadata-options';
import { handler as restore } from '../../../tasks/imds/restore-metadata-options';
import { handler as report } from '../../../tasks/imds/build-imds-report';
import { A, B, EXECUTION, instance, instancePlan, plan, request, reservations } from './fixtures';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
const required = (id: string, over: Record<string, unknown> = {}) => instance(id, {}, { HttpTokens: 'required', ...over });

describe('enforce-imdsv2', () => {
  it('requires tokens (and sets the hop limit asked for) on each planned instance, one call each', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A), instance(B)));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});

    const out = await enforce({ request: { httpPutResponseHopLimit: 2 }, plan: plan() });

    expect(out.map((o) => [o.instanceId, o.status])).toEqual([[A, 'changed'], [B, 'changed']]);
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: A, HttpTokens: 'required', HttpPutResponseHopLimit: 2 }, { InstanceId: B, HttpTokens: 'required', HttpPutResponseHopLimit: 2 },
    ]);
  });

  it('a re-run finds them enforced and changes nothing; without a hop limit none is sent', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(required(A), instance(B)));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});

    const out = await enforce({ request: {}, plan: plan() });

    expect(out.map((o) => o.status)).toEqual(['unchanged', 'changed']);
    expect(ec2).toHaveReceivedCommandTimes(ModifyInstanceMetadataOptionsCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceMetadataOptionsCommand, { InstanceId: B, HttpTokens: 'required' });
  });

  it('an instance excluded since the plan stops the run before any change to it: InstanceChangedError', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A), instance(B, { Tags: [{ Key: 'remediation:exclude', Value: 'true' }] })));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});

    await expect(enforce({ request: {}, plan: plan() })).rejects.toMatchObject({ name: 'InstanceChangedError', message: expect.stringContaining(B) });
    expect(ec2).toHaveReceivedCommandTimes(ModifyInstanceMetadataOptionsCommand, 1);
  });

  it('rethrows what EC2 refuses (the state machine restores)', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(instance(A), instance(B)));
    ec2.on(ModifyInstanceMetadataOptionsCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(enforce({ request: {}, plan: plan() })).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});

describe('set-metadata-defaults', () => {
  it('sets HttpTokens required (that field only) when the plan asks and it is not so yet; a re-run changes nothing', async () => {
    ec2.on(GetInstanceMetadataDefaultsCommand).resolvesOnce({ AccountLevel: {} }).resolves({ AccountLevel: { HttpTokens: 'required' } });
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });
    const p = plan({ accountDefault: { before: {}, change: true } });

    expect((await setDefaults({ plan: p })).status).toBe('changed');
    expect((await setDefaults({ plan: p })).status).toBe('unchanged');
    expect(ec2).toHaveReceivedCommandTimes(ModifyInstanceMetadataDefaultsCommand, 1);
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]?.args[0].input).toEqual({ HttpTokens: 'required' });
  });

  it('nothing asked: no call at all', async () => {
    expect((await setDefaults({ plan: plan() })).status).toBe('unchanged');
    expect(ec2).not.toHaveReceivedAnyCommand();
  });
});

describe('check-metadata-options', () => {
  it('pending while any instance is, then completed with each one\'s options', async () => {
    ec2.on(DescribeInstancesCommand)
      .resolvesOnce(reservations(required(A, { State: 'pending' }), required(B)))
      .resolves(reservations(required(A, { HttpPutResponseHopLimit: 2 }), required(B, { HttpPutResponseHopLimit: 2 })));

    const first = await check({ request: { httpPutResponseHopLimit: 2 }, plan: plan() });
    expect(first).toMatchObject({ status: 'pending', count: 1, waitSeconds: 5 });
    const second = await check({ request: { httpPutResponseHopLimit: 2 }, plan: plan(), poll: first });
    expect(second).toMatchObject({ status: 'completed', count: 2 });
    expect(second.instances?.map((i) => [i.instanceId, i.after.httpTokens, i.after.hopLimit])).toEqual([[A, 'required', 2], [B, 'required', 2]]);
  });

  it('applied but not as set (someone changed it back, or a hop limit that did not stick): VerificationFailedError', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(required(A), instance(B)));
    await expect(check({ request: {}, plan: plan() })).rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining(`${B} HttpTokens=optional`) });
  });

  it('the account default, where changed, must read required', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations());
    ec2.on(GetInstanceMetadataDefaultsCommand).resolves({ AccountLevel: {} });
    await expect(check({ request: {}, plan: plan({ toEnforce: [], accountDefault: { before: {}, change: true } }) }))
      .rejects.toMatchObject({ name: 'VerificationFailedError', message: expect.stringContaining('HttpTokens unset') });
  });

  it('still pending after the budget: PollBudgetExceededError', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(required(A, { State: 'pending' }), required(B)));
    const poll = { status: 'pending' as const, count: 29, startedAt: new Date().toISOString(), waitSeconds: 60, maxPolls: 30 };
    await expect(check({ request: {}, plan: plan(), poll })).rejects.toMatchObject({ name: 'PollBudgetExceededError' });
  });
});

describe('restore-metadata-options', () => {
  const error = { Error: 'UnauthorizedOperation', Cause: 'denied' };

  it('puts back each changed instance\'s tokens and hop limit, leaves the unchanged, and the account default: RemediationRolledBack', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(required(A, { HttpPutResponseHopLimit: 2 }), instance(B)));
    ec2.on(ModifyInstanceMetadataOptionsCommand).resolves({});
    ec2.on(ModifyInstanceMetadataDefaultsCommand).resolves({ Return: true });

    const out = await restore({ plan: plan({ accountDefault: { before: {}, change: true } }), execution: EXECUTION, error });

    expect(out.error).toBe('RemediationRolledBack');
    expect(ec2.commandCalls(ModifyInstanceMetadataOptionsCommand).map((c) => c.args[0].input)).toEqual([{ InstanceId: A, HttpTokens: 'optional', HttpPutResponseHopLimit: 1 }]);
    expect(ec2.commandCalls(ModifyInstanceMetadataDefaultsCommand)[0]?.args[0].input).toEqual({ HttpTokens: 'no-preference' });
    expect(JSON.parse(out.cause)).toMatchObject({
      restored: true, whatToDo: [], error: { error: 'UnauthorizedOperation' },
      undone: [{ resourceId: A, status: 'restored' }, { resourceId: B, status: 'unchanged' }, { resourceId: 'account-default', status: 'restored' }],
    });
  });

  it('one that cannot be put back is reported with the command to run, the others still attempted: RollbackFailedError', async () => {
    ec2.on(DescribeInstancesCommand).resolves(reservations(required(A), required(B)));
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: A }).rejects(awsError('UnauthorizedOperation', 'denied'));
    ec2.on(ModifyInstanceMetadataOptionsCommand, { InstanceId: B }).resolves({});

    const out = await restore({ plan: plan(), execution: EXECUTION, error });

    expect(out.error).toBe('RollbackFailedError');
    expect(JSON.parse(out.cause)).toMatchObject({
      restored: false, whatToDo: [`aws ec2 modify-instance-metadata-options --instance-id ${A} --http-tokens optional --http-put-response-hop-limit 1`],
      undone: [{ resourceId: A, status: 'failed', error: 'UnauthorizedOperation: denied' }, { resourceId: B, status: 'restored' }],
    });
  });
});

describe('build-imds-report', () => {
  it('apply: each instance changed with before and after as verified, and the account default', async () => {
    const at = '2026-03-01T12:00:05.000Z';
    const after = { httpTokens: 'required', hopLimit: 1, httpEndpoint: 'enabled', state: 'applied' };
    const out = await report({
      request: request({ allInstances: true, accountDefault: true }), execution: EXECUTION,
      plan: plan({ instances: [instancePlan(A), instancePlan(B, { action: 'skipped', reason: 'tagged remediation:exclude=true' })], toEnforce: [A], accountDefault: { before: {}, change: true } }),
      work: {
        enforced: [{ instanceId: A, status: 'changed', at }], defaults: { status: 'changed', at },
        verification: { instances: [{ instanceId: A, after }], accountDefault: { httpTokens: 'required' } },
      },
    });
    expect(out).toMatchObject({ workflow: 'enforce-imdsv2', target: 'instances', outcome: 'REMEDIATED', accountDefault: { change: true, after: { httpTokens: 'required' } } });
    expect(out.actions).toEqual([
      { action: 'require-imdsv2', resourceId: A, at, before: { httpTokens: 'optional', hopLimit: 1, httpEndpoint: 'enabled', state: 'applied' }, after },
      { action: 'require-imdsv2-by-default', resourceId: 'account-default', at, before: {}, after: { httpTokens: 'required' } },
    ]);
    expect(out.instances[1]).toEqual(instancePlan(B, { action: 'skipped', reason: 'tagged remediation:exclude=true' }));
  });

  it('plan: no actions', async () => {
    const out = await report({ request: request({ mode: 'plan', allInstances: true }), execution: EXECUTION, plan: plan({ outcome: 'PLANNED' }), work: { enforced: [] } });
    expect(out).toMatchObject({ outcome: 'PLANNED', actions: [] });
  });
});
