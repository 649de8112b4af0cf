import 'aws-sdk-client-mock-jest';
import { INSTANCE_ID, awsError } from '../../tasks/fixtures';
import { ALICE, DATA_VOLUME, ROOT_VOLUME, loadWith, running, stubInstance, type AssessInstance, type Loaded } from './assess-instance-loader';

// GIVEN an instance with or without high-cpu's alarm (remediation-high-cpu-<id>), WHEN triage assesses it, THEN the
// assessment says so and proposes high-cpu with the policy's decision (default report), never for an excluded instance.
describe('assess-instance and the CPU alarm (high-cpu)', () => {
  const noAlarm = (t: Loaded) => t.cloudwatch.on(t.cw.DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  const highCpuOf = (a: Awaited<ReturnType<AssessInstance['handler']>>) => a.remediations.filter((r) => r.workflow === 'high-cpu');

  it.each([[undefined, 'report'], ['report', 'report'], ['approval', 'approval'], ['auto', 'auto']] as const)(
    'an instance without the alarm: high-cpu under policy %s is %s', async (policy, decision) => {
      const t = await loadWith(policy === undefined ? {} : { TRIAGE_POLICY: JSON.stringify({ 'high-cpu': policy }) });
      try {
        stubInstance(t, running(), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
        noAlarm(t);
        const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });
        expect(assessment.hygiene).toEqual({ cpuAlarm: false });
        expect(highCpuOf(assessment)).toEqual([{ workflow: 'high-cpu', decision, reason: `no CPU alarm (remediation-high-cpu-${INSTANCE_ID})`, target: INSTANCE_ID }]);
      } finally {
        t.ec2.restore();
        t.cloudwatch.restore();
      }
    },
  );

  it('an excluded instance without the alarm: reported in hygiene, nothing proposed', async () => {
    const t = await loadWith({ TRIAGE_POLICY: JSON.stringify({ 'high-cpu': 'auto' }) });
    try {
      stubInstance(t, running({ Tags: [{ Key: 'remediation:exclude', Value: 'true' }] }), { [ROOT_VOLUME]: true, [DATA_VOLUME]: true });
      noAlarm(t);
      const assessment = await t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE });
      expect(assessment).toMatchObject({ excluded: true, hygiene: { cpuAlarm: false }, remediations: [] });
    } finally {
      t.ec2.restore();
      t.cloudwatch.restore();
    }
  });

  it('lets throttling of DescribeAlarms through with its name for Retry', async () => {
    const t = await loadWith({});
    try {
      stubInstance(t, running());
      t.cloudwatch.on(t.cw.DescribeAlarmsCommand).rejects(awsError('Throttling'));
      await expect(t.handler({ instanceId: INSTANCE_ID, principalArn: ALICE })).rejects.toMatchObject({ name: 'Throttling' });
    } finally {
      t.ec2.restore();
      t.cloudwatch.restore();
    }
  });
});
