/**
 * The API Lambda behind API Gateway (REST API, Lambda proxy integration): adapts the proxy event to core's
 * handleApiRequest. The caller's account is, by the stack's `apiAuth` (doc 0011):
 * - `iam` (default): API Gateway's IAM request context (event.requestContext.identity.accountId);
 * - `keys`: the account of the issued key whose SigV4 signature (service `rekognition`) this Lambda verifies
 *   (core/auth/sigv4.ts) — the methods have authorization NONE and the IAM context is ignored.
 * Never anything else in the request body or headers.
 *
 * Environment: JOBS_TABLE, RESULTS_BUCKET (informational: result locations are stored per job),
 * STATE_MACHINE_ARN, CONCURRENT_JOB_LIMIT (default 20), and the NextToken MAC key as PAGINATION_SECRET
 * (the key itself) or PAGINATION_SECRET_ARN (a Secrets Manager secret read once per cold start),
 * NOTIFICATION_TOPIC_ALLOW_LIST, ALLOWED_ACCOUNTS and PUBLISHER_ROLE_ARN (adapters/sns-notifier.ts: the check of a
 * NotificationChannel at Start, and the notification of a failed launch);
 * with API_AUTH=keys also KEYS_TABLE, KEYS_KMS_KEY_ARN and API_AUTH_REGIONS (default: the Lambda's AWS_REGION).
 * Logs carry request ids and error kinds only — never bucket keys, topics or bodies.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DEFAULT_CONCURRENT_JOB_LIMIT, errorResponse, handleApiRequest, headerValue } from '../../core/api/handler.js';
import { internalServerError, isServiceError } from '../../core/api/errors.js';
import type { ApiDeps, ApiResponse } from '../../core/api/handler.js';
import { verifySigV4 } from '../../core/auth/sigv4.js';
import type { SignedHttpRequest } from '../../core/auth/sigv4.js';
import { CachedKeyLookup } from '../../core/auth/keys.js';
import type { KeyLookup } from '../../core/auth/keys.js';
import { DynamoDbKeyStore } from '../../adapters/dynamodb-key-store.js';
import { PaginationTokens } from '../../core/api/pagination.js';
import { DynamoDbJobStore } from '../../adapters/dynamodb-job-store.js';
import { S3VideoSource } from '../../adapters/s3-video-source.js';
import { S3ResultsStore } from '../../adapters/s3-results-store.js';
import { SfnLauncher } from '../../adapters/sfn-launcher.js';
import { callerRoleNotifiers, notificationSettings } from '../../adapters/sns-notifier.js';
import { StsRoleTrustProbe, publisherSts } from '../../adapters/sts-publisher.js';

export interface ApiObservability {
  logger: Logger;
  tracer: Tracer;
  metrics: Metrics;
}

/** Converts a REST proxy event into the API core's request. */
export function toApiRequest(event: APIGatewayProxyEvent): Parameters<typeof handleApiRequest>[0] {
  const headers: Record<string, string | string[] | undefined> = { ...(event.headers ?? {}) };
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (values && values.length > 0 && headers[name] === undefined) headers[name] = values;
  }
  // A base64 body stays bytes: core decodes it as strict UTF-8, so invalid bytes are a bad body, not replaced characters.
  const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  return {
    method: event.httpMethod,
    headers,
    body,
    accountId: event.requestContext?.identity?.accountId ?? undefined,
  };
}

/** Under apiAuth=keys: the issued keys (cached at most 60 s) and the regions a signature may be scoped to. */
export interface KeyAuth {
  keys: KeyLookup;
  regions: readonly string[];
}

export interface LambdaApiDeps extends ApiDeps {
  keyAuth?: KeyAuth;
}

/** The request as the client signed it: the stage path it sent, every header value, the body's bytes. */
export function toSignedRequest(event: APIGatewayProxyEvent): SignedHttpRequest {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) if (values && values.length > 0) headers[name.toLowerCase()] = values;
  const body = event.body == null ? undefined : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  // API Gateway may not pass Content-Length on; its value is the length of the body, which is hashed anyway.
  headers['content-length'] ??= String(body?.length ?? 0);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(event.multiValueQueryStringParameters ?? {})) if (v) query[k] = v;
  return { method: event.httpMethod, path: event.requestContext?.path ?? event.path, query, headers, body };
}

