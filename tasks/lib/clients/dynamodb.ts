import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withHooks } from '../client-hooks';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createDynamoDbClient = (): DynamoDBClient => withHooks(new DynamoDBClient({}), 'dynamodb');
