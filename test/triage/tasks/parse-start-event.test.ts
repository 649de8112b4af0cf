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
/** `stackAccount` null: STACK_ACCOUNT_ID unset. */
async function loadWith(ourRoleArns: string | undefined, stackAccount: string | null = ACCOUNT): Promise<Loaded> {
  const saved = { OUR_ROLE_ARNS: process.env.OUR_ROLE_ARNS, STACK_ACCOUNT_ID: process.env.STACK_ACCOUNT_ID };
  const set = (name: keyof typeof saved, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  set('OUR_ROLE_ARNS', ourRoleArns);
  set('STACK_ACCOUNT_ID', stackAccount ?? undefined);
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
    set('OUR_ROLE_ARNS', saved.OUR_ROLE_ARNS);
    set('STACK_ACCOUNT_ID', saved.STACK_ACCOUNT_ID);
  }
}

const common = {
  eventId: EVENT_ID, eventTime: EVENT_TIME, region: 'us-east-1', account: ACCOUNT, attemptFailed: false, startedByUs: false,
  chunk: { index: 0, of: 1 }, childTriages: [], caseId: `case-${EVENT_ID}`,
};
const EXPECTED: Record<string, object> = {
  'iam-user': {
    ...common,
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    principal: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
    sourceIp: '203.0.113.10',
    instanceCount: 1,
    instanceIds: [INSTANCE_A],
  },
  // The role behind the session, not the session's own assumed-role ARN.
  'assumed-role': {
    ...common,
    accessKeyId: 'ASIAEXAMPLEKEY000002',
    principal: { type: 'AssumedRole', arn: OPS_ADMIN_ROLE },
    sourceIp: '203.0.113.10',
    instanceCount: 2,
    instanceIds: [INSTANCE_A, INSTANCE_B],
  },
  // A sessionContext without a sessionIssuer: the identity's own ARN.
  root: {
    ...common,
    accessKeyId: 'ASIAEXAMPLEKEY000003',
    principal: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` },
    sourceIp: '203.0.113.10',
    instanceCount: 1,
    instanceIds: [INSTANCE_A],
  },
  // No ARN at all: the service that made the call.
  'aws-service': {
    ...common,
    principal: { type: 'AWSService', arn: 'ssm.amazonaws.com' },
    sourceIp: 'ssm.amazonaws.com',
    instanceCount: 1,
    instanceIds: [INSTANCE_A],
  },
  // errorCode and responseElements: null; the instances are the requested ones.
  'failed-attempt': {
    ...common,
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    principal: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/mallory` },
    sourceIp: '203.0.113.10',
    instanceCount: 1,
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

/** `count` distinct well-formed instance ids (17 hex digits). */
const idsOf = (count: number): string[] => Array.from({ length: count }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
const naming = (ids: string[]) => {
  const event = fixture('iam-user');
  event.detail.requestParameters = { instancesSet: { items: ids.map((instanceId) => ({ instanceId })) } };
  event.detail.responseElements = { requestId: 'r-1', instancesSet: { items: ids.map((instanceId) => ({ instanceId, currentState: { code: 0, name: 'pending' } })) } };
  return event;
};
const CHUNK_NAME = (index: number) => `triage-start-instances-${EVENT_ID}-chunk-${index}`;

describe('parse-start-event: events of another account or region', () => {
  let parse: Loaded;
  beforeAll(async () => {
    parse = await loadWith('');
  });

  it.each([
    ['account', (e: ReturnType<typeof fixture>) => { e.account = '210987654321'; }, "event from account 210987654321 (this stack's is 123456789012): reported, not acted on"],
    ['recipientAccountId', (e: ReturnType<typeof fixture>) => { e.detail.recipientAccountId = '210987654321'; }, "event from account 210987654321 (this stack's is 123456789012): reported, not acted on"],
    ['region', (e: ReturnType<typeof fixture>) => { e.region = 'eu-west-1'; }, "event from region eu-west-1 (this stack's is us-east-1): reported, not acted on"],
    ['awsRegion', (e: ReturnType<typeof fixture>) => { e.detail.awsRegion = 'eu-west-1'; }, "event from region eu-west-1 (this stack's is us-east-1): reported, not acted on"],
    ['account and region', (e: ReturnType<typeof fixture>) => { e.account = '210987654321'; e.detail.recipientAccountId = '210987654321'; e.region = 'eu-west-1'; e.detail.awsRegion = 'eu-west-1'; },
      "event from account 210987654321 (this stack's is 123456789012) and region eu-west-1 (this stack's is us-east-1): reported, not acted on"],
  ])('refuses an event whose %s is not the stack\'s, with the reason, listing no instance to assess', async (_, change, reason) => {
    // Prepare: 120 instances, so that a chunked event would start child triage executions.
    const event = naming(idsOf(120));
    change(event);

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ refused: reason, instanceCount: 120, instanceIds: [], childTriages: [], chunk: { index: 0, of: 1 } });
  });

  it('refuses, clearly, a successful start whose instance list CloudTrail omitted', async () => {
    // Prepare: CloudTrail replaces a field too large for it with { omitted: true }.
    const event = fixture('iam-user');
    event.detail.requestParameters = { omitted: true };
    event.detail.responseElements = { omitted: true };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ instanceCount: 0, instanceIds: [], childTriages: [], refused: expect.stringMatching(/^the event names no instances \(CloudTrail omits .*by its eventID/) });
  });

  it('refuses a successful start with no requestParameters at all the same way', async () => {
    // Prepare
    const event = fixture('iam-user');
    delete event.detail.requestParameters;
    event.detail.responseElements = null;

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts.refused).toMatch(/^the event names no instances/);
  });

  it('takes the instances from the response when only the request was omitted', async () => {
    // Prepare
    const event = naming([INSTANCE_A]);
    event.detail.requestParameters = { omitted: true };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ instanceIds: [INSTANCE_A], instanceCount: 1 });
    expect(facts).not.toHaveProperty('refused');
  });
});

