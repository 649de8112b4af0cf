import { readFileSync } from 'node:fs';
import * as path from 'node:path';

type ParseStartEvent = typeof import('../../../tasks/triage/parse-start-event');
type Errors = typeof import('../../../tasks/lib/errors');
interface Loaded {
  handler: ParseStartEvent['handler'];
  InvalidInputError: Errors['InvalidInputError'];
}

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'cloudtrail');
// A fresh copy each time, so a test may change it.
const fixture = (name: string): Record<string, unknown> & { detail: Record<string, unknown> } =>
  JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));

const ACCOUNT = '123456789012';
const EVENT_ID = 'e0a1b2c3-1111-4222-8333-444455556666';
const EVENT_TIME = '2026-11-27T10:15:30Z';
const INSTANCE_A = 'i-0a1b2c3d4e5f60718';
const INSTANCE_B = 'i-0f1e2d3c4b5a69788';
const OPS_ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/ops-admin`;
const OUR_START_ROLE = `arn:aws:iam::${ACCOUNT}:role/remediation-start-instance`;

/**
 * The handler reads OUR_ROLE_ARNS once at module load, as in Lambda: load a fresh copy with the
 * variable set (or unset), and its own errors module, from the same isolated module registry.
 */
async function loadWith(ourRoleArns: string | undefined): Promise<Loaded> {
  const saved = process.env.OUR_ROLE_ARNS;
  if (ourRoleArns === undefined) delete process.env.OUR_ROLE_ARNS;
  else process.env.OUR_ROLE_ARNS = ourRoleArns;
  try {
    let loaded: Loaded | undefined;
    await jest.isolateModulesAsync(async () => {
      const { handler } = await import('../../../tasks/triage/parse-start-event');
      const { InvalidInputError } = await import('../../../tasks/lib/errors');
      loaded = { handler, InvalidInputError };
    });
    if (!loaded) throw new Error('parse-start-event did not load');
    return loaded;
  } finally {
    if (saved === undefined) delete process.env.OUR_ROLE_ARNS;
    else process.env.OUR_ROLE_ARNS = saved;
  }
}

const common = { eventId: EVENT_ID, eventTime: EVENT_TIME, region: 'us-east-1', account: ACCOUNT, attemptFailed: false, startedByUs: false };
const EXPECTED: Record<string, object> = {
  'iam-user': {
    ...common,
    principal: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
    sourceIp: '203.0.113.10',
    instanceIds: [INSTANCE_A],
  },
  // The role behind the session, not the session's own assumed-role ARN.
  'assumed-role': {
    ...common,
    principal: { type: 'AssumedRole', arn: OPS_ADMIN_ROLE },
    sourceIp: '203.0.113.10',
    instanceIds: [INSTANCE_A, INSTANCE_B],
  },
  // A sessionContext without a sessionIssuer: the identity's own ARN.
  root: {
    ...common,
    principal: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` },
    sourceIp: '203.0.113.10',
    instanceIds: [INSTANCE_A],
  },
  // No ARN at all: the service that made the call.
  'aws-service': {
    ...common,
    principal: { type: 'AWSService', arn: 'ssm.amazonaws.com' },
    sourceIp: 'ssm.amazonaws.com',
    instanceIds: [INSTANCE_A],
  },
  // errorCode and responseElements: null; the instances are the requested ones.
  'failed-attempt': {
    ...common,
    principal: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory` },
    sourceIp: '203.0.113.10',
    instanceIds: [INSTANCE_A],
    attemptFailed: true,
    error: {
      code: 'Client.UnauthorizedOperation',
      message: `You are not authorized to perform this operation. User: arn:aws:iam::${ACCOUNT}:user/mallory is not authorized to perform: ` +
        `ec2:StartInstances on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:instance/${INSTANCE_A} because no identity-based policy allows ` +
        'the ec2:StartInstances action.',
    },
  },
};

describe('parse-start-event', () => {
  let parse: Loaded;
  beforeAll(async () => {
    // Our role plus, to show only the session issuer counts, alice's user ARN; spaces around the commas.
    parse = await loadWith(`${OUR_START_ROLE} , arn:aws:iam::${ACCOUNT}:user/alice`);
  });

  it.each(Object.keys(EXPECTED))('extracts who, from where, which instances and whether it worked from %s', async (name) => {
    // Act
    const facts = await parse.handler({ event: fixture(name) });

    // Assess
    expect(facts).toEqual(EXPECTED[name]);
  });

  it('takes the instances from request and response together, each once', async () => {
    // Prepare: a duplicate in the request, and a response naming one the request did not.
    const event = fixture('assumed-role');
    event.detail.requestParameters = { instancesSet: { items: [{ instanceId: INSTANCE_A }, { instanceId: INSTANCE_A }, { instanceId: INSTANCE_B }] } };
    event.detail.responseElements = {
      requestId: 'r-1',
      instancesSet: { items: [{ instanceId: INSTANCE_B, currentState: { code: 0, name: 'pending' } }, { instanceId: 'i-0cccccccccccccccc', currentState: { code: 0, name: 'pending' } }] },
    };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts.instanceIds).toEqual([INSTANCE_A, INSTANCE_B, 'i-0cccccccccccccccc']);
  });

  it('has no instances, rather than failing, when neither request nor response lists any', async () => {
    // Prepare
    const event = fixture('failed-attempt');
    event.detail.requestParameters = null;

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ instanceIds: [], attemptFailed: true });
  });

  it('reports unknown source IP and principal when CloudTrail gives none', async () => {
    // Prepare
    const event = fixture('aws-service');
    delete event.detail.sourceIPAddress;
    event.detail.userIdentity = { type: 'Unknown' };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ principal: { type: 'Unknown', arn: 'unknown' }, sourceIp: 'unknown', startedByUs: false });
  });

  it('marks startedByUs when the session issuer is one of our roles', async () => {
    // Prepare
    const event = fixture('assumed-role');
    (event.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = OUR_START_ROLE;

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ principal: { type: 'AssumedRole', arn: OUR_START_ROLE }, startedByUs: true, attemptFailed: false });
  });

  it('never marks startedByUs for an identity without a session issuer, even when its ARN is listed', async () => {
    // Act: alice's user ARN is in OUR_ROLE_ARNS.
    const facts = await parse.handler({ event: fixture('iam-user') });

    // Assess
    expect(facts).toMatchObject({ principal: { arn: `arn:aws:iam::${ACCOUNT}:user/alice` }, startedByUs: false });
  });

  it('rejects a StopInstances event with InvalidInputError naming eventName', async () => {
    // Act
    const result = parse.handler({ event: fixture('unrelated-stop-instances') });

    // Assess
    await expect(result).rejects.toThrow(parse.InvalidInputError);
    await expect(result).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('detail.eventName') });
    await expect(result).rejects.not.toMatchObject({ message: expect.stringContaining('detail.eventSource') });
  });

  it.each([
    ['unrelated-s3', 'detail.eventSource'],
    ['unrelated-state-change', 'detail.eventSource'],
  ])('rejects %s with InvalidInputError naming %s', async (name, field) => {
    // Act
    const result = parse.handler({ event: fixture(name) });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(field) });
  });
});

describe('parse-start-event without OUR_ROLE_ARNS', () => {
  it('marks nothing as started by us', async () => {
    // Prepare
    const { handler } = await loadWith(undefined);
    const event = fixture('assumed-role');
    (event.detail.userIdentity as { sessionContext: { sessionIssuer: { arn: string } } }).sessionContext.sessionIssuer.arn = OUR_START_ROLE;

    // Act
    const facts = await handler({ event });

    // Assess
    expect(facts.startedByUs).toBe(false);
  });
});

describe('parse-start-event with the operator\'s role in OUR_ROLE_ARNS', () => {
  it('marks the assumed-role event as started by us, and only that one', async () => {
    // Prepare
    const { handler } = await loadWith(OPS_ADMIN_ROLE);

    // Act
    const byFixture = Object.fromEntries(await Promise.all(Object.keys(EXPECTED).map(async (name) => [name, (await handler({ event: fixture(name) })).startedByUs])));

    // Assess
    expect(byFixture).toEqual({ 'iam-user': false, 'assumed-role': true, root: false, 'aws-service': false, 'failed-attempt': false });
  });
});
