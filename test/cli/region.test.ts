import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveRegion } from '../../cli/commands/context';
import { cli } from './cli';
import { SUCCEEDED } from './fixtures';

const sfn = mockClient(SFNClient);
const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };

beforeEach(() => {
  sfn.reset();
  sfn.on(DescribeExecutionCommand).resolves(SUCCEEDED);
});
afterEach(() => Object.assign(process.env, saved));

describe('the region: --region > AWS_REGION > AWS_DEFAULT_REGION > the SDK default', () => {
  it.each([
    ['--region over both variables', { region: 'eu-west-1' }, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }, 'eu-west-1'],
    ['AWS_REGION over AWS_DEFAULT_REGION', {}, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'ap-south-1' }, 'us-west-2'],
    ['AWS_DEFAULT_REGION alone', {}, { AWS_DEFAULT_REGION: 'ap-south-1' }, 'ap-south-1'],
    ['nothing: left to the SDK (the profile)', {}, {}, undefined],
  ])('%s', (_, options, env, expected) => {
    expect(resolveRegion(options, env)).toBe(expected);
  });

  it('refuses what cannot be a region, naming where it came from', () => {
    expect(() => resolveRegion({}, { AWS_DEFAULT_REGION: 'Frankfurt' })).toThrow('AWS_DEFAULT_REGION Frankfurt: expected a region such as us-east-1');
  });

  it('a command against AWS sends to the region of AWS_DEFAULT_REGION when AWS_REGION is unset (the SDK alone would not read it)', async () => {
    delete process.env.AWS_REGION;
    process.env.AWS_DEFAULT_REGION = 'eu-central-1';

    const run = await cli(['status', SUCCEEDED.executionArn], { sfn: undefined });

    expect(run.code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(DescribeExecutionCommand, 1);
    expect(await (sfn.call(0).thisValue as SFNClient).config.region()).toBe('eu-central-1');
  });

  it('--region wins over AWS_REGION for a command against AWS', async () => {
    process.env.AWS_REGION = 'us-west-2';

    await cli(['status', SUCCEEDED.executionArn, '--region', 'ap-northeast-1'], { sfn: undefined });

    expect(await (sfn.call(0).thisValue as SFNClient).config.region()).toBe('ap-northeast-1');
  });

  it('a malformed --region is a usage error before any call', async () => {
    const run = await cli(['history', '--region', 'us_east_1'], { sfn: undefined });

    expect(run).toMatchObject({ code: 2, err: 'remediate: --region us_east_1: expected a region such as us-east-1' });
    expect(sfn.calls()).toHaveLength(0);
  });
});
