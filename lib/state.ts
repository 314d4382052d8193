/**
 * State: the jobs table (the API's single-table design: string keys pk/sk, TTL attribute `ttl`) and the
 * results bucket (the results format of core/results-format.ts under results/<account>/<job>/).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { OWED_INDEX } from '../adapters/dynamodb-job-store.js';

/** Results stay readable for 7 days after completion, like Rekognition's. */
export const RESULTS_RETENTION_DAYS = 7;
/** Results are written under this prefix: results/<accountId>/<jobId>/manifest.json, ... */
export const RESULTS_PREFIX = 'results/';

export interface PeoplePathingStateProps {
  /** DESTROY (`-c removalPolicy=destroy`): the buckets are emptied and deleted with the stack. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

export class PeoplePathingState extends Construct {
  readonly table: dynamodb.Table;
  readonly resultsBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: PeoplePathingStateProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;

    this.table = new dynamodb.Table(this, 'Jobs', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: false,
      removalPolicy,
    });
    // The notification outbox (doc 0017): only jobs whose completion message is still owed carry `owed`, so the
    // reconciler queries this sparse index instead of scanning the table.
    this.table.addGlobalSecondaryIndex({
      indexName: OWED_INDEX,
      partitionKey: { name: 'owed', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'notificationAt', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the results bucket; logging it into itself would loop.',
    });

    this.resultsBucket = new s3.Bucket(this, 'Results', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'results-bucket/',
      lifecycleRules: [
        { id: 'expire-results', expiration: Duration.days(RESULTS_RETENTION_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
      autoDeleteObjects,
    });
  }
}