describe('parse-start-event: malformed instance ids', () => {
  let parse: Loaded;
  beforeAll(async () => {
    parse = await loadWith('');
  });

  it.each(['i-xyz', 'i-0a1b2c3d4e5f6071', 'i-0A1B2C3D4E5F60718', 'vol-0a1b2c3d4e5f60718', '', "i-0a1b2c3d'; DROP"])('fails %j with InvalidInputError naming the value', async (bad) => {
    // Act
    const result = parse.handler({ event: naming([INSTANCE_A, bad]) });

    // Assess
    await expect(result).rejects.toThrow(parse.InvalidInputError);
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining(`malformed instance id(s) (EC2's format is i- and 8 or 17 hex digits): ${JSON.stringify(bad)}`) });
  });

  it('accepts the older 8-digit ids', async () => {
    // Act
    const facts = await parse.handler({ event: naming(['i-0a1b2c3d']) });

    // Assess
    expect(facts.instanceIds).toEqual(['i-0a1b2c3d']);
  });

  it('names at most five bad values and counts the rest, however many there are', async () => {
    // Act
    const result = parse.handler({ event: naming(Array.from({ length: 12_000 }, (_, i) => `junk-${i}`)) });

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: 'invalid input: instancesSet: 12000 malformed instance id(s) (EC2\'s format is i- and 8 or 17 hex digits): "junk-0", "junk-1", "junk-2", "junk-3", "junk-4" and 11995 more',
    });
  });

  it('fails an event of another account with malformed ids too: refusing is not enough for an input that is not a real event', async () => {
    // Prepare
    const event = naming(['i-junk']);
    event.account = '210987654321';

    // Act / Assess
    await expect(parse.handler({ event })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('"i-junk"') });
  });

  it('still reports a failed attempt with a malformed id (EC2 refused it)', async () => {
    // Prepare
    const event = fixture('failed-attempt');
    event.detail.requestParameters = { instancesSet: { items: [{ instanceId: 'i-junk' }] } };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ attemptFailed: true, instanceIds: ['i-junk'] });
  });

  it.each([
    ['a missing recipientAccountId', (e: ReturnType<typeof fixture>) => { delete e.detail.recipientAccountId; }, 'detail.recipientAccountId: is required'],
    ['an event id that cannot name an execution', (e: ReturnType<typeof fixture>) => { e.detail.eventID = 'a/b'; }, 'detail.eventID: is not a CloudTrail event id'],
    ['an instance item without an id', (e: ReturnType<typeof fixture>) => { e.detail.requestParameters = { instancesSet: { items: [{}] } }; }, 'detail.requestParameters.instancesSet.items.0.instanceId: is required'],
  ])('validates the event\'s shape: fails %s with InvalidInputError naming the field', async (_, change, message) => {
    // Prepare
    const event = fixture('iam-user');
    change(event);

    // Act / Assess
    await expect(parse.handler({ event })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining(message) });
  });
});

