import { INVESTIGATE_TRAFFIC_TASK_SPECS } from '../../infra/workflows/investigate-traffic';
import { decide, mutatingActions, rolePoliciesByEntry, type Decision, type Request, type RolePolicy } from './iam-policies';
import { ENV, resourcesOf, sharedRemediationTemplate, type SynthesizedTemplate } from './synth';

// GIVEN each investigate-traffic task role's policy as the synthesized RemediationStack holds it, WHEN IAM
// (as @cloud-copilot/iam-simulate evaluates it) sees one request, THEN it decides as a read-only workflow
// must: reads only of the flow-log destinations (the stack's bucket under AWSLogs/, the stack's flow-log
// group), nothing else in the account; the one mutating action, StartBlock's, starts block-source-ip only.
const { account: A, region: R } = ENV;
type Case = [what: string, request: Request, expected: Decision];
const req = (action: string, resource: string, context: Request['context'] = {}): Request => ({ action, resource, context });
const ANALYSE = INVESTIGATE_TRAFFIC_TASK_SPECS['analyse-traffic'].entry;
const START_BLOCK = INVESTIGATE_TRAFFIC_TASK_SPECS['start-block'].entry;
/** A state machine of the stack as the simulation resolves its Ref: the ARN with its logical id for a name. */
const machineArn = (workflow: string) => {
  const id = Object.entries(resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine')).find(([, r]) => r.Properties.StateMachineName === `remediation-${workflow}`)?.[0];
  if (!id) throw new Error(`no state machine for ${workflow}`);
  return `arn:aws:states:${R}:${A}:stateMachine:${id}`;
};
const ENTRIES = Object.values(INVESTIGATE_TRAFFIC_TASK_SPECS).map((s) => s.entry);

let synth: SynthesizedTemplate;
let policies: Map<string, RolePolicy>;
let bucket: string;
let group: string;
beforeAll(() => {
  synth = sharedRemediationTemplate();
  policies = rolePoliciesByEntry(synth.template, 'InvestigateTraffic', ENTRIES);
  bucket = (Object.keys(resourcesOf(synth.template, 'AWS::S3::Bucket')).find((id) => id.startsWith('EnableFlowLogsFlowLogsBucket')) as string).toLowerCase();
  group = `arn:aws:logs:${R}:${A}:log-group:${Object.keys(resourcesOf(synth.template, 'AWS::Logs::LogGroup')).find((id) => id.startsWith('EnableFlowLogsFlowLogsGroup'))}`;
});

const policy = (entry: string) => policies.get(entry) ?? (() => { throw new Error(`no role for ${entry}`); })();

describe('investigate-traffic roles', () => {
  it('every task role exists and may change nothing, start-block starting an execution aside', () => {
    expect([...policies.keys()].sort()).toEqual([...ENTRIES].sort());
    // mutatingActions knows reads by Describe/Get/List; FilterLogEvents is a read too.
    const expected = (entry: string) => (entry === ANALYSE ? ['logs:FilterLogEvents'] : entry === START_BLOCK ? ['states:StartExecution'] : []);
    for (const entry of ENTRIES) {
      expect({ entry, mutating: mutatingActions(policy(entry)) }).toEqual({ entry, mutating: expected(entry) });
    }
  });

  it('start-block may start block-source-ip and no other state machine, and change nothing itself', async () => {
    const cases: Case[] = [
      ['StartExecution of block-source-ip', req('states:StartExecution', machineArn('block-source-ip')), 'Allowed'],
      ['StartExecution of unblock-source-ip', req('states:StartExecution', machineArn('unblock-source-ip')), 'ImplicitlyDenied'],
      ['StartExecution of restrict-security-groups', req('states:StartExecution', machineArn('restrict-security-groups')), 'ImplicitlyDenied'],
      ['StartExecution of investigate-traffic itself', req('states:StartExecution', machineArn('investigate-traffic')), 'ImplicitlyDenied'],
      ['StartExecution of a machine by the deployed name', req('states:StartExecution', `arn:aws:states:${R}:${A}:stateMachine:remediation-encrypt-volumes`), 'ImplicitlyDenied'],
      ['SendTaskSuccess (answering the block\'s approval)', req('states:SendTaskSuccess', '*'), 'ImplicitlyDenied'],
      ['StopExecution of a block', req('states:StopExecution', `arn:aws:states:${R}:${A}:execution:remediation-block-source-ip:x`), 'ImplicitlyDenied'],
      ['CreateNetworkAclEntry', req('ec2:CreateNetworkAclEntry', `arn:aws:ec2:${R}:${A}:network-acl/acl-0123456789abcdef0`), 'ImplicitlyDenied'],
    ];
    for (const [what, request, expected] of cases) {
      expect({ what, decision: await decide(policy(START_BLOCK), request) }).toEqual({ what, decision: expected });
    }
  });

  const analyseCases = (): Case[] => {
    const key = `AWSLogs/${A}/vpcflowlogs/${R}/2026/03/01/${A}_vpcflowlogs_${R}_fl-0123456789abcdef0_20260301T1205Z_abc.log.gz`;
    return [
      ['GetObject of a flow-log file in the stack\'s bucket', req('s3:GetObject', `arn:aws:s3:::${bucket}/${key}`), 'Allowed'],
      ['GetObject of a flow-log file under a prefix', req('s3:GetObject', `arn:aws:s3:::${bucket}/team-a/${key}`), 'Allowed'],
      ['GetObject outside AWSLogs/', req('s3:GetObject', `arn:aws:s3:::${bucket}/secrets.txt`), 'ImplicitlyDenied'],
      ['GetObject in another bucket', req('s3:GetObject', `arn:aws:s3:::someone-elses-bucket/${key}`), 'ImplicitlyDenied'],
      ['ListBucket on the AWSLogs/ prefix', req('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': `AWSLogs/${A}/vpcflowlogs/` }), 'Allowed'],
      ['ListBucket of the whole bucket', req('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': '' }), 'ImplicitlyDenied'],
      ['PutObject into the flow-log bucket', req('s3:PutObject', `arn:aws:s3:::${bucket}/${key}`), 'ImplicitlyDenied'],
      ['DeleteObject of a flow-log file', req('s3:DeleteObject', `arn:aws:s3:::${bucket}/${key}`), 'ImplicitlyDenied'],
      ['FilterLogEvents on the stack\'s flow-log group', req('logs:FilterLogEvents', group), 'Allowed'],
      ['FilterLogEvents on another log group', req('logs:FilterLogEvents', `arn:aws:logs:${R}:${A}:log-group:/aws/lambda/payments`), 'ImplicitlyDenied'],
      ['DeleteLogGroup on the flow-log group', req('logs:DeleteLogGroup', group), 'ImplicitlyDenied'],
      ['RevokeSecurityGroupIngress', req('ec2:RevokeSecurityGroupIngress', `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`), 'ImplicitlyDenied'],
    ];
  };

  it('analyse-traffic reads the flow-log destinations only', async () => {
    for (const [what, request, expected] of analyseCases()) {
      expect({ what, decision: await decide(policy(ANALYSE), request) }).toEqual({ what, decision: expected });
    }
  });

  it('plan-investigation describes, and may not revoke or create rules', async () => {
    const plan = policy(INVESTIGATE_TRAFFIC_TASK_SPECS['plan-investigation'].entry);
    const sg = `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`;
    expect(await decide(plan, req('ec2:DescribeSecurityGroupRules', '*'))).toBe('Allowed');
    expect(await decide(plan, req('ec2:RevokeSecurityGroupIngress', sg))).toBe('ImplicitlyDenied');
    expect(await decide(plan, req('ec2:AuthorizeSecurityGroupIngress', sg))).toBe('ImplicitlyDenied');
  });
});
