import { DescribeImagesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { awsErrorName } from '../../lib/errors';
import { defaultOsUser } from './schema';

/** The AMI's default login (the AMI may be gone: ec2-user). */
export async function amiUser(client: EC2Client, imageId: string | undefined): Promise<string> {
  if (!imageId) return defaultOsUser(undefined);
  const image = await client.send(new DescribeImagesCommand({ ImageIds: [imageId] })).then((o) => o.Images?.[0], (error: unknown) => {
    if (/^InvalidAMIID\./.test(awsErrorName(error) ?? '')) return undefined;
    throw error;
  });
  return defaultOsUser(image);
}

/** Whether SSM can run a command there now: registered, agent Online, Linux (AWS-RunShellScript). */
export async function ssmManaged(client: SSMClient, instanceId: string): Promise<boolean> {
  const out = await client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
  return (out.InstanceInformationList ?? []).some((i) => i.InstanceId === instanceId && i.PingStatus === 'Online' && i.PlatformType === 'Linux');
}
