import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { matchesPattern } from '../../local/event-pattern';
import { START_INSTANCES_PATTERN } from '../../workflows/triage-start-instances';

const fixtures = path.join(__dirname, '..', 'fixtures', 'cloudtrail');
const event = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
const MATCHING = ['iam-user', 'assumed-role', 'root', 'aws-service', 'failed-attempt'];
const NOT_MATCHING = ['unrelated-stop-instances', 'unrelated-s3', 'unrelated-state-change'];

describe('the StartInstances rule pattern', () => {
  it('covers every fixture', () => {
    expect(readdirSync(fixtures).map((f) => f.replace('.json', '')).sort()).toEqual([...MATCHING, ...NOT_MATCHING].sort());
  });

  it.each(MATCHING)('matches the real-format CloudTrail event %s', (name) => {
    expect(matchesPattern(START_INSTANCES_PATTERN, event(name))).toBe(true);
  });

  it.each(NOT_MATCHING)('does not match the unrelated event %s', (name) => {
    expect(matchesPattern(START_INSTANCES_PATTERN, event(name))).toBe(false);
  });
});

describe('matchesPattern follows EventBridge semantics', () => {
  const e = { source: 'aws.ec2', detail: { items: [{ id: 'a' }, { id: 'b' }], tags: ['x', 'y'], code: 'Client.Unauthorized', n: 0 } };

  it('a list of values matches when any value matches; every field must match', () => {
    expect(matchesPattern({ source: ['aws.s3', 'aws.ec2'] }, e)).toBe(true);
    expect(matchesPattern({ source: ['aws.ec2'], detail: { n: [1] } }, e)).toBe(false);
  });

  it('an array in the event matches when any element matches, also for objects', () => {
    expect(matchesPattern({ detail: { tags: ['y'] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { items: { id: ['b'] } } }, e)).toBe(true);
    expect(matchesPattern({ detail: { items: { id: ['c'] } } }, e)).toBe(false);
  });

  it('supports prefix, exists and anything-but', () => {
    expect(matchesPattern({ detail: { code: [{ prefix: 'Client.' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { errorCode: [{ exists: false }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { code: [{ exists: true }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { code: [{ 'anything-but': ['Client.Unauthorized'] }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ prefix: 'a' }] } }, e)).toBe(false);
  });
});
