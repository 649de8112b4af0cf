import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HANDLER_METADATA } from '../../infra/constructs/task-function';
import { EXPIRE_RETAINED_TASK_SPECS, EXPIRY_SCHEDULE, SCHEDULE_NAME } from '../../infra/workflows/expire-retained';
import { SCHEDULED_INPUT } from '../../tasks/expire/lib/schema';
import { sdkCallsOf } from './bundle-calls';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { ENV, resourcesOf, sharedBundledTemplate, type SharedBundled } from './synth';

// GIVEN the synthesized RemediationStack (the shared bundled assembly), WHEN IAM (@cloud-copilot/iam-simulate) sees one
// request of an expire-retained role, THEN it deletes only what a remediation retained and no operator holds or excluded;
// each role holds exactly what its bundle calls; the schedule can start this state machine and nothing else.
const { account: A, region: R } = ENV;
const VOLUME = `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const RETAINED = { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes', 'aws:ResourceTag/remediation:retain-until': '2026-01-01' };
const FORENSIC_OPEN = { 'aws:ResourceTag/remediation:workflow': 'isolate-instance', 'aws:ResourceTag/remediation:case': 'case-7', 'aws:ResourceTag/remediation:retain-until': '2026-01-01' };
const FORENSIC_CLOSED = { ...FORENSIC_OPEN, 'aws:ResourceTag/remediation:case-closed': '2025-12-01T00:00:00.000Z' };
const RUNTIME = /^(logs:(CreateLogStream|PutLogEvents)|xray:.*)$/;

type Case = [what: string, request: Request, expected: Decision];
const deleteCases = (action: string, resource: string): Case[] => [
  [`${action} of what a remediation retained`, { action, resource, context: RETAINED }, 'Allowed'],
  [`${action} of something not ours (no remediation:workflow)`, { action, resource, context: { 'aws:ResourceTag/remediation:retain-until': '2026-01-01' } }, 'ImplicitlyDenied'],
  [`${action} of something of ours not retained (no retain-until)`, { action, resource, context: { 'aws:ResourceTag/remediation:workflow': 'encrypt-volumes' } }, 'ImplicitlyDenied'],
  [`${action} of a retained one on hold`, { action, resource, context: { ...RETAINED, 'aws:ResourceTag/remediation:hold': 'true' } }, 'ExplicitlyDenied'],
  [`${action} of a retained one on hold (True)`, { action, resource, context: { ...RETAINED, 'aws:ResourceTag/remediation:hold': 'True' } }, 'ExplicitlyDenied'],
  [`${action} of a retained one excluded`, { action, resource, context: { ...RETAINED, 'aws:ResourceTag/remediation:exclude': 'true' } }, 'ExplicitlyDenied'],
  [`${action} of a retained one another remediation holds`, { action, resource, context: { ...RETAINED, 'aws:ResourceTag/remediation:lock': 'encrypt-volumes-i-1-x' } }, 'ExplicitlyDenied'],
  [`${action} of a retained one in another region`, { action, resource: resource.replace(R, 'eu-west-1'), context: RETAINED }, 'ImplicitlyDenied'],
];
const DELETE_EXPIRED = EXPIRE_RETAINED_TASK_SPECS['delete-expired'].entry;
const CASES: Case[] = [
  ...deleteCases('ec2:DeleteVolume', VOLUME), ...deleteCases('ec2:DeleteSnapshot', SNAPSHOT),
  ['ec2:DeleteSnapshot of a forensic snapshot whose case is closed', { action: 'ec2:DeleteSnapshot', resource: SNAPSHOT, context: FORENSIC_CLOSED }, 'Allowed'],
  ['ec2:DeleteSnapshot of a forensic snapshot whose case is open', { action: 'ec2:DeleteSnapshot', resource: SNAPSHOT, context: FORENSIC_OPEN }, 'ExplicitlyDenied'],
  ['ec2:DeleteSnapshot of a closed case\'s snapshot on hold', { action: 'ec2:DeleteSnapshot', resource: SNAPSHOT, context: { ...FORENSIC_CLOSED, 'aws:ResourceTag/remediation:hold': 'true' } }, 'ExplicitlyDenied'],
  ['ec2:CreateTags (never called) on a retained volume', { action: 'ec2:CreateTags', resource: VOLUME, context: RETAINED }, 'ImplicitlyDenied'],
  ['ec2:DetachVolume of a retained volume', { action: 'ec2:DetachVolume', resource: VOLUME, context: RETAINED }, 'ImplicitlyDenied'],
];

let synth: SharedBundled;
let roles: Map<string, RolePolicy>;
const bundles = new Map<string, string>();
const roleOf = (entry: string): RolePolicy => {
  const role = roles.get(entry);
  if (!role) throw new Error(`no expire-retained function runs ${entry}`);
  return role;
};

beforeAll(() => {
  synth = sharedBundledTemplate();
  const entries = Object.values(EXPIRE_RETAINED_TASK_SPECS).map((s) => s.entry);
  roles = rolePoliciesByEntry(synth.template, 'ExpireRetained', entries);
  const assembly = synth.assemblyDir;
  for (const [logicalId, fn] of Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
    const entry = String(fn.Metadata?.[HANDLER_METADATA]);
    if (!logicalId.startsWith('ExpireRetained') || !entries.includes(entry)) continue;
    bundles.set(entry, readFileSync(path.join(assembly, String(fn.Metadata?.[cxapi.ASSET_RESOURCE_METADATA_PATH_KEY]), 'index.js'), 'utf8'));
  }
});

describe('the role of delete-expired', () => {
  it.each(CASES)('%s: %s', async (_what, request, expected) => {
    expect(await decide(roleOf(DELETE_EXPIRED), request)).toBe(expected);
  });

  it('may change nothing but DeleteVolume and DeleteSnapshot, each with an allowed and a denied case above', () => {
    const actions = mutatingActions(roleOf(DELETE_EXPIRED));
    expect(actions).toEqual(['ec2:DeleteSnapshot', 'ec2:DeleteVolume']);
    for (const action of actions) expect(new Set(CASES.filter(([, r]) => r.action === action).map(([, , d]) => d === 'Allowed'))).toEqual(new Set([true, false]));
  });
});

describe.each(Object.keys(EXPIRE_RETAINED_TASK_SPECS))('%s', (task) => {
  const entry = EXPIRE_RETAINED_TASK_SPECS[task as keyof typeof EXPIRE_RETAINED_TASK_SPECS].entry;

  it('holds exactly the actions its bundle calls', () => {
    const granted = roleOf(entry).Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => !RUNTIME.test(a));
    expect([...new Set(granted)].sort()).toEqual(sdkCallsOf(bundles.get(entry) ?? ''));
  });

  if (entry !== DELETE_EXPIRED) {
    it('may change nothing', () => {
      expect(mutatingActions(roleOf(entry))).toEqual([]);
    });
  }
});

describe('the daily schedule', () => {
  const machineId = () => {
    const ids = Object.keys(synth.template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineName: 'remediation-expire-retained' } }));
    expect(ids).toHaveLength(1);
    return ids[0]!;
  };

  it('starts expire-retained every day at 03:00 UTC with the input a person would give, retrying briefly', () => {
    const schedules = Object.values(resourcesOf(synth.template, 'AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(1);
    const roleId = ((schedules[0]!.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn)['Fn::GetAtt'][0];
    expect(schedules[0]!.Properties).toEqual({
      Name: SCHEDULE_NAME,
      Description: 'expire-retained: deletes what remediations retained once remediation:retain-until has passed, after safety checks',
      ScheduleExpression: EXPIRY_SCHEDULE, ScheduleExpressionTimezone: 'Etc/UTC', State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { Ref: machineId() }, RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] }, Input: JSON.stringify(SCHEDULED_INPUT),
        RetryPolicy: { MaximumEventAgeInSeconds: 6 * 3600, MaximumRetryAttempts: 3 },
      },
    });
    expect(EXPIRY_SCHEDULE).toBe('cron(0 3 * * ? *)');
  });

  it('has a role of its own, assumed only by the scheduler for this schedule, that may only start this state machine', () => {
    const schedule = Object.values(resourcesOf(synth.template, 'AWS::Scheduler::Schedule'))[0]!;
    const roleId = ((schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn)['Fn::GetAtt'][0];
    const role = resourcesOf(synth.template, 'AWS::IAM::Role')[roleId];
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': A, 'aws:SourceArn': `arn:aws:scheduler:${R}:${A}:schedule/default/${SCHEDULE_NAME}` } },
      }],
    });
    const statements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement);
    expect(statements).toEqual([{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId() } }]);
  });
});

describe('encrypt-volumes\' retention', () => {
  it.each(['tasks/ebs/swap-volume.ts', 'tasks/ebs/cleanup-created.ts'])('reaches %s as RETAIN_DAYS (30 by default)', (entry) => {
    const fns = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).filter(([id, fn]) => id.startsWith('EncryptVolumes') && fn.Metadata?.[HANDLER_METADATA] === entry);
    expect(fns).toHaveLength(1);
    expect((fns[0]![1].Properties.Environment as { Variables: Record<string, string> }).Variables.RETAIN_DAYS).toBe('30');
  });
});
