import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handler } from '../../../tasks/config/ensure-service-linked-role';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import { awsError } from '../fixtures';
import { SLR_ARN } from './fixtures';

const iam = mockClient(IAMClient);
const role = { Arn: SLR_ARN, RoleName: 'AWSServiceRoleForConfig', Path: '/aws-service-role/config.amazonaws.com/', RoleId: 'AROA1', CreateDate: new Date() };

beforeEach(() => iam.reset());

describe('ensure-service-linked-role', () => {
  it('uses the existing role without creating one', async () => {
    iam.on(GetRoleCommand).resolves({ Role: role });

    const out = await handler();

    expect(out).toEqual({ roleArn: SLR_ARN, created: false, at: expect.any(String) });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: 'AWSServiceRoleForConfig' });
    expect(iam).toHaveReceivedCommandTimes(CreateServiceLinkedRoleCommand, 0);
  });

  it("creates Config's service-linked role when it is missing", async () => {
    iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException'));
    iam.on(CreateServiceLinkedRoleCommand).resolves({ Role: role });

    const out = await handler();

    expect(out).toEqual({ roleArn: SLR_ARN, created: true, at: expect.any(String) });
    expect(iam).toHaveReceivedCommandWith(CreateServiceLinkedRoleCommand, { AWSServiceName: 'config.amazonaws.com' });
  });

  it('re-run after a lost answer: IAM says the name is taken, so the role is read, not created twice', async () => {
    iam.on(GetRoleCommand).rejectsOnce(awsError('NoSuchEntityException')).resolves({ Role: role });
    iam.on(CreateServiceLinkedRoleCommand).rejects(awsError('InvalidInputException', 'Service role name AWSServiceRoleForConfig has been taken in this account'));

    const out = await handler();

    expect(out).toEqual({ roleArn: SLR_ARN, created: false, at: expect.any(String) });
    expect(iam).toHaveReceivedCommandTimes(CreateServiceLinkedRoleCommand, 1);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 2);
  });

  it('turns AccessDenied into a clear PreconditionFailedError', async () => {
    iam.on(GetRoleCommand).rejects(awsError('NoSuchEntityException'));
    iam.on(CreateServiceLinkedRoleCommand).rejects(awsError('AccessDenied', 'not allowed'));

    await expect(handler()).rejects.toThrow(PreconditionFailedError);
  });

  it('re-throws a transient IAM error with its SDK name', async () => {
    iam.on(GetRoleCommand).rejects(awsError('ServiceUnavailable'));

    await expect(handler()).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });
});