/** A middy handler over the given dependencies (resolved lazily, once). Tests pass their own. */
export function createApiHandler(resolveDeps: () => Promise<LambdaApiDeps>, obs: ApiObservability) {
  let deps: Promise<LambdaApiDeps> | undefined;
  const base = async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    deps ??= resolveDeps().catch((e: unknown) => {
      deps = undefined;
      throw e;
    });
    let resolved: LambdaApiDeps;
    try {
      resolved = await deps;
    } catch (e) {
      // Misconfiguration or an unreachable secret: answer in the envelope (not a 502) and retry on the next call.
      obs.logger.error('dependencies unavailable', { errorName: e instanceof Error ? e.name : typeof e });
      const r = errorResponse(internalServerError(), event.requestContext?.requestId ?? crypto.randomUUID());
      return { statusCode: r.statusCode, headers: r.headers, body: r.body };
    }
    const requestId = event.requestContext?.requestId ?? crypto.randomUUID();
    let request = toApiRequest(event);
    let response: ApiResponse | undefined;
    if (resolved.keyAuth) {
      try {
        const caller = await verifySigV4(toSignedRequest(event), { keys: resolved.keyAuth.keys, regions: resolved.keyAuth.regions });
        request = { ...request, accountId: caller.account };
      } catch (e) {
        if (!isServiceError(e)) obs.logger.error('key lookup failed', { errorName: e instanceof Error ? e.name : typeof e });
        response = errorResponse(isServiceError(e) ? e : internalServerError(), requestId);
      }
    }
    response ??= await handleApiRequest(request, {
      ...resolved,
      newRequestId: () => requestId,
      logger: { error: (message, details) => obs.logger.error(message, details) },
    });
    const target = (headerValue(request.headers, 'x-amz-target') ?? '').replace('RekognitionService.', '');
    obs.metrics.addDimension('Operation', /^(Start|Get)PersonTracking$/.test(target) ? target : 'Other');
    obs.metrics.addMetric(response.statusCode === 200 ? 'Success' : response.statusCode >= 500 ? 'ServerError' : 'ClientError', MetricUnit.Count, 1);
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  };
  return middy(base)
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger))
    .use(logMetrics(obs.metrics));
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

async function paginationKey(tracer: Tracer): Promise<string> {
  if (process.env.PAGINATION_SECRET) return process.env.PAGINATION_SECRET;
  const client = tracer.captureAWSv3Client(new SecretsManagerClient({}));
  const out = await client.send(new GetSecretValueCommand({ SecretId: env('PAGINATION_SECRET_ARN') }));
  if (!out.SecretString) throw new Error('pagination secret is empty');
  return out.SecretString;
}

/** Dependencies from the Lambda environment. */
export async function depsFromEnvironment(obs: ApiObservability): Promise<LambdaApiDeps> {
  const { tracer, logger } = obs;
  const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const s3 = tracer.captureAWSv3Client(new S3Client({}));
  const sfn = tracer.captureAWSv3Client(new SFNClient({}));
  const sts = tracer.captureAWSv3Client(new STSClient({}));
  const limit = Number(process.env.CONCURRENT_JOB_LIMIT ?? DEFAULT_CONCURRENT_JOB_LIMIT);
  // Only used when a launch fails: the job is failed and, like any completion, notified (doc 0001).
  const notifierFor = callerRoleNotifiers({
    sts,
    newSns: (config) => tracer.captureAWSv3Client(new SNSClient(config)),
    onEvent: (event) => logger.info('notification', { event }),
  });
  const settings = notificationSettings();
  return {
    // NotificationChannel at Start: own or allowed account, and a role that trusts the publisher role (doc 0020).
    notificationRoles: {
      allowedAccounts: settings.allowedAccounts,
      topicAllowList: settings.allowList,
      probe: new StsRoleTrustProbe(publisherSts({ sts, publisherRoleArn: settings.publisherRoleArn })),
    },
    store: new DynamoDbJobStore({ client: dynamo, tableName: env('JOBS_TABLE') }),
    videoSource: new S3VideoSource(s3),
    launcher: new SfnLauncher(sfn, env('STATE_MACHINE_ARN')),
    results: new S3ResultsStore(s3),
    notifierFor,
    tokens: new PaginationTokens(await paginationKey(tracer)),
    concurrentJobLimit: Number.isInteger(limit) && limit > 0 ? limit : DEFAULT_CONCURRENT_JOB_LIMIT,
    ...(process.env.API_AUTH === 'keys' ? { keyAuth: keyAuthFromEnvironment(dynamo, tracer) } : {}),
  };
}

function keyAuthFromEnvironment(dynamo: DynamoDBClient, tracer: Tracer): KeyAuth {
  const store = new DynamoDbKeyStore({
    dynamo,
    kms: tracer.captureAWSv3Client(new KMSClient({})),
    tableName: env('KEYS_TABLE'),
    kmsKeyId: env('KEYS_KMS_KEY_ARN'),
  });
  const regions = (process.env.API_AUTH_REGIONS ?? env('AWS_REGION')).split(',').map((r) => r.trim()).filter(Boolean);
  // A revoked key stops verifying within 60 s (doc 0011).
  return { keys: new CachedKeyLookup(store, 60_000), regions };
}

const observability: ApiObservability = {
  logger: new Logger({ serviceName: 'people-pathing-api' }),
  tracer: new Tracer({ serviceName: 'people-pathing-api' }),
  metrics: new Metrics({ namespace: 'PeoplePathing', serviceName: 'people-pathing-api' }),
};

export const handler = createApiHandler(() => depsFromEnvironment(observability), observability);
