import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { matchesPattern } from '../../local/event-pattern';
import { FAILED_ATTEMPT_PATTERN } from '../../tasks/alerts/lib/failed-attempts';

const fixtures = path.join(__dirname, '..', 'fixtures', 'cloudtrail-failed');
const event = (name: string) => JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
const MATCHING = ['unauthorized-start-instances', 'access-denied-run-instances', 'unauthorized-modify-instance-attribute'];
const NOT_MATCHING = ['successful-run-instances', 'unauthorized-describe-instances', 'access-denied-s3'];

describe('the refused-EC2-calls rule pattern', () => {
  it('covers every fixture', () => {
    expect(readdirSync(fixtures).map((f) => f.replace('.json', '')).sort()).toEqual([...MATCHING, ...NOT_MATCHING].sort());
  });

  it.each(MATCHING)('matches the real-format refused call %s', (name) => {
    expect(matchesPattern(FAILED_ATTEMPT_PATTERN, event(name))).toBe(true);
  });

  it.each(NOT_MATCHING)('does not match %s (a successful call, a read, another service)', (name) => {
    expect(matchesPattern(FAILED_ATTEMPT_PATTERN, event(name))).toBe(false);
  });

  it.each(['Client.UnauthorizedOperation', 'UnauthorizedOperation', 'AccessDenied', 'Client.AccessDenied', 'AccessDeniedException'])(
    'matches a refused StartInstances whose errorCode is %s', (errorCode) => {
      const e = event('unauthorized-start-instances');
      expect(matchesPattern(FAILED_ATTEMPT_PATTERN, { ...e, detail: { ...e.detail, errorCode } })).toBe(true);
    });

  it.each(['Client.InvalidInstanceID.NotFound', 'Client.UnauthorizedOperationX', 'Server.InternalError'])('does not match errorCode %s', (errorCode) => {
    const e = event('unauthorized-start-instances');
    expect(matchesPattern(FAILED_ATTEMPT_PATTERN, { ...e, detail: { ...e.detail, errorCode } })).toBe(false);
  });
});

describe('matchesPattern: suffix and wildcard, as EventBridge has them', () => {
  const e = { detail: { code: 'Client.UnauthorizedOperation', star: 'a*b', list: ['x.Denied', 'y'] } };

  it('suffix matches the end of a string, and of any element of an array', () => {
    expect(matchesPattern({ detail: { code: [{ suffix: 'UnauthorizedOperation' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { code: [{ suffix: 'Client' }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { list: [{ suffix: '.Denied' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ suffix: 'x' }] } }, e)).toBe(false);
  });

  it('wildcard: * is any run of characters (none too), the rest is literal and anchored, \\* a literal star', () => {
    expect(matchesPattern({ detail: { code: [{ wildcard: '*Unauthorized*' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { code: [{ wildcard: 'Client.*' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { code: [{ wildcard: 'Unauthorized*' }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { code: [{ wildcard: 'Client?Unauthorized*' }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { star: [{ wildcard: 'a\\*b' }] } }, e)).toBe(true);
    expect(matchesPattern({ detail: { star: [{ wildcard: 'a\\*c' }] } }, e)).toBe(false);
    expect(matchesPattern({ detail: { code: [{ wildcard: 'Client.UnauthorizedOperation' }] } }, e)).toBe(true);
  });
});
