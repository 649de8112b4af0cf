import { handler as validate } from '../../../tasks/high-cpu/validate-input';
import { incompatibilities, nextSizeUp } from '../../../tasks/high-cpu/lib/instance-types';
import { alarmDifferences, desiredAlarm } from '../../../tasks/high-cpu/lib/alarm';
import { INSTANCE_ID } from '../fixtures';
import { cpuInstance, typeInfo } from './fixtures';

const execution = { name: 'high-cpu-exec', startTime: '2026-03-01T12:00:00.000Z' };

describe('validate-input', () => {
  it('fills the alarm defaults; alarm only asks no approval, a resize does unless told not to', async () => {
    const alarmOnly = await validate({ input: { instanceId: INSTANCE_ID }, execution });
    expect(alarmOnly.request).toMatchObject({ alarm: { threshold: 80, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 }, resize: false, approval: false, mode: 'apply' });
    expect((await validate({ input: { instanceId: INSTANCE_ID, targetType: 'm5.large' }, execution })).request).toMatchObject({ resize: true, approval: true });
    expect((await validate({ input: { instanceId: INSTANCE_ID, resize: true, approval: false }, execution })).request).toMatchObject({ resize: true, approval: false });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['more datapoints than periods', { alarm: { evaluationPeriods: 2, datapointsToAlarm: 3 } }, 'alarm.datapointsToAlarm'],
    ['a period CloudWatch does not take', { alarm: { periodSeconds: 45 } }, 'alarm.periodSeconds'],
    ['a threshold above 100 %', { alarm: { threshold: 120 } }, 'alarm.threshold'],
    ['a malformed type', { targetType: 'large' }, 'targetType'],
    ['an unknown field', { size: 'xl' }, 'size'],
  ])('refuses %s with InvalidInputError naming the field', async (_what, input, field) => {
    await expect(validate({ input: { instanceId: INSTANCE_ID, ...input }, execution })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(field) });
  });
});

describe('nextSizeUp', () => {
  it.each<[string, string[], string | undefined]>([
    ['t3.micro', ['t3.nano', 't3.micro', 't3.small', 't3.medium'], 't3.small'],
    ['m5.4xlarge', ['m5.large', 'm5.8xlarge', 'm5.12xlarge', 'm5.4xlarge', 'm5.metal'], 'm5.8xlarge'],
    ['m5.24xlarge', ['m5.large', 'm5.24xlarge', 'm5.metal'], undefined],
    ['c6gn.large', ['c6g.xlarge', 'c6gn.xlarge'], 'c6gn.xlarge'],
  ])('%s among %j: %s', (current, available, expected) => {
    expect(nextSizeUp(current, available)).toBe(expected);
  });
});

describe('incompatibilities', () => {
  it('none for a bigger size of the same family', () => {
    expect(incompatibilities(cpuInstance(), { Architecture: 'x86_64' }, typeInfo('t3.micro'), typeInfo('t3.small'))).toEqual([]);
  });

  it('ENA and NVMe the new type requires and the old did not, and network cards and interfaces in use', () => {
    const instance = cpuInstance({
      EnaSupport: false,
      NetworkInterfaces: [{ Attachment: { NetworkCardIndex: 0 } }, { Attachment: { NetworkCardIndex: 1 } }, { Attachment: { NetworkCardIndex: 1 } }],
    });
    const current = typeInfo('m4.large', { NetworkInfo: { EnaSupport: 'unsupported' }, EbsInfo: { NvmeSupport: 'unsupported' } });
    const target = typeInfo('m5.large', { NetworkInfo: { EnaSupport: 'required', MaximumNetworkCards: 1, MaximumNetworkInterfaces: 2 } });
    expect(incompatibilities(instance, { Architecture: 'x86_64' }, current, target)).toEqual([
      'm5.large requires ENA, which is not enabled on the instance',
      'm5.large presents EBS volumes as NVMe and m4.large does not: the OS may lack the NVMe driver',
      'the instance uses 2 network cards, m5.large has 1',
      'the instance has 3 network interfaces, m5.large takes 2',
    ]);
  });
});

describe('alarmDifferences', () => {
  it('counts only our topic missing from the actions, never an action someone added', () => {
    const desired = desiredAlarm(INSTANCE_ID, { threshold: 80, periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 3 }, 'arn:topic');
    expect(alarmDifferences({ ...desired, alarmActions: ['arn:pager', 'arn:topic'] }, desired)).toEqual([]);
    expect(alarmDifferences({ ...desired, alarmActions: ['arn:pager'], periodSeconds: 60 }, desired)).toEqual(['periodSeconds', 'alarmActions']);
  });
});
