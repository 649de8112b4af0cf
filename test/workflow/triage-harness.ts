import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A real-format CloudTrail StartInstances event (test/fixtures/cloudtrail) naming the given instances. */
export function startInstancesEvent(fixture: string, instanceIds: string[], overrides: { issuerRoleArn?: string; eventId?: string } = {}) {
  const event = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'cloudtrail', `${fixture}.json`), 'utf8'));
  const items = instanceIds.map((instanceId) => ({ instanceId }));
  event.detail.requestParameters.instancesSet.items = items;
  if (event.detail.responseElements) {
    event.detail.responseElements.instancesSet.items = items.map((i) => ({ ...i, currentState: { code: 0, name: 'pending' }, previousState: { code: 80, name: 'stopped' } }));
  }
  if (overrides.issuerRoleArn) event.detail.userIdentity.sessionContext.sessionIssuer.arn = overrides.issuerRoleArn;
  if (overrides.eventId) event.detail.eventID = overrides.eventId;
  return event;
}
