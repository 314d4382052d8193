/**
 * The whole service in one stack, composed of constructs: state (table, results bucket), the tracker
 * (Batch on GPU, or Fargate), the workflow, the API and its monitoring. Settings: lib/config.ts.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicies, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PeoplePathingApi, STAGE_NAME } from './api.js';
import { acknowledgeWildcards } from './nag.js';
import { wafEnabled } from './config.js';
import type { PeoplePathingConfig } from './config.js';
import { AppFunction } from './functions.js';
import { PeoplePathingMonitoring, TRACKER_SERVICE, WORKFLOW_SERVICE } from './monitoring.js';
import { PeoplePathingState, RESULTS_PREFIX } from './state.js';
import { NEVER_STARTED_LIMIT, TrackerBatch } from './tracker-batch.js';
import { TrackerFargate } from './tracker-fargate.js';
import { TrackerImage } from './tracker-image.js';
import { PeoplePathingWorkflow } from './workflow.js';
import { SEGMENTS_JOB_TAG } from './segmented-workflow.js';
import { minSplitSeconds, PLAN_FILE } from '../core/segment-protocol.js';
import { KEYS_KMS_KEY_OUTPUT, KEYS_TABLE_OUTPUT, KEY_PURPOSE } from '../core/auth/keys.js';
import { OWED_INDEX } from '../adapters/dynamodb-job-store.js';

/** The stateful resource types `cdk destroy` keeps by default (doc/operations.md, Teardown). */
export const STATEFUL_TYPES = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::KMS::Key'];

/**
 * One removal policy for every stateful resource of the stack (`-c removalPolicy`): RETAIN by default, so a
 * `cdk destroy` never deletes results, job records, logs or the keys that decrypt them; DESTROY for throwaway stacks,
 * with KMS keys given the shortest pending window (7 days, AWS's minimum).
 */
function applyRemovalPolicy(stack: Stack, policy: RemovalPolicy): void {
  RemovalPolicies.of(stack).apply(policy, { applyToResourceTypes: STATEFUL_TYPES });
  if (policy !== RemovalPolicy.DESTROY) return;
  for (const c of stack.node.findAll()) if (c instanceof kms.CfnKey) c.pendingWindowInDays = 7;
}

/** At most this many segments (GPU jobs) for one long video: what the split used before the GPU limit grew to 20 jobs. */
export const MAX_SEGMENTS_PER_JOB = 4;

export interface PeoplePathingStackProps extends StackProps {
  readonly config: PeoplePathingConfig;
}

/** s3:GetObject(Version) on the objects of the configured input buckets — nothing else is readable. */
export function inputObjectArns(stack: Stack, buckets: string[]): string[] {
  return buckets.map((b) => stack.formatArn({ service: 's3', region: '', account: '', resource: b, resourceName: '*' }));
}

export class PeoplePathingStack extends Stack {
  readonly state: PeoplePathingState;
  readonly api: PeoplePathingApi;
  readonly workflow: PeoplePathingWorkflow;
  readonly batch?: TrackerBatch;
  readonly fargate?: TrackerFargate;