describe('parse-start-event: at most 50 instances per execution', () => {
  let parse: Loaded;
  beforeAll(async () => {
    parse = await loadWith('');
  });

  it('assesses 50 of 120 here and names two child triage executions for the rest, by event and chunk', async () => {
    // Prepare
    const ids = idsOf(120);

    // Act
    const facts = await parse.handler({ event: naming(ids) });

    // Assess
    expect(facts).toMatchObject({
      instanceCount: 120, instanceIds: ids.slice(0, 50), chunk: { index: 0, of: 3 },
      childTriages: [{ index: 1, name: CHUNK_NAME(1) }, { index: 2, name: CHUNK_NAME(2) }],
    });
    expect(facts.childTriages.every((c) => c.name.length <= 80)).toBe(true);
  });

  it('starts no child triage for exactly 50', async () => {
    // Act
    const facts = await parse.handler({ event: naming(idsOf(50)) });

    // Assess
    expect(facts).toMatchObject({ instanceCount: 50, chunk: { index: 0, of: 1 }, childTriages: [] });
    expect(facts.instanceIds).toHaveLength(50);
  });

  it('returns only the chunk, the counts and the names for 12,000 instances: a bounded state', async () => {
    // Act
    const facts = await parse.handler({ event: naming(idsOf(12_000)) });

    // Assess: 239 names of ~70 characters, 50 ids; nothing near Step Functions' 256 KB.
    expect(facts.instanceIds).toHaveLength(50);
    expect(facts.childTriages).toHaveLength(239);
    expect(facts.childTriages.at(-1)).toEqual({ index: 239, name: CHUNK_NAME(239) });
    expect(Buffer.byteLength(JSON.stringify(facts))).toBeLessThan(32 * 1024);
  });

  it('never splits a chunk again: a child triage execution starts no further children', async () => {
    // Prepare: chunk 2 of 3 as the parent passes it.
    const event = { ...naming(idsOf(20)), triageChunk: { index: 2, of: 3, parentExecution: 'arn:aws:states:us-east-1:123456789012:execution:remediation-triage-start-instances:p' } };

    // Act
    const facts = await parse.handler({ event });

    // Assess
    expect(facts).toMatchObject({ instanceCount: 20, chunk: { index: 2, of: 3 }, childTriages: [] });
  });

  it('fails a chunk naming more than 50 with InvalidInputError', async () => {
    // Prepare
    const event = { ...naming(idsOf(51)), triageChunk: { index: 1, of: 2, parentExecution: 'p' } };

    // Act / Assess
    await expect(parse.handler({ event })).rejects.toMatchObject({ name: 'InvalidInputError', message: expect.stringContaining('never split again; this one names 51') });
  });

  it('starts no child triage for a failed attempt or for our own start, whatever their size', async () => {
    // Prepare
    const failed = naming(idsOf(120));
    failed.detail.errorCode = 'Client.UnauthorizedOperation';

    // Act
    const facts = await parse.handler({ event: failed });

    // Assess: only what the report lists, and the count.
    expect(facts).toMatchObject({ attemptFailed: true, instanceCount: 120, childTriages: [], chunk: { index: 0, of: 1 } });
    expect(facts.instanceIds).toHaveLength(50);
  });
});

describe('parse-start-event without STACK_ACCOUNT_ID', () => {
  it('fails at load, naming the variable', async () => {
    await expect(loadWith('', null)).rejects.toThrow('environment variable STACK_ACCOUNT_ID is not set');
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
