import { CreateTableCommand, DynamoDBClient, type AttributeDefinition, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadBucketCommand, S3Client, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { CreateTopicCommand, GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { LOCAL_ACCOUNT } from './account';
import type { OwnedResource } from './definition';

/** The errors each create answers when the resource is already there (a second `local up`, a second demo step). */
const ALREADY_THERE = /BucketAlreadyOwnedByYou|BucketAlreadyExists|ResourceAlreadyExistsException|EntityAlreadyExists|ResourceInUseException/;

export interface CreatedResource {
  resource: OwnedResource;
  /** false when it was already there. */
  created: boolean;
}

/**
 * Creates in the emulator (the SDK's AWS_ENDPOINT_URL) what the deployed stack would own, as
 * local/definition.ts names it; what is already there is left as it is. One function for the
 * demo and `remediate local up`, so both give the workflows the same account.
 */
export async function createStackResources(resources: OwnedResource[], region: string): Promise<CreatedResource[]> {
  const s3 = new S3Client({ region, forcePathStyle: true });
  const logs = new CloudWatchLogsClient({ region });
  const sns = new SNSClient({ region });
  const iam = new IAMClient({ region });
  const alreadyThere = (what: string) => Object.assign(new Error(`${what} exists`), { name: 'ResourceAlreadyExistsException' });
  const create = async (resource: OwnedResource): Promise<unknown> => {
    switch (resource.kind) {
      case 'bucket':
        // In us-east-1 CreateBucket of one's own bucket succeeds again: ask first, to report it as it is.
        if (await s3.send(new HeadBucketCommand({ Bucket: resource.name })).then(() => true, () => false)) throw alreadyThere(resource.name);
        return s3.send(new CreateBucketCommand({
          Bucket: resource.name,
          // us-east-1 takes no location constraint; every other region requires its own.
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }));
      case 'log-group': return logs.send(new CreateLogGroupCommand({ logGroupName: resource.name }));
      case 'topic': {
        // CreateTopic answers an existing topic as if it were new: ask first, to report it as it is.
        const arn = `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:${resource.name}`;
        if (await sns.send(new GetTopicAttributesCommand({ TopicArn: arn })).then(() => true, () => false)) throw alreadyThere(arn);
        return sns.send(new CreateTopicCommand({ Name: resource.name }));
      }
      case 'role': return iam.send(new CreateRoleCommand({ RoleName: resource.name, AssumeRolePolicyDocument: resource.trustPolicy }));
      case 'table': {
        return new DynamoDBClient({ region }).send(new CreateTableCommand({
          TableName: resource.name, KeySchema: resource.keySchema as KeySchemaElement[], AttributeDefinitions: resource.attributeDefinitions as AttributeDefinition[], BillingMode: 'PAY_PER_REQUEST',
        }));
      }
    }
  };
  const results: CreatedResource[] = [];
  for (const resource of resources) {
    try {
      await create(resource);
      results.push({ resource, created: true });
    } catch (error) {
      if (!ALREADY_THERE.test((error as Error).name)) throw new Error(`creating ${resource.kind} ${resource.name} in the emulator: ${(error as Error).message}`);
      results.push({ resource, created: false });
    }
  }
  return results;
}
