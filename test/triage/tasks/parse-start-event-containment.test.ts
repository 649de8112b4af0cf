import { readFileSync } from 'node:fs';
import * as path from 'node:path';

type ParseStartEvent = typeof import('../../../tasks/triage/parse-start-event');

const ACCOUNT = '123456789012';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const CASE_ID = `case-${EVENT_ID}`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const OUR_ROLE = `arn:aws:iam::${ACCOUNT}:role/remediation-start-instance`;
const fixture = (name: string): Record<string, unknown> & { detail: Record<string, unknown> } =>
  JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'cloudtrail', `${name}.json`), 'utf8'));

const ENV = ['OUR_ROLE_ARNS', 'STACK_ACCOUNT_ID', 'ALLOWED_PRINCIPALS', 'TRIAGE_POLICY', 'OWN_ROLE_PREFIX', 'PROTECTED_ROLE_ARNS'] as const;
/** The handler reads its environment once at load, as in Lambda: a fresh copy with these set. */
async function loadWith(env: Partial<Record<(typeof ENV)[number], string>>): Promise<ParseStartEvent['handler']> {
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, { STACK_ACCOUNT_ID: ACCOUNT, OUR_ROLE_ARNS: OUR_ROLE, ...env });
  try {
    let handler: ParseStartEvent['handler'] | undefined;
    await jest.isolateModulesAsync(async () => {
      ({ handler } = await import('../../../tasks/triage/parse-start-event'));
    });
    if (!handler) throw new Error('parse-start-event did not load');
    return handler;
  } finally {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

const ALLOW_DEPLOY = { ALLOWED_PRINCIPALS: `arn:aws:iam::${ACCOUNT}:role/deploy` };

describe('parse-start-event: the principal behind an unexpected start', () => {
  it('a principal not on the allow-list gets contain-principal, asking for approval by default, with the key used and the case id', async () => {
    const handler = await loadWith(ALLOW_DEPLOY);

    const facts = await handler({ event: fixture('iam-user') });

    expect(facts.caseId).toBe(CASE_ID);
    expect(facts.containment).toEqual({
      workflow: 'contain-principal', decision: 'approval', target: ALICE, caseId: CASE_ID, reason: `started by ${ALICE}, who is not on the allow-list`,
      caller: { principal: { type: 'IAMUser', arn: ALICE }, accessKeyId: 'AKIAEXAMPLEKEY000001' },
    });
  });

  it.each(['auto', 'report'] as const)('follows the policy entry contain-principal: %s', async (decision) => {
    const handler = await loadWith({ ...ALLOW_DEPLOY, TRIAGE_POLICY: JSON.stringify({ 'encrypt-volumes': 'report', 'contain-principal': decision }) });

    expect((await handler({ event: fixture('iam-user') })).containment?.decision).toBe(decision);
  });

  it('a policy that omits contain-principal gets its default, approval', async () => {
    const handler = await loadWith({ ...ALLOW_DEPLOY, TRIAGE_POLICY: JSON.stringify({ 'encrypt-volumes': 'auto' }) });

    expect((await handler({ event: fixture('iam-user') })).containment?.decision).toBe('approval');
  });

  it('finds nothing when everyone is allowed (the default) or the principal is listed', async () => {
    expect((await (await loadWith({}))({ event: fixture('iam-user') })).containment).toBeUndefined();
    expect((await (await loadWith({ ALLOWED_PRINCIPALS: `arn:aws:iam::${ACCOUNT}:user/` }))({ event: fixture('iam-user') })).containment).toBeUndefined();
  });

  it('never contains the stack\'s own roles: their starts are ours (not triaged), and a role named <stack>-... is reported', async () => {
    const handler = await loadWith({ ...ALLOW_DEPLOY, OWN_ROLE_PREFIX: 'Ec2RemediationStack-' });
    const ours = fixture('assumed-role');
    (ours.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = OUR_ROLE;
    const stackRole = fixture('assumed-role');
    const stackRoleArn = `arn:aws:iam::${ACCOUNT}:role/Ec2RemediationStack-HighCpuResizeRole-0ABC`;
    (stackRole.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = stackRoleArn;

    const ourFacts = await handler({ event: ours });
    const stackFacts = await handler({ event: stackRole });

    expect(ourFacts.startedByUs).toBe(true);
    expect(ourFacts).not.toHaveProperty('containment');
    expect(stackFacts.containment).toMatchObject({ decision: 'report', target: stackRoleArn });
    expect(stackFacts.containment?.reason).toContain("is one of this stack's own roles");
  });

  it('reports, never starts, a role CDK context containPrincipal.protectedRoleArns names', async () => {
    const protectedRole = `arn:aws:iam::${ACCOUNT}:role/break-glass`;
    const handler = await loadWith({ ...ALLOW_DEPLOY, PROTECTED_ROLE_ARNS: protectedRole });
    const event = fixture('assumed-role');
    (event.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = protectedRole;

    const facts = await handler({ event });

    expect(facts.startedByUs).toBe(false);
    expect(facts.containment).toMatchObject({ decision: 'report', target: protectedRole });
    expect(facts.containment?.reason).toContain("is one of this stack's own roles");
  });

  it('decides nothing for a failed attempt, another account\'s event, or a chunk (the execution that split the event decided)', async () => {
    const handler = await loadWith(ALLOW_DEPLOY);
    const foreign = fixture('iam-user');
    foreign.account = '210987654321';
    const chunk = { ...fixture('iam-user'), triageChunk: { index: 1, of: 2, parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:p' } };

    for (const event of [fixture('failed-attempt'), foreign, chunk]) {
      const facts = await handler({ event });
      expect(facts).not.toHaveProperty('containment');
      expect(facts.caseId).toBe(CASE_ID);
    }
  });

  it('hands root to contain-principal (which only notifies) and reports an AWS service it cannot contain', async () => {
    const handler = await loadWith(ALLOW_DEPLOY);

    expect((await handler({ event: fixture('root') })).containment).toMatchObject({ decision: 'approval', caller: { principal: { type: 'Root' } } });
    expect((await handler({ event: fixture('aws-service') })).containment).toMatchObject({ decision: 'report', target: 'ssm.amazonaws.com' });
  });
});

describe('parse-start-event: isolating the instances of an unexpected start', () => {
  const ISOLATE = { workflow: 'isolate-instance', caseId: CASE_ID, reason: `started by ${ALICE}, who is not on the allow-list` };

  it('the same finding isolates the instances under the same case, asking for approval by default; auto and report follow the policy', async () => {
    expect((await (await loadWith(ALLOW_DEPLOY))({ event: fixture('iam-user') })).isolation).toEqual({ ...ISOLATE, decision: 'approval' });
    for (const decision of ['auto', 'report'] as const) {
      const handler = await loadWith({ ...ALLOW_DEPLOY, TRIAGE_POLICY: JSON.stringify({ 'isolate-instance': decision }) });
      const facts = await handler({ event: fixture('iam-user') });
      expect(facts.isolation).toEqual({ ...ISOLATE, decision });
      // The containment keeps its own entry (its default here).
      expect(facts.containment?.decision).toBe('approval');
    }
  });

  it('a chunk isolates its own instances (the containment stays with the execution that split the event); an allowed principal none', async () => {
    const handler = await loadWith({ ...ALLOW_DEPLOY, TRIAGE_POLICY: JSON.stringify({ 'isolate-instance': 'auto' }) });
    const chunk = { ...fixture('iam-user'), triageChunk: { index: 1, of: 2, parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:p' } };

    const facts = await handler({ event: chunk });

    expect(facts).not.toHaveProperty('containment');
    expect(facts.isolation).toEqual({ ...ISOLATE, decision: 'auto' });
    expect((await (await loadWith({}))({ event: fixture('iam-user') }))).not.toHaveProperty('isolation');
  });

  it('reports, never starts, isolation for the stack\'s own roles, root, an AWS service, a failed attempt and another account\'s event', async () => {
    const handler = await loadWith({ ...ALLOW_DEPLOY, OWN_ROLE_PREFIX: 'Ec2RemediationStack-', TRIAGE_POLICY: JSON.stringify({ 'isolate-instance': 'auto' }) });
    const stackRole = fixture('assumed-role');
    (stackRole.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = `arn:aws:iam::${ACCOUNT}:role/Ec2RemediationStack-X`;
    const foreign = fixture('iam-user');
    foreign.account = '210987654321';

    const own = (await handler({ event: stackRole })).isolation;
    const root = (await handler({ event: fixture('root') })).isolation;
    const service = (await handler({ event: fixture('aws-service') })).isolation;

    expect([own?.decision, root?.decision, service?.decision]).toEqual(['report', 'report', 'report']);
    expect(own?.reason).toContain("not isolated: arn:aws:iam::123456789012:role/Ec2RemediationStack-X is one of this stack's own roles");
    expect(root?.reason).toContain('not isolated: the root user started it');
    for (const event of [fixture('failed-attempt'), foreign]) expect(await handler({ event })).not.toHaveProperty('isolation');
  });
});
