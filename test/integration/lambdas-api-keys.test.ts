/**
 * The API Lambda under apiAuth=keys (doc 0011), driven by the real @aws-sdk/client-rekognition: the client's
 * request handler turns each signed request into the REST proxy event API Gateway (authorization NONE) would
 * deliver — stage path, headers, body, an IAM identity left empty — and the handler's result back into the
 * response, with the Date header API Gateway adds. The keys live in the DynamoDB key store on dynalite, their
 * secrets under a KMS fake that is as strict as KMS on the encryption context.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { GetPersonTrackingCommand, ResourceNotFoundException, RekognitionClient, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClientConfig } from '@aws-sdk/client-rekognition';
import { HttpResponse } from '@smithy/core/transport';
import type { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import { createApiHandler, toSignedRequest } from '../../lambdas/api/handler.js';
import type { LambdaApiDeps } from '../../lambdas/api/handler.js';
import { PaginationTokens } from '../../core/api/pagination.js';
import { CachedKeyLookup } from '../../core/auth/keys.js';
import type { IssuedKey } from '../../core/auth/keys.js';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { DynamoDbKeyStore, createKeysTable } from '../../adapters/dynamodb-key-store.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { LocalBuckets } from '../../cli/local/buckets.js';
import { FileNotifier, LocalResultsStore } from '../../cli/local/adapters.js';
import { LocalWorker } from '../../cli/local/worker.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject } from '../fixtures/api/helpers.js';
import { fakeKms } from '../fixtures/kms-fake.js';
import type { FakeKms } from '../fixtures/kms-fake.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const ENDPOINT = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };
const UNKNOWN_JOB = 'a'.repeat(64);
const MINUTES = 60_000;
const context = { functionName: 'api', awsRequestId: 'r', getRemainingTimeInMillis: () => 29000 } as unknown as Context;

/** What API Gateway (REST, proxy integration, authorization NONE, stage prod) hands the Lambda. */
function proxyEventOf(request: HttpRequest, body: string, n: number): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    // API Gateway does not pass Content-Length on to the proxy integration event.
    if (name.toLowerCase() === 'content-length') continue;
    headers[name] = value;
    multi[name] = [value];
  }
  const stagePath = request.path;
  const resourcePath = stagePath.replace(/^\/prod/, '') || '/';
  return {
    resource: resourcePath === '/' ? '/' : '/{proxy+}',
    path: resourcePath,
    httpMethod: request.method,
    headers,
    multiValueHeaders: multi,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '999999999999',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      path: stagePath,
      stage: 'prod',
      requestId: `gw-${n}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath,
      // Authorization NONE: API Gateway establishes no IAM identity.
      identity: { accountId: null, accessKey: null, caller: null, user: null, userArn: null, sourceIp: '203.0.113.1', userAgent: 'aws-sdk-js' },
    },
  } as unknown as APIGatewayProxyEvent;
}

describe('API Lambda with apiAuth=keys and the real JS v3 client', () => {
  let dataDir: string;
  let dynamo: EmbeddedDynamo;
  let kms: FakeKms;
  let keyStore: DynamoDbKeyStore;
  let worker: LocalWorker;
  let invoke: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  let alice: IssuedKey;
  let bob: IssuedKey;
  const events: APIGatewayProxyEvent[] = [];
  let eventCount = 0;
  let clock = Date.now();

  const client = (key: { accessKeyId: string; secretAccessKey: string }, extra: RekognitionClientConfig = {}) =>
    new RekognitionClient({
      region: 'eu-west-1',
      endpoint: ENDPOINT,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: HttpRequest) => {
          const chunks: Buffer[] = [];
          const b = request.body as string | Uint8Array | undefined;
          if (typeof b === 'string') chunks.push(Buffer.from(b, 'utf8'));
          else if (b !== undefined) chunks.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
          const event = proxyEventOf(request, Buffer.concat(chunks).toString('utf8'), ++eventCount);
          events.push(event);
          const result = await invoke(event);
          return {
            response: new HttpResponse({
              statusCode: result.statusCode,
              headers: { ...(result.headers as Record<string, string>), date: new Date().toUTCString() },
              body: Readable.from([Buffer.from(result.body)]),
            }),
          };
        },
      },
      ...extra,
    });
  const get = (c: RekognitionClient, jobId = UNKNOWN_JOB) => c.send(new GetPersonTrackingCommand({ JobId: jobId }));
  const nameOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: Error) => e.name,
    );

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-lambda-keys-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    await mkdir(join(dataDir, 'results'), { recursive: true });
    dynamo = await startEmbeddedDynamo();
    kms = fakeKms();
    await createJobsTable(dynamo.client, 'jobs');
    await createKeysTable(dynamo.client, 'keys');
    keyStore = new DynamoDbKeyStore({ dynamo: dynamo.client, kms: kms.client, tableName: 'keys', kmsKeyId: kms.keyArn });
    alice = await keyStore.create('111111111111');
    bob = await keyStore.create('222222222222');
    const store = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs' });
    const notifications = new FileNotifier(join(dataDir, 'notifications.ndjson'));
    const notifierFor = (accountId: string) => notifications.forAccount(accountId);
    const buckets = new LocalBuckets(join(dataDir, 'buckets'));
    worker = new LocalWorker({ store, notifierFor, processor: new SyntheticProcessor({ detections: 3 }), buckets, resultsRoot: join(dataDir, 'results') });
    const deps: LambdaApiDeps = {
      store,
      videoSource: buckets,
      launcher: worker,
      results: new LocalResultsStore(),
      notifierFor,
      tokens: new PaginationTokens('a-test-secret-of-enough-length'),
      concurrentJobLimit: 20,
      keyAuth: { keys: new CachedKeyLookup(keyStore, 60_000, () => clock), regions: ['eu-west-1'] },
    };
    const handler = createApiHandler(async () => deps, {
      logger: new Logger({ serviceName: 'test' }),
      tracer: new Tracer({ serviceName: 'test', enabled: false }),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'test' }),
    });
    invoke = (event) => handler(event, context);
  });

  afterAll(async () => {
    kms?.restore();
    await worker?.close();
    await dynamo?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves a valid key; the key names the account, never the (empty) IAM context', async () => {
    const { JobId } = await client(alice).send(new StartPersonTrackingCommand({ Video: VIDEO }));
    const event = events.at(-1)!;
    expect(event.requestContext.path).toBe('/prod/');
    expect(event.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKPP[A-Z2-7]{16}\/\d{8}\/eu-west-1\/rekognition\/aws4_request/);
    await worker.idle();
    expect((await get(client(alice), JobId)).JobStatus).toBe('SUCCEEDED');
    await expect(get(client(bob), JobId)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers every bad signature with the exception class AWS would', async () => {
    const credentials = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey };
    expect(await nameOf(get(client({ accessKeyId: alice.accessKeyId, secretAccessKey: bob.secretAccessKey })))).toBe('InvalidSignatureException');
    expect(await nameOf(get(client({ accessKeyId: 'AKPPAAAAAAAAAAAAAAAA', secretAccessKey: 'x' })))).toBe('UnrecognizedClientException');
    expect(await nameOf(get(client(alice, { systemClockOffset: -20 * MINUTES })))).toBe('InvalidSignatureException');
    expect(await nameOf(get(client(alice, { region: 'us-east-1' })))).toBe('InvalidSignatureException');
    const execApi = new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials, sha256: Hash.bind(null, 'sha256') });
    expect(await nameOf(get(client(alice, { signer: execApi })))).toBe('InvalidSignatureException');
  });

  it('rejects a body or signed header changed between the client and the Lambda, and an unsigned event', async () => {
    const c = client(alice);
    await expect(get(c)).rejects.toBeInstanceOf(ResourceNotFoundException);
    const signed = events.at(-1)!;
    const changedBody = { ...signed, body: signed.body!.replace(UNKNOWN_JOB, 'b'.repeat(64)) };
    const changedHeader = { ...signed, headers: { ...signed.headers, 'x-amz-target': 'RekognitionService.StartPersonTracking' }, multiValueHeaders: {} };
    const unsigned = { ...signed, headers: { ...signed.headers, authorization: undefined }, multiValueHeaders: {} } as unknown as APIGatewayProxyEvent;
    const typeOf = async (e: APIGatewayProxyEvent) => {
      const r = await invoke(e);
      return [r.statusCode, (JSON.parse(r.body) as { __type: string }).__type];
    };
    expect(await typeOf(changedBody)).toEqual([400, 'InvalidSignatureException']);
    expect(await typeOf(changedHeader)).toEqual([400, 'InvalidSignatureException']);
    expect(await typeOf(unsigned)).toEqual([400, 'MissingAuthenticationTokenException']);
    // The same event as signed still verifies: only the change was refused.
    expect(await typeOf(signed)).toEqual([400, 'ResourceNotFoundException']);
  });

  it('recovers on its own from a client clock 20 minutes slow, through the gateway Date header', async () => {
    const c = client(alice, { systemClockOffset: -20 * MINUTES, maxAttempts: 3 });
    await expect(get(c)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('stops a revoked key within the 60 s cache', async () => {
    const carol = await keyStore.create('333333333333');
    await expect(get(client(carol))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await keyStore.revoke(carol.accessKeyId);
    clock += 61_000;
    expect(await nameOf(get(client(carol)))).toBe('UnrecognizedClientException');
  });

  it('signs over the body bytes even when API Gateway hands them over base64-encoded', async () => {
    await expect(get(client(alice))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const signed = events.at(-1)!;
    const b64 = { ...signed, body: Buffer.from(signed.body!).toString('base64'), isBase64Encoded: true };
    expect(toSignedRequest(b64).body).toEqual(Buffer.from(signed.body!));
    expect(JSON.parse((await invoke(b64)).body).__type).toBe('ResourceNotFoundException');
  });

  it('answers a correctly signed base64 body that is not UTF-8 as a bad body, never as replaced characters', async () => {
    // {"JobId":"<0xff 0xfe>"}: signed over these exact bytes, which only a base64 event can carry.
    const body = Buffer.concat([Buffer.from('{"JobId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const { hostname } = new URL(ENDPOINT);
    const signer = new SignatureV4({
      service: 'rekognition',
      region: 'eu-west-1',
      credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
      sha256: Hash.bind(null, 'sha256'),
    });
    const headers = { host: hostname, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.GetPersonTracking' };
    const request = await signer.sign({ method: 'POST', protocol: 'https:', hostname, path: '/prod/', headers, body }, { signingDate: new Date(clock) });
    const event = { ...proxyEventOf(request as HttpRequest, body.toString('base64'), ++eventCount), isBase64Encoded: true };
    const result = await invoke(event);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ __type: 'InvalidParameterException', Message: 'Request body is not valid JSON' });
  });
});
