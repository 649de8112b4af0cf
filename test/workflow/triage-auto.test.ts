import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Report } from '../../tasks/ebs/build-report';
import type { TriageReport } from '../../tasks/triage/build-triage-report';
import { States } from '../../workflows/triage-start-instances';
import { startMoto, useEndpoint, type MotoServer } from '../../local/moto';
import { statesEntered, volumeAt } from './harness';
import { startInstancesEvent } from './triage-harness';

let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
  useEndpoint(moto.endpoint);
  // A deployment whose triage policy starts encrypt-volumes by itself (cdk.json context `triage.policy`).
  process.env.TRIAGE_POLICY = JSON.stringify({ 'encrypt-volumes': 'auto', 'enable-flow-logs': 'auto' });
});
afterAll(async () => {
  delete process.env.TRIAGE_POLICY;
  await moto.stop();
});

describe('triage-start-instances with encrypt-volumes on auto', () => {
  it('starts encrypt-volumes as its own linked execution, and the restart that child makes is not triaged again', async () => {
    // GIVEN a started instance with an unencrypted data volume
    const { AccountSeeder } = await import('../../local/seed');
    const { runWorkflow } = await import('../../local/runner');
    const { localWorkflows } = await import('../../local/runner');
    const seeder = new AccountSeeder();
    const seeded = await seeder.createInstance({ name: 'auto', dataVolumes: [{ device: '/dev/sdf', sizeGiB: 10, volumeType: 'gp3' }] });
    // The stack-owned flow-log bucket (the local runner does not deploy the stack).
    localWorkflows();
    const bucket = String(process.env.FLOW_LOGS_BUCKET_ARN).replace('arn:aws:s3:::', '');
    await new S3Client({}).send(new CreateBucketCommand({ Bucket: bucket }));
    const event = startInstancesEvent('iam-user', [seeded.instanceId]);

    // WHEN EventBridge delivers the event
    const parent = await runWorkflow('triage-start-instances', event, { executionName: 'triage-auto-1' });

    // THEN each child ran as its own execution, linked to the parent and the event
    expect(parent.status).toBe('SUCCEEDED');
    expect(parent.children?.map((c) => c.workflow)).toEqual(['encrypt-volumes', 'enable-flow-logs']);
    const child = parent.children?.[0];
    // the instance's VPC had no flow log: enable-flow-logs ran for it
    const flowLogs = parent.children?.[1];
    expect(flowLogs?.input).toMatchObject({ vpcIds: [(await seeder.describe(seeded.instanceId)).VpcId], destination: 's3' });
    expect(flowLogs?.status).toBe('SUCCEEDED');
    expect(child?.name).toMatch(new RegExp(`^encrypt-volumes-${seeded.instanceId}-\\d{8}T\\d{6}Z$`));
    expect(child?.input).toEqual({
      instanceId: seeded.instanceId,
      allowStop: true,
      trigger: {
        source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', eventId: event.detail.eventID, parentExecution: expect.stringContaining(':triage-auto-1'),
        proof: { url: expect.stringContaining('X-Amz-SignedHeaders=host%3Bx-remediation-binding') },
      },
    });
    expect(child?.status).toBe('SUCCEEDED');
    expect((child?.output as Report).outcome).toBe('REMEDIATED');
    // triage's proof, verified: its role (locally the emulator's default identity) started the child; the principal is the event's.
    expect((child?.output as Report).trigger).toEqual({
      source: 'eventbridge', principal: 'arn:aws:iam::123456789012:user/alice', principalFrom: 'cloudtrail', eventId: event.detail.eventID,
      parentExecution: expect.stringContaining(':triage-auto-1'), startedBy: 'arn:aws:sts::123456789012:user/moto', verified: true,
    });
    expect((await volumeAt(seeder, seeded.instanceId, '/dev/sdf')).volume.Encrypted).toBe(true);
    const report = parent.output as TriageReport;
    expect(report.outcome).toBe('REMEDIATED');
    expect(report.actions).toEqual([
      expect.objectContaining({ action: 'start-execution', after: { workflow: 'encrypt-volumes', name: child?.name } }),
      expect.objectContaining({ action: 'start-execution', after: { workflow: 'enable-flow-logs', name: flowLogs?.name } }),
    ]);

    // AND the StartInstances the child made (as our role) comes back through the rule: it is not triaged
    const ourRole = (process.env.OUR_ROLE_ARNS ?? '').split(',')[0] as string;
    const echo = startInstancesEvent('assumed-role', [seeded.instanceId], { issuerRoleArn: ourRole, eventId: 'echo-of-our-restart' });
    const again = await runWorkflow('triage-start-instances', echo, { executionName: 'triage-auto-2' });
    expect(again.status).toBe('SUCCEEDED');
    expect(statesEntered(again)).not.toContain(States.assessInstances);
    expect(again.children).toEqual([]);
  });
});
