import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withHooks } from '../client-hooks';
import { SDK_RETRY } from './retry';

/** One file per service, so a bundle loads only the SDK clients its handler uses. */
export const createDynamoDbClient = (): DynamoDBClient => withHooks(new DynamoDBClient({ ...SDK_RETRY }), 'dynamodb');
