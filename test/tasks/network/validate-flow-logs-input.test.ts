import { handler } from '../../../tasks/network/validate-flow-logs-input';
import { EXECUTION, VPC_A } from './fixtures';

describe('validate-flow-logs-input', () => {
  it('fills in the defaults', async () => {
    // Act
    const out = await handler({ input: { vpcIds: [VPC_A], destination: 's3' }, execution: EXECUTION });

    // Assess
    expect(out).toEqual({
      request: { vpcIds: [VPC_A], destination: 's3', trafficType: 'ALL', maxAggregationInterval: 600, mode: 'apply', trigger: { source: 'console', claimed: true } },
      execution: EXECUTION,
    });
  });

  it('keeps every given field', async () => {
    // Prepare
    const input = {
      allVpcs: true, destination: 'cloud-watch-logs', trafficType: 'REJECT', maxAggregationInterval: 60,
      logFormat: '${version} ${srcaddr} ${dstaddr} ${action}', mode: 'plan', trigger: { source: 'eventbridge', eventId: 'e-1' },
    };

    // Act
    const out = await handler({ input, execution: EXECUTION });

    // Assess
    // Without an identity proof the trigger is kept as given, marked claimed (tasks/lib/identity/trigger.ts).
    expect(out.request).toEqual({ ...input, trigger: { ...input.trigger, claimed: true } });
  });

  it.each([
    [{ destination: 's3' }, 'invalid input: (input): give exactly one of vpcIds or allVpcs: true'],
    [{ vpcIds: [VPC_A], allVpcs: true, destination: 's3' }, 'invalid input: (input): give exactly one of vpcIds or allVpcs: true'],
    [{ vpcIds: [VPC_A] }, 'invalid input: destination: is required'],
    [{ vpcIds: ['vpc-xyz'], destination: 's3' }, 'invalid input: vpcIds.0: must look like vpc-0123456789abcdef0'],
    [{ vpcIds: [VPC_A, VPC_A], destination: 's3' }, 'invalid input: vpcIds: must not repeat a VPC'],
    [{ vpcIds: [VPC_A], destination: 's3', logFormat: '$version srcaddr' }, 'invalid input: logFormat: must be ${field} names separated by single spaces'],
    [{ vpcIds: [VPC_A], destination: 's3', subnetIds: [] }, 'invalid input: (input): unknown field(s) "subnetIds"'],
  ])('refuses %j with InvalidInputError naming the field', async (input, message) => {
    await expect(handler({ input, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message });
  });

  it.each([
    [{ maxAggregationInterval: 300 }, 'invalid input: maxAggregationInterval: must be 60 or 600'],
    [{ trafficType: 'SOME' }, 'invalid input: trafficType: must be ALL, ACCEPT or REJECT'],
    [{ destination: 'kinesis' }, 'invalid input: destination: must be s3 or cloud-watch-logs'],
  ])('refuses %j naming the allowed values', async (field, message) => {
    await expect(handler({ input: { vpcIds: [VPC_A], destination: 's3', ...field }, execution: EXECUTION })).rejects.toMatchObject({ name: 'InvalidInputError', message });
  });
});
