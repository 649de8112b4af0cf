import { EC2Client, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import type { Assessment } from '../../tasks/triage/assess-instance';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { startInstancesEvent } from './triage-harness';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // A deployment that opted in to both hygiene remediations (cdk.json context `triage.policy`); the others only report.
  process.env.TRIAGE_POLICY = JSON.stringify({
    'encrypt-volumes': 'report', 'enable-flow-logs': 'report', 'enforce-imdsv2': 'auto', 'enable-ebs-encryption-by-default': 'auto',
  });
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  await moto.stop();
});

describe('triage-start-instances with the hygiene remediations on auto', () => {
  it('reports IMDSv1 and EBS encryption by default off for the started instance, and the children it starts fix both', async () => {
    // GIVEN a started instance that allows IMDSv1 (EC2's default) in a region without EBS encryption by default
    const { AccountSeeder } = await import('../../local/seed');
    const { runWorkflow } = await import('../../local/runner');
    const seeder = new AccountSeeder();
    const { instanceId } = await seeder.createInstance({ name: 'hygiene' });
    const ec2 = new EC2Client({});

    // WHEN EventBridge delivers its StartInstances event
    const parent = await runWorkflow('triage-start-instances', startInstancesEvent('iam-user', [instanceId]), { executionName: 'triage-hygiene-1' });

    // THEN the assessment names both, both children ran to success, and the account is fixed
    expect(parent.status).toBe('SUCCEEDED');
    const assessments = parent.events.filter((e) => e.state === 'AssessInstance' && (e.output as { assessment?: Assessment } | undefined)?.assessment)
      .map((e) => (e.output as { assessment: Assessment }).assessment);
    expect(assessments.map((a) => a.hygiene)).toEqual([{ imdsV1Allowed: true, ebsEncryptionByDefault: false }]);
    const report = parent.output as TriageReport;
    expect(report.findings).toEqual(expect.arrayContaining([
      { instanceId, finding: 'allows IMDSv1 (HttpTokens optional) -> enforce-imdsv2', handling: 'started' },
      { instanceId, finding: 'EBS encryption by default is off in us-east-1: the next volume created is unencrypted -> enable-ebs-encryption-by-default', handling: 'started' },
    ]));
    expect((parent.children ?? []).map((c) => [c.workflow, c.status, (c.output as { outcome?: string }).outcome]).sort()).toEqual([
      ['enable-ebs-encryption-by-default', 'SUCCEEDED', 'REMEDIATED'], ['enforce-imdsv2', 'SUCCEEDED', 'REMEDIATED'],
    ]);
    expect((await seeder.describe(instanceId)).MetadataOptions).toMatchObject({ HttpTokens: 'required', State: 'applied' });
    expect((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
  });
});
