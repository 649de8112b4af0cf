import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export type StackTableProps = Pick<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'removalPolicy'>;

/**
 * A table the stack owns (the lock, case records), as every one of them is: on demand, point-in-time
 * recovery, encrypted. The construct id is `Table`, inside the caller's own construct.
 */
export function stackOwnedTable(scope: Construct, props: StackTableProps): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    ...props,
  });
}
