import { App, Stack } from 'aws-cdk-lib';
import { contextObject } from '../../infra/kit/context';

const nodeWith = (context: Record<string, unknown>) => new Stack(new App({ context }), 'S').node;

describe('contextObject', () => {
  it('reads an object as cdk.json gives it', () => {
    expect(contextObject(nodeWith({ approval: { subscribers: ['a@example.com'] } }), 'approval')).toEqual({ subscribers: ['a@example.com'] });
  });

  it('parses the JSON string `-c key=value` gives', () => {
    expect(contextObject(nodeWith({ approval: '{"subscribers":["a@example.com"]}' }), 'approval')).toEqual({ subscribers: ['a@example.com'] });
  });

  it('is empty when the key is unset', () => {
    expect(contextObject(nodeWith({}), 'approval')).toEqual({});
  });

  it.each([
    ['text that is not JSON', 'subscribers=a@example.com', 'CDK context approval must be a JSON object, got "subscribers=a@example.com"'],
    ['a JSON list', '["a@example.com"]', 'CDK context approval must be a JSON object, got ["a@example.com"]'],
  ])('stops synthesis with a ConfigurationError on %s', (_case, value, message) => {
    expect(() => contextObject(nodeWith({ approval: value }), 'approval')).toThrow(expect.objectContaining({ name: 'ConfigurationError', message }));
  });
});
