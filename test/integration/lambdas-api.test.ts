/**
 * The API Lambda (middy + Powertools) driven with API Gateway REST proxy events carrying an IAM request
 * context, against the embedded DynamoDB-compatible store (dynalite) and the same job store code as AWS.
 * Step Functions cannot run here, so the launcher is the local worker (the workflow has its own tests);
 * S3 is replaced by local buckets behind the same VideoSource/ResultsStore ports.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { createApiHandler } from '../../lambdas/api/handler.js';
import type { ApiDeps } from '../../core/api/handler.js';
import { PaginationTokens } from '../../core/api/pagination.js';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { LocalBuckets } from '../../cli/local/buckets.js';
import { FileNotifier, LocalResultsStore } from '../../cli/local/adapters.js';
import { LocalWorker } from '../../cli/local/worker.js';
import type { JobRecord, WorkflowLauncher } from '../../core/ports.js';
import { SYNTHETIC_METADATA, SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject } from '../fixtures/api/helpers.js';
import { FakeIam } from '../fixtures/iam-trust-fake.js';
import { notificationSettings } from '../../adapters/sns-notifier.js';
import { StsRoleTrustProbe, publisherSts } from '../../adapters/sts-publisher.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines on stdout in tests
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const VIDEO = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };
let requestCounter = 0;

function proxyEvent(accountId: string | null, target: string, body: unknown, options: { base64?: boolean; path?: string } = {}): APIGatewayProxyEvent {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const requestId = `req-${++requestCounter}`;
  return {
    resource: options.path === '/' ? '/' : '/{proxy+}',
    path: options.path ?? '/',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target, Host: 'abc123.execute-api.eu-west-1.amazonaws.com' },
    multiValueHeaders: { 'Content-Type': ['application/x-amz-json-1.1'], 'X-Amz-Target': [target] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: options.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      accountId: '999999999999', // the API's own account — must NOT be used as the caller
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      path: '/prod/',
      stage: 'prod',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath: '/',
      identity: {
        accountId,
        accessKey: 'ASIAEXAMPLE',
        apiKey: null,
        apiKeyId: null,
        caller: 'AROAEXAMPLE:session',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.1',
        user: 'AROAEXAMPLE:session',
        userAgent: 'aws-sdk-js/3',
        userArn: accountId ? `arn:aws:sts::${accountId}:assumed-role/app/session` : null,
      },
    },
  } as APIGatewayProxyEvent;
}

const context = {
  functionName: 'people-pathing-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:999999999999:function:people-pathing-api',
  memoryLimitInMB: '1024',
  awsRequestId: 'lambda-request',
  logGroupName: '/aws/lambda/people-pathing-api',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 29000,
} as unknown as Context;

describe('API Lambda handler with REST proxy events', () => {
  let dataDir: string;
  let dynamo: EmbeddedDynamo;
  let store: DynamoDbJobStore;
  let worker: LocalWorker;
  let launchFails = false;
  let invoke: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-lambda-');
    const bucketsDir = join(dataDir, 'buckets');
    await putObject(bucketsDir, 'videos', 'clip.mp4');
    await mkdir(join(dataDir, 'results'), { recursive: true });
    dynamo = await startEmbeddedDynamo();
    await createJobsTable(dynamo.client, 'jobs-table');
    store = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs-table' });
    const notifications = new FileNotifier(join(dataDir, 'notifications.ndjson'));
    const notifierFor = (accountId: string) => notifications.forAccount(accountId);
    const buckets = new LocalBuckets(bucketsDir);
    worker = new LocalWorker({ store, notifierFor, processor: new SyntheticProcessor({ detections: 1500 }), buckets, resultsRoot: join(dataDir, 'results') });
    const launcher: WorkflowLauncher = {
      launch: (job: JobRecord) => (launchFails ? Promise.reject(new Error('states:StartExecution AccessDenied arn:aws:states:secret')) : worker.launch(job)),
    };
    const deps: ApiDeps = {
      store,
      videoSource: buckets,
      launcher,
      results: new LocalResultsStore(),
      notifierFor,
      tokens: new PaginationTokens('a-test-secret-of-enough-length'),
      concurrentJobLimit: 20,
    };
    const handler = createApiHandler(async () => deps, {
      logger: new Logger({ serviceName: 'test' }),
      tracer: new Tracer({ serviceName: 'test', enabled: false }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    });
    invoke = (event) => handler(event, context);
  });

  afterAll(async () => {
    await worker?.close();
    await dynamo?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const body = (r: APIGatewayProxyResult) => JSON.parse(r.body) as Record<string, unknown>;

  it('starts and pages a job for the IAM caller account, with RequestId from API Gateway', async () => {
    const start = await invoke(proxyEvent('111111111111', 'RekognitionService.StartPersonTracking', { Video: VIDEO, JobTag: 'lambda' }));
    expect(start.statusCode).toBe(200);
    expect(start.headers).toMatchObject({ 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': `req-${requestCounter}` });
    const jobId = body(start).JobId as string;
    expect(jobId).toMatch(/^[0-9a-f]{64}$/);
    // The job belongs to the caller's account, not to the API's own account in requestContext.accountId.
    expect((await store.getJob('111111111111', jobId))?.jobTag).toBe('lambda');
    expect(await store.getJob('999999999999', jobId)).toBeUndefined();

    await worker.idle();
    const first = await invoke(proxyEvent('111111111111', 'RekognitionService.GetPersonTracking', { JobId: jobId, SortBy: 'INDEX' }, { base64: true, path: '/prod' }));
    expect(first.statusCode).toBe(200);
    const page1 = body(first);
    expect(page1).toMatchObject({ JobStatus: 'SUCCEEDED', VideoMetadata: SYNTHETIC_METADATA, JobId: jobId, JobTag: 'lambda', Video: VIDEO });
    expect(page1.Persons).toHaveLength(1000);
    const second = body(
      await invoke(proxyEvent('111111111111', 'RekognitionService.GetPersonTracking', { JobId: jobId, SortBy: 'INDEX', NextToken: page1.NextToken })),
    );
    expect(second.Persons).toHaveLength(500);
    expect(second.NextToken).toBeUndefined();
    expect(second.VideoMetadata).toEqual(SYNTHETIC_METADATA);

    const foreign = await invoke(proxyEvent('222222222222', 'RekognitionService.GetPersonTracking', { JobId: jobId }));
    expect(foreign.statusCode).toBe(400);
    expect(foreign.headers?.['x-amzn-ErrorType']).toBe('ResourceNotFoundException');
    expect(body(foreign)).toMatchObject({ __type: 'ResourceNotFoundException', Code: 'ResourceNotFoundException' });
  });

  it('answers errors in the AWS JSON envelope: no IAM account, unknown target, bad parameters', async () => {
    const anonymous = await invoke(proxyEvent(null, 'RekognitionService.GetPersonTracking', { JobId: 'a'.repeat(64) }));
    expect(anonymous.statusCode).toBe(400);
    expect(body(anonymous).__type).toBe('AccessDeniedException');

    const unknown = await invoke(proxyEvent('111111111111', 'RekognitionService.DetectFaces', {}));
    expect(body(unknown).__type).toBe('UnknownOperationException');

    const bad = await invoke(proxyEvent('111111111111', 'RekognitionService.GetPersonTracking', { JobId: 'x', MaxResults: 0 }));
    expect(bad.statusCode).toBe(400);
    expect(bad.headers?.['x-amzn-ErrorType']).toBe('InvalidParameterException');
    expect(body(bad).Message).toMatch(/maxResults/);
    expect(body(bad).Logref).toMatch(/[0-9a-f-]{36}/);
  });

  it('fails a job whose workflow cannot be launched, answers InternalServerError without internals, and frees the slot', async () => {
    launchFails = true;
    const start = proxyEvent('333333333333', 'RekognitionService.StartPersonTracking', { Video: VIDEO, ClientRequestToken: 'launch-1' });
    const failed = await invoke(start);
    launchFails = false;
    expect(failed.statusCode).toBe(500);
    expect(body(failed)).toMatchObject({ __type: 'InternalServerError', Message: 'Internal server error' });
    expect(failed.body).not.toMatch(/secret|AccessDenied|states/);

    const retried = await invoke(proxyEvent('333333333333', 'RekognitionService.StartPersonTracking', { Video: VIDEO, ClientRequestToken: 'launch-1' }));
    const jobId = body(retried).JobId as string;
    const get = body(await invoke(proxyEvent('333333333333', 'RekognitionService.GetPersonTracking', { JobId: jobId })));
    expect(get).toMatchObject({ JobStatus: 'FAILED', StatusMessage: 'The job could not be started. Try again.', Persons: [] });
    expect((await store.listInProgress()).filter((j) => j.accountId === '333333333333')).toEqual([]);
  });

  it('answers InternalServerError when its dependencies cannot be resolved, and recovers on the next call', async () => {
    let attempts = 0;
    const handler = createApiHandler(
      async () => {
        if (++attempts === 1) throw new Error('AccessDenied on secret arn:aws:secretsmanager:eu-west-1:999999999999:secret:x');
        return { store, videoSource: new LocalBuckets(join(dataDir, 'buckets')), launcher: worker, results: new LocalResultsStore(), notifierFor: (accountId: string) => new FileNotifier(join(dataDir, 'n.ndjson')).forAccount(accountId), tokens: new PaginationTokens('a-test-secret-of-enough-length'), concurrentJobLimit: 20 };
      },
      { logger: new Logger({ serviceName: 'test' }), tracer: new Tracer({ serviceName: 'test', enabled: false }), metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }) },
    );
    const event = proxyEvent('111111111111', 'RekognitionService.GetPersonTracking', { JobId: 'c'.repeat(64) });
    const first = await handler(event, context);
    expect(first.statusCode).toBe(500);
    expect(JSON.parse(first.body)).toMatchObject({ __type: 'InternalServerError', Message: 'Internal server error' });
    expect(first.body).not.toMatch(/secret/);
    const second = await handler(event, context);
    expect(JSON.parse(second.body).__type).toBe('ResourceNotFoundException');
  });

  it('hides unexpected failures behind InternalServerError', async () => {
    const original = store.getJob.bind(store);
    store.getJob = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443'));
    try {
      const res = await invoke(proxyEvent('111111111111', 'RekognitionService.GetPersonTracking', { JobId: 'b'.repeat(64) }));
      expect(res.statusCode).toBe(500);
      expect(body(res)).toMatchObject({ __type: 'InternalServerError', Code: 'InternalServerError', Message: 'Internal server error' });
      expect(res.body).not.toMatch(/ECONNREFUSED/);
    } finally {
      store.getJob = original;
    }
  });
});

describe('StartPersonTracking checks NotificationChannel.RoleArn (confused deputy, doc 0020)', () => {
  const LAMBDA_ROLE = 'arn:aws:iam::999999999999:role/pp-ApiFnRole';
  const PUBLISHER = 'arn:aws:iam::999999999999:role/pp-publisher-eu-west-1';
  const CALLER = '111111111111';
  const OTHER = '222222222222';
  const ALLOWED = '444444444444';
  const topic = (account: string, name = 'jobs') => `arn:aws:sns:eu-west-1:${account}:${name}`;
  let dataDir: string;
  let dynamo: EmbeddedDynamo;
  let worker: LocalWorker;
  let invoke: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  const iam = new FakeIam()
    .role(`arn:aws:iam::${CALLER}:role/Trusting`, { principals: [PUBLISHER], externalIds: [CALLER] })
    .role(`arn:aws:iam::${CALLER}:role/RekognitionOnly`, { principals: ['rekognition.amazonaws.com'] })
    .role(`arn:aws:iam::${CALLER}:role/NoExternalId`, { principals: [PUBLISHER], externalIds: [OTHER] })
    .role(`arn:aws:iam::${OTHER}:role/Trusting`, { principals: [PUBLISHER], externalIds: [OTHER] })
    .role(`arn:aws:iam::${ALLOWED}:role/Central`, { principals: [PUBLISHER], externalIds: [CALLER] });

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-lambda-roles-');
    const bucketsDir = join(dataDir, 'buckets');
    await putObject(bucketsDir, 'videos', 'clip.mp4');
    await mkdir(join(dataDir, 'results'), { recursive: true });
    dynamo = await startEmbeddedDynamo();
    await createJobsTable(dynamo.client, 'jobs-table');
    const store = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs-table' });
    const notifications = new FileNotifier(join(dataDir, 'notifications.ndjson'));
    const notifierFor = (accountId: string) => notifications.forAccount(accountId);
    const buckets = new LocalBuckets(bucketsDir);
    worker = new LocalWorker({ store, notifierFor, processor: new SyntheticProcessor({ detections: 10 }), buckets, resultsRoot: join(dataDir, 'results') });
    // The Lambda's wiring (lambdas/api/handler.ts depsFromEnvironment), with STS replaced by the fake.
    const env = { NOTIFICATION_TOPIC_ALLOW_LIST: 'arn:aws:sns:*:*:AmazonRekognition*', ALLOWED_ACCOUNTS: ALLOWED, PUBLISHER_ROLE_ARN: PUBLISHER };
    const settings = notificationSettings(env);
    const deps: ApiDeps = {
      store,
      videoSource: buckets,
      launcher: worker,
      results: new LocalResultsStore(),
      notifierFor,
      notificationRoles: {
        allowedAccounts: settings.allowedAccounts,
        topicAllowList: settings.allowList,
        probe: new StsRoleTrustProbe(publisherSts({ sts: iam.as(LAMBDA_ROLE), publisherRoleArn: settings.publisherRoleArn, newSts: iam.fromCredentials })),
      },
      tokens: new PaginationTokens('a-test-secret-of-enough-length'),
      concurrentJobLimit: 20,
    };
    iam.role(PUBLISHER, { principals: [LAMBDA_ROLE] });
    const handler = createApiHandler(async () => deps, {
      logger: new Logger({ serviceName: 'test' }),
      tracer: new Tracer({ serviceName: 'test', enabled: false }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    });
    invoke = (event) => handler(event, context);
  });

  afterAll(async () => {
    await worker?.close();
    await dynamo?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (caller: string, channel: { SNSTopicArn: string; RoleArn: string }) =>
    invoke(proxyEvent(caller, 'RekognitionService.StartPersonTracking', { Video: VIDEO, NotificationChannel: channel }));
  const expectDenied = (r: APIGatewayProxyResult, message: RegExp) => {
    expect(r.statusCode).toBe(400);
    expect(r.headers?.['x-amzn-ErrorType']).toBe('AccessDeniedException');
    const b = JSON.parse(r.body) as Record<string, unknown>;
    expect(b).toMatchObject({ __type: 'AccessDeniedException', Code: 'AccessDeniedException' });
    expect(b.Message).toMatch(message);
    expect(String(b.Message)).not.toContain('\n');
  };

  it('accepts a role of the caller\'s own account that trusts the publisher role with ExternalId = the caller', async () => {
    const r = await start(CALLER, { SNSTopicArn: topic(CALLER), RoleArn: `arn:aws:iam::${CALLER}:role/Trusting` });
    expect(r.statusCode).toBe(200);
    // Proven through the publisher role, with the caller's account as ExternalId.
    expect(iam.calls.at(-1)).toEqual({ as: PUBLISHER, roleArn: `arn:aws:iam::${CALLER}:role/Trusting`, externalId: CALLER, allowed: true });
    expect(iam.calls.some((c) => c.as === LAMBDA_ROLE && c.roleArn === PUBLISHER && c.allowed)).toBe(true);
  });

  it('refuses a role of another account, even one that trusts the publisher role, without trying to assume it', async () => {
    const before = iam.calls.length;
    const r = await start(CALLER, { SNSTopicArn: topic(CALLER), RoleArn: `arn:aws:iam::${OTHER}:role/Trusting` });
    expectDenied(r, /RoleArn must be a role in your own AWS account/);
    expect(iam.calls.slice(before).filter((c) => c.roleArn !== PUBLISHER)).toEqual([]);
  });

  it('accepts a role of an allowedAccounts account that trusts the publisher role for the caller', async () => {
    const r = await start(CALLER, { SNSTopicArn: topic(ALLOWED), RoleArn: `arn:aws:iam::${ALLOWED}:role/Central` });
    expect(r.statusCode).toBe(200);
  });

  it('refuses at Start a role whose trust policy does not name the publisher role with this ExternalId', async () => {
    for (const role of ['RekognitionOnly', 'NoExternalId', 'Missing']) {
      const r = await start(CALLER, { SNSTopicArn: topic(CALLER), RoleArn: `arn:aws:iam::${CALLER}:role/${role}` });
      expectDenied(r, /trust policy must allow this service's publisher role with sts:ExternalId set to your account id/);
    }
  });

  it('still accepts an unassumable role when the topic is the caller\'s own and on the allow-list (published as the service)', async () => {
    const r = await start(CALLER, { SNSTopicArn: topic(CALLER, 'AmazonRekognitionJobs'), RoleArn: `arn:aws:iam::${CALLER}:role/RekognitionOnly` });
    expect(r.statusCode).toBe(200);
    // ... but not another account's allow-listed topic.
    const foreign = await start(CALLER, { SNSTopicArn: topic(OTHER, 'AmazonRekognitionJobs'), RoleArn: `arn:aws:iam::${CALLER}:role/RekognitionOnly` });
    expectDenied(foreign, /trust policy/);
  });
});