  constructor(scope: Construct, id: string, props: PeoplePathingStackProps) {
    super(scope, id, props);
    const { config } = props;

    // Network for the tracker: public subnets only (no NAT to pay for), no inbound rules; S3 and DynamoDB
    // traffic stays on gateway endpoints.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 3,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogsGroup', { retention: logs.RetentionDays.ONE_MONTH })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    // No partition is written into the template: ARNs are built with the partition the stack is deployed in
    // (aws, aws-cn, aws-us-gov). Topic patterns configured as arn:aws:... are read in that partition too.
    const topicArns = config.notificationTopicArns.map((t) => t.replace(/^arn:aws:/, `arn:${this.partition}:`));

    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.state = new PeoplePathingState(this, 'State', { removalPolicy });
    const { table, resultsBucket } = this.state;
    const inputObjects = inputObjectArns(this, config.inputBuckets);

    // The tracker's role: read input videos, write results, report progress on the job record.
    const trackerRole = new iam.Role(this, 'TrackerRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'people-pathing tracker container: reads input videos, writes results, updates job progress',
    });
    trackerRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: inputObjects }));
    trackerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`)] }),
    );
    trackerRole.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [table.tableArn] }));

    // Readers of results/ get s3:ListBucket too, limited to that prefix: without it S3 answers a missing key (the
    // failure.json a reclaimed container never wrote, a segment's output) with 403 AccessDenied instead of 404 NoSuchKey.
    const readResults = (reader: iam.IGrantable) => {
      reader.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`)] }),
      );
      reader.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [resultsBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${RESULTS_PREFIX}*`] } },
        }),
      );
    };
    // Long videos in segments (doc/architecture/0014-segmented-tracking.md): as many segments as GPU jobs can run
    // at once (one xlarge instance, 4 vCPUs, per job); 1 turns it off.
    // Capped: the GPU limit is sized for many concurrent jobs (config maxGpuJobs), and one long video must not take it all.
    const segmentParallelism = config.compute === 'gpu' ? Math.min(MAX_SEGMENTS_PER_JOB, Math.floor(config.maxVcpus / 4)) : 1;
    // AWS_REGION explicitly: ECS on EC2 (the Batch path) does not reliably inject it, and the SDK clients need it.
    const trackerEnvironment: Record<string, string> = {
      AWS_REGION: this.region,
      JOBS_TABLE: table.tableName,
      RESULTS_BUCKET: resultsBucket.bucketName,
      POWERTOOLS_SERVICE_NAME: TRACKER_SERVICE,
    };
    // The plan is made by the PlanSegments Lambda before any GPU instance starts (doc 0020); its settings.
    const splitEnvironment: Record<string, string> = {
      TRACKER_SEGMENT_PARALLELISM: String(segmentParallelism),
      // Shorter videos run as one job: a split would cost more instance starts than it saves (doc 0020).
      TRACKER_SEGMENT_MIN_SECONDS: String(config.segmentMinSeconds ?? minSplitSeconds(segmentParallelism)),
    };
    if (segmentParallelism > 1) {
      // Array children read the plan the first run wrote, and a child whose video fails stops its siblings.
      readResults(trackerRole);
      // TerminateJob supports only the `job` resource type (ids made at submit) and aws:ResourceTag: only this stack's
      // segments array jobs, which the workflow tags at submit (lib/segmented-workflow.ts), never another job.
      trackerRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['batch:TerminateJob'],
          resources: [this.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
          conditions: { StringEquals: { [`aws:ResourceTag/${SEGMENTS_JOB_TAG}`]: this.stackName } },
        }),
      );
    }
    const image = new TrackerImage(this, 'TrackerImage', { modelsMirror: config.modelsMirror });
    let trackerLogGroup: logs.ILogGroup;
    if (config.compute === 'gpu') {
      this.batch = new TrackerBatch(this, 'Tracker', {
        vpc,
        image,
        instanceTypes: config.gpuInstanceTypes,
        spot: config.spot,
        onDemandFallback: config.onDemandFallback,
        maxVcpus: config.maxVcpus,
        jobRole: trackerRole,
        environment: trackerEnvironment,
      });
      trackerLogGroup = this.batch.logGroup;
    } else {
      this.fargate = new TrackerFargate(this, 'TrackerCpu', { vpc, image, taskRole: trackerRole, environment: trackerEnvironment });
      trackerLogGroup = this.fargate.logGroup;
    }

    // Workflow Lambdas: thin wrappers around core's job lifecycle.
    // The one stable publisher role (doc/architecture/0020-roles-and-segment-cost.md): the Lambdas that publish or
    // check a NotificationChannel assume it, and only it assumes callers' roles — which name it in their trust
    // policies, with sts:ExternalId = the caller's account. A fixed name, so its ARN survives stack updates.
    const publisherRole = new iam.Role(this, 'PublisherRole', {
      roleName: `${this.stackName.slice(0, 30)}-publisher-${this.region}`,
      assumedBy: new iam.AccountPrincipal(this.account),
      maxSessionDuration: Duration.hours(1),
      description: "people-pathing: assumes callers' NotificationChannel roles (sts:ExternalId = the caller's account) to publish completions",
    });
    // In IAM mode only principals of this account and allowedAccounts can call the API, and a caller may name only
    // a role of its own account or an allowed one: the role ARNs are scoped to those accounts. In keys mode a key
    // may be issued for any account, so any account's roles; the trust policy and the ExternalId the code sets
    // (the caller's authenticated account) are what constrain it there (doc 0020).
    const roleAccounts = config.apiAuth === 'iam' ? [this.account, ...config.allowedAccounts] : ['*'];
    publisherRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: roleAccounts.map((account) => this.formatArn({ service: 'iam', region: '', account, resource: 'role', resourceName: '*' })),
      }),
    );
    const workflowEnv = {
      JOBS_TABLE: table.tableName,
      RESULTS_BUCKET: resultsBucket.bucketName,
      NOTIFICATION_TOPIC_ALLOW_LIST: topicArns.join(','),
      ALLOWED_ACCOUNTS: config.allowedAccounts.join(','),
      PUBLISHER_ROLE_ARN: publisherRole.roleArn,
    };
    const workflowFn = (id: string, entry: string, description: string) =>
      new AppFunction(this, id, { entry, description, serviceName: WORKFLOW_SERVICE, environment: workflowEnv }).fn;
    const prepareFn = workflowFn('PrepareFn', 'lambdas/workflow/prepare.ts', 'people-pathing: check the job is still IN_PROGRESS and name its results prefix');
    const completeFn = workflowFn('CompleteFn', 'lambdas/workflow/complete.ts', 'people-pathing: mark the job SUCCEEDED with its VideoMetadata and notify');
    const handleFailureFn = workflowFn(
      'HandleFailureFn',
      'lambdas/workflow/handle-failure.ts',
      'people-pathing: retry a reclaimed tracker run, or mark the job FAILED with a StatusMessage and notify',
    );
    for (const fn of [prepareFn, completeFn, handleFailureFn]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
    }
    const publishers: lambda.Function[] = [];
    const allowNotifications = (fn: lambda.Function) => {
      // Rekognition's model: publish as the caller's RoleArn, through the publisher role (the only role this one
      // may assume), else as this role to allow-listed topics only (doc 0001, doc 0020).
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [publisherRole.roleArn] }));
      publishers.push(fn);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topicArns }));
    };
    for (const fn of [completeFn, handleFailureFn]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }));
      allowNotifications(fn);
    }
    // Complete reads the manifest the tracker wrote; HandleFailure reads the tracker's failure.json.
    for (const fn of [completeFn, handleFailureFn]) readResults(fn);

    let segments: { planFn: lambda.IFunction; stitchFn: lambda.IFunction } | undefined;
    if (this.batch && segmentParallelism > 1) {
      // PlanSegments reads only the MP4 header of the caller's video (ranged GetObject, ExpectedBucketOwner = the
      // job's account) and writes only segments/plan.json under the results prefix. moov of a 6 h file: tens of MB.
      const planFn = new AppFunction(this, 'PlanSegmentsFn', {
        entry: 'lambdas/workflow/plan-segments.ts',
        description: "people-pathing: cut a long video into segments from its MP4 header, before any GPU instance starts",
        serviceName: WORKFLOW_SERVICE,
        environment: { ...workflowEnv, ...splitEnvironment },
        memorySize: 1024,
        timeout: Duration.minutes(2),
      }).fn;
      planFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: inputObjects }));
      planFn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [resultsBucket.arnForObjects(`${RESULTS_PREFIX}*/${PLAN_FILE}`)] }),
      );
      // The stitch of a 6 h video (2 M detections) measured 7 s and 383 MB; the results files go through /tmp.
      const stitch = new AppFunction(this, 'StitchFn', {
        entry: 'lambdas/workflow/stitch.ts',
        description: "people-pathing: stitch the segments' persons into the job's results",
        serviceName: WORKFLOW_SERVICE,
        environment: workflowEnv,
        memorySize: 2048,
        timeout: Duration.minutes(15),
      });
      (stitch.fn.node.defaultChild as lambda.CfnFunction).ephemeralStorage = { size: 10240 };
      const stitchFn = stitch.fn;
      readResults(stitchFn);
      stitchFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [resultsBucket.arnForObjects(`${RESULTS_PREFIX}*`)] }));
      // HandleFailure asks Batch why a segments array job's children failed (a Spot reclaim is resubmitted);
      // ListJobs has no resource-level permissions.
      handleFailureFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:ListJobs'], resources: ['*'] }));
      segments = { planFn, stitchFn };
    }

    this.workflow = new PeoplePathingWorkflow(this, 'Workflow', {
      prepareFn,
      completeFn,
      handleFailureFn,
      batch: this.batch,
      fargate: this.fargate,
      vpc,
      ...(segments ? { segments } : {}),
    });

    if (segments) {
      // SubmitJob with tags (the segments array job's SEGMENTS_JOB_TAG) needs batch:TagResource on the new job.
      this.workflow.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['batch:TagResource'],
          resources: [this.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
          conditions: { StringEquals: { [`aws:RequestTag/${SEGMENTS_JOB_TAG}`]: this.stackName } },
        }),
      );
    }

    // The reconciler (lambdas/workflow/reconcile.ts, core/jobs/reconcile.ts): every 10 minutes, an IN_PROGRESS job
    // that nothing runs — admitted but never launched, or whose execution ended without finishing it — is launched
    // again or failed and notified. Scan finds the IN_PROGRESS jobs (the table holds 7 days of jobs, doc 0009).
    const stateMachineArn = this.workflow.stateMachine.stateMachineArn;
    const reconcileFn = new AppFunction(this, 'ReconcileFn', {
      entry: 'lambdas/workflow/reconcile.ts',
      description: 'people-pathing: launch jobs that were admitted but never launched; fail jobs whose workflow ended without finishing them',
      serviceName: WORKFLOW_SERVICE,
      timeout: Duration.minutes(5),
      environment: {
        ...workflowEnv,
        STATE_MACHINE_ARN: stateMachineArn,
        // GPU path: the reconciler also reports whether the compute environment can run jobs (an alarm watches it).
        ...(this.batch
          ? {
              COMPUTE_ENVIRONMENT: this.batch.computeEnvironment.computeEnvironmentArn,
              // A job still queued this long is looked up in JOB_QUEUE: failed only if Batch says it cannot be placed.
              NEVER_STARTED_AFTER_SECONDS: String(NEVER_STARTED_LIMIT.toSeconds()),
              JOB_QUEUE: this.batch.jobQueue.jobQueueArn,
            }
          : {}),
      },
    }).fn;
    if (this.batch) {
      // DescribeComputeEnvironments and ListJobs (why a queued job waits) have no resource-level permissions.
      reconcileFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeComputeEnvironments', 'batch:ListJobs'], resources: ['*'] }));
    }
    reconcileFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [table.tableArn] }));
    // The notification outbox: owed notifications from their sparse index (doc 0017).
    reconcileFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${OWED_INDEX}`] }));
    reconcileFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }));
    reconcileFn.addToRolePolicy(
      new iam.PolicyStatement({
        // StopExecution (GPU path): a job whose tracker never left the Batch queue (doc 0012).
        actions: this.batch ? ['states:DescribeExecution', 'states:StopExecution'] : ['states:DescribeExecution'],
        resources: [
          this.formatArn({
            service: 'states',
            resource: 'execution',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            resourceName: `${this.workflow.stateMachine.stateMachineName}:*`,
          }),
        ],
      }),
    );
    allowNotifications(reconcileFn);
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'people-pathing: reconcile jobs left IN_PROGRESS with nothing running them',
      schedule: events.Schedule.rate(Duration.minutes(10)),
      targets: [new targets.LambdaFunction(reconcileFn, { retryAttempts: 0 })],
    });

    // The API Lambda (lambdas/api/handler.ts).
    const paginationSecret = new secretsmanager.Secret(this, 'PaginationKey', {
      description: 'people-pathing: HMAC key of GetPersonTracking NextToken values',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(paginationSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the pagination HMAC key would invalidate NextToken values in flight; it protects no data by itself (tokens are also bound to account and job).',
    });
    const apiFn = new AppFunction(this, 'ApiFn', {
      entry: 'lambdas/api/handler.ts',
      description: 'people-pathing: StartPersonTracking / GetPersonTracking (AWS JSON 1.1)',
      serviceName: 'people-pathing-api',
      memorySize: 1024,
      timeout: Duration.seconds(29),
      environment: {
        JOBS_TABLE: table.tableName,
        RESULTS_BUCKET: resultsBucket.bucketName,
        STATE_MACHINE_ARN: this.workflow.stateMachine.stateMachineArn,
        CONCURRENT_JOB_LIMIT: String(config.concurrentJobLimit),
        PAGINATION_SECRET_ARN: paginationSecret.secretArn,
        NOTIFICATION_TOPIC_ALLOW_LIST: topicArns.join(','),
        ALLOWED_ACCOUNTS: config.allowedAccounts.join(','),
        PUBLISHER_ROLE_ARN: publisherRole.roleArn,
      },
    }).fn;
    apiFn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] }),
    );
    // HeadObject of the caller's video (InvalidS3ObjectException at Start) needs s3:GetObject(Version).
    apiFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: inputObjects }));
    readResults(apiFn);
    apiFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [this.workflow.stateMachine.stateMachineArn] }));
    paginationSecret.grantRead(apiFn);
    // A job whose workflow cannot be launched is failed at once, and notified like any completion.
    allowNotifications(apiFn);

    if (config.apiAuth === 'keys') {
      // Issued access keys (doc 0011): one item per key, the secret encrypted under this stack's KMS key with an
      // encryption context naming the key id and account. The API Lambda only reads and decrypts; operators manage
      // keys with `people-pathing keys --stack` under their own IAM permissions.
      const keysKmsKey = new kms.Key(this, 'AccessKeysKey', {
        enableKeyRotation: true,
        description: 'people-pathing: encrypts the secrets of issued API access keys',
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const keysTable = new dynamodb.Table(this, 'AccessKeys', {
        partitionKey: { name: 'AccessKeyId', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      apiFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [keysTable.tableArn] }));
      apiFn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [keysKmsKey.keyArn],
          conditions: { StringEquals: { 'kms:EncryptionContext:purpose': KEY_PURPOSE } },
        }),
      );
      apiFn.addEnvironment('API_AUTH', 'keys');
      apiFn.addEnvironment('KEYS_TABLE', keysTable.tableName);
      apiFn.addEnvironment('KEYS_KMS_KEY_ARN', keysKmsKey.keyArn);
      new CfnOutput(this, KEYS_TABLE_OUTPUT, { value: keysTable.tableName, description: 'Issued access keys (people-pathing keys --stack)' });
      new CfnOutput(this, KEYS_KMS_KEY_OUTPUT, { value: keysKmsKey.keyArn, description: 'KMS key of the access key secrets' });
    }

    this.api = new PeoplePathingApi(this, 'Api', {
      handler: apiFn,
      allowedAccounts: config.allowedAccounts,
      throttleRateLimit: config.throttleRateLimit,
      throttleBurstLimit: config.throttleBurstLimit,
      auth: config.apiAuth,
      ...(wafEnabled(config) ? { wafRateLimit: config.wafRateLimit } : {}),
    });

    new PeoplePathingMonitoring(this, 'Monitoring', {
      api: this.api.api,
      apiFunction: apiFn,
      reconcileFunction: reconcileFn,
      stateMachine: this.workflow.stateMachine,
      trackerLogGroup,
      jobQueue: this.batch?.jobQueue,
      alarmEmail: config.alarmEmail,
    });

    applyRemovalPolicy(this, removalPolicy);

    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    acknowledgeWildcards(this, [
      {
        match: /^Resource::<StateResults[0-9A-F]{8}\.Arn>\/results\/\*$/,
        reason: 'Result files live under results/<account>/<job>/ and job ids are not known at deploy time; only that prefix of the results bucket is granted.',
      },
      {
        match: /^Resource::<StateResults[0-9A-F]{8}\.Arn>\/results\/\*\/segments\/plan\.json$/,
        reason: "PlanSegments writes only each job's segments/plan.json (results/<account>/<job>/ is made per job).",
      },
      ...config.inputBuckets.map((b) => ({
        match: new RegExp(`^Resource::arn:<AWS::Partition>:s3:::${escape(b)}/\\*$`),
        reason: 'Videos are any object of a configured input bucket (context inputBuckets); callers choose the keys.',
      })),
      ...config.notificationTopicArns.map((t) => ({
        match: new RegExp(`^Resource::${escape(t).replace(/^arn:aws:/, 'arn:<AWS::Partition>:')}$`),
        reason: 'Allow-list of caller topics the service may publish completion messages to with its own role (context notificationTopicArns).',
      })),
      {
        match: /^Resource::\*$/,
        reason: 'X-Ray trace upload, ECR GetAuthorizationToken, CloudWatch Logs delivery and Batch DescribeJobs/ListJobs/DescribeComputeEnvironments actions have no resource-level permissions (enforced by the IAM test in test/unit/lib-stack.test.ts).',
      },
      {
        match: /^Resource::<(Prepare|Complete|HandleFailure|PlanSegments|Stitch)Fn[A-Za-z0-9]+\.Arn>:\*$/,
        reason: 'Step Functions invokes the workflow Lambdas by ARN and any version/alias qualifier (LambdaInvoke default grant).',
      },
      {
        match: /^Resource::arn:<AWS::Partition>:states:[^:]+:(<AWS::AccountId>|[0-9]{12}):execution:<WorkflowStateMachine[0-9A-F]{8}\.Name>:\*$/,
        reason: "The reconciler looks up each job's execution, named after its JobId, which is not known at deploy time; only executions of this state machine are granted.",
      },
      {
        match: /^Resource::arn:<AWS::Partition>:batch:[^:]+:(<AWS::AccountId>|[0-9]{12}):job-definition\/\*$/,
        reason: 'batch:SubmitJob is granted on job definitions of this account and region so every revision of the tracker job definition can be submitted (BatchSubmitJob grant).',
      },
      {
        match: /^Resource::arn:<AWS::Partition>:batch:[^:]+:(<AWS::AccountId>|[0-9]{12}):job\/\*$/,
        reason:
          "Batch jobs of this account and region (ids are made at submit time; `job` is the only resource type): Step Functions terminates the Batch job of a stopped or timed-out execution; the tracker's TerminateJob and the workflow's TagResource are further limited to jobs tagged people-pathing-stack=<this stack> (aws:ResourceTag / aws:RequestTag).",
      },
      {
        match: /TrackerCpuTask[0-9A-F]{8}.*:\*\]?$/,
        reason: 'ecs:RunTask on every revision of the tracker task definition (EcsRunTask grant).',
      },
    ]);
    // The publisher role trusts exactly the Lambda roles that publish or check a channel (set here, once they all
    // exist; the constructor's principal is only a placeholder CDK requires).
    (publisherRole.node.defaultChild as iam.CfnRole).assumeRolePolicyDocument = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: publishers.map((f) => new iam.ArnPrincipal(f.role!.roleArn)) }),
      ],
    });
    // Only the publisher role assumes callers' roles; customers' role names are not known at deploy time.
    acknowledgeWildcards(publisherRole, [
      {
        match: /^Resource::arn:<AWS::Partition>:iam::(<AWS::AccountId>|[0-9]{12}):role\/\*$/,
        reason:
          "NotificationChannel.RoleArn: a role of this account or of an allowedAccounts account, whose names are the callers' choice; it is assumed only if its trust policy names this role with sts:ExternalId = the caller's account (doc 0020).",
      },
      ...(config.apiAuth === 'keys'
        ? [
            {
              match: /^Resource::arn:<AWS::Partition>:iam::\*:role\/\*$/,
              reason:
                "Keys mode: keys are issued for any account, so a caller's own role may be in any account; it is assumed only if its trust policy names this role with sts:ExternalId = the caller's authenticated account (doc 0020).",
            },
          ]
        : []),
    ]);
    Validations.of(this.api.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level CloudWatch role uses the managed policy AWS documents for it; it only lets API Gateway write its logs.",
    });

    new CfnOutput(this, 'Endpoint', {
      value: this.api.api.urlForPath('/'),
      description:
        config.apiAuth === 'keys'
          ? 'Rekognition endpoint URL for callers (AWS_ENDPOINT_URL_REKOGNITION; sign with an issued key, service rekognition)'
          : 'Rekognition endpoint URL for callers (sign with service name execute-api)',
    });
    if (config.apiAuth === 'iam') {
      new CfnOutput(this, 'InvokeArn', {
        value: this.api.api.arnForExecuteApi('POST', '/*', STAGE_NAME),
        description: 'Resource for the callers\' IAM policy (execute-api:Invoke); also add the same ARN without "/*" for POST /',
      });
    }
    new CfnOutput(this, 'NotificationPublisherRole', {
      value: publisherRole.roleArn,
      description: "Trust it in NotificationChannel.RoleArn roles, with sts:ExternalId = the caller's account id (doc/deploy.md)",
    });
    new CfnOutput(this, 'NotificationPublisherRoles', {
      value: [completeFn, handleFailureFn, apiFn, reconcileFn].map((f) => f.role?.roleArn ?? '').join(','),
      description: 'Roles that publish completion messages as the service to allow-listed topics: allow them in those topic policies',
    });
    new CfnOutput(this, 'VideoReaderRoles', {
      value: [apiFn.role?.roleArn ?? '', trackerRole.roleArn].join(','),
      description: 'Roles that read input videos (HeadObject at Start, GetObject in the tracker): grant them in cross-account bucket policies',
    });
    new CfnOutput(this, 'ResultsBucket', { value: resultsBucket.bucketName });
    new CfnOutput(this, 'JobsTable', { value: table.tableName });
    new CfnOutput(this, 'StateMachine', { value: this.workflow.stateMachine.stateMachineArn });
  }
}
