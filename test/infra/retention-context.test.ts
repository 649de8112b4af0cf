import { App, Stack } from 'aws-cdk-lib';
import { retentionDays } from '../../infra/kit/context';
import { ENCRYPT_VOLUMES_TASK_SPECS, type EncryptVolumesResources } from '../../infra/workflows/encrypt-volumes';

const scopeWith = (context: Record<string, unknown>) => new Stack(new App({ context }), 'S');

describe('CDK context retention.days', () => {
  it('is 30 days unset, as before it was configurable, and the given number of days when set (cdk.json object or -c JSON)', () => {
    expect(retentionDays(scopeWith({}).node)).toBe(30);
    expect(retentionDays(scopeWith({ retention: { days: 7 } }).node)).toBe(7);
    expect(retentionDays(scopeWith({ retention: '{"days": 90}' }).node)).toBe(90);
  });

  it.each([0, 1.5, -3, '7', 3651])('stops synthesis with a ConfigurationError on days=%p', (days) => {
    expect(() => retentionDays(scopeWith({ retention: { days } }).node)).toThrow(expect.objectContaining({
      name: 'ConfigurationError', message: `CDK context retention.days must be a whole number of days from 1 to 3650, got ${JSON.stringify(days)}`,
    }));
  });

  it.each(['swap-volume', 'cleanup-created'] as const)('reaches encrypt-volumes\' %s, which tags what is retained, as RETAIN_DAYS', (task) => {
    const scope = scopeWith({ retention: { days: 7 } });

    const env = ENCRYPT_VOLUMES_TASK_SPECS[task].environment?.({ scope, resources: {} as EncryptVolumesResources });

    expect(env).toEqual({ RETAIN_DAYS: '7' });
  });
});
