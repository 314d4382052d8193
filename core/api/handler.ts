/**
 * The API core, shared by the Lambda (lambdas/api/handler.ts) and local mode (cli/local/server.ts):
 * AWS JSON 1.1 dispatch on X-Amz-Target, validation, the two operations, and the error envelope of spec §1.3.
 * Transport-neutral: it takes headers, body and the caller's account and returns status, headers and body.
 */
import { randomUUID } from 'node:crypto';
import type { JobRecord, JobStore, Notifier, ProgressDetail, ResultsStore, VideoSource, WorkflowLauncher } from '../ports.js';
import { ResultsReader } from '../results-format.js';
import type { GetPersonTrackingResponse, JobProgress, PersonDetection, StartPersonTrackingResponse } from '../types.js';
import {
  ServiceError,
  internalServerError,
  invalidPaginationToken,
  invalidS3Object,
  isServiceError,
  resourceNotFound,
  videoTooLarge,
} from './errors.js';
import { PaginationTokens } from './pagination.js';
import { parseBody, validateGetRequest, validateStartRequest } from './validation.js';
import { completeJob } from '../jobs/lifecycle.js';
import { authorizeNotificationChannel } from '../auth/notification-role.js';
import type { NotificationRolePolicy } from '../auth/notification-role.js';
import { NOT_STARTED_MESSAGE } from '../jobs/reconcile.js';
import { JOB_ID_PATTERN, requestHash } from '../jobs/request-hash.js';

export const TARGET_PREFIX = 'RekognitionService.';
export const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** 10 GB (spec §7). */
export const MAX_VIDEO_BYTES = 10 * 1024 ** 3;
export const DEFAULT_CONCURRENT_JOB_LIMIT = 20;

export interface ApiRequest {
  /** Header names in any case; multi-valued headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  /** The body: its bytes as received (decoded as UTF-8 JSON by parseBody), or text the transport already decoded. */
  body: string | Uint8Array | undefined;
  /** The caller's AWS account; undefined when the transport could not establish one. */
  accountId: string | undefined;
  /** HTTP method, when the transport knows it (only POST is served). */
  method?: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiLogger {
  error(message: string, details: Record<string, unknown>): void;
}

export interface ApiDeps {
  store: JobStore;
  videoSource: VideoSource;
  launcher: WorkflowLauncher;
  results: ResultsStore;
  /**
   * The notifier for jobs of an account; used only to report a job that could not be launched (it is failed
   * and notified like any completion).
   */
  notifierFor: (accountId: string) => Notifier;
  /**
   * Which NotificationChannel roles a caller may name (core/auth/notification-role.ts). Default: only roles of
   * the caller's own account, with no trust probe (local mode).
   */
  notificationRoles?: NotificationRolePolicy;
  tokens: PaginationTokens;
  concurrentJobLimit: number;
  maxVideoBytes?: number;
  now?: () => number;
  newRequestId?: () => string;
  logger?: ApiLogger;
}

export function headerValue(headers: ApiRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export function errorResponse(error: ServiceError, requestId: string): ApiResponse {
  return {
    statusCode: error.status,
    headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.name },
    body: JSON.stringify({ __type: error.name, Code: error.name, Logref: randomUUID(), Message: error.message }),
  };
}

export async function handleApiRequest(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const requestId = (deps.newRequestId ?? randomUUID)();
  try {
    const body = await dispatch(req, deps);
    return {
      statusCode: 200,
      headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId },
      body: JSON.stringify(body),
    };
  } catch (error) {
    if (isServiceError(error)) return errorResponse(error, requestId);
    // Unexpected: log the kind of failure for operators, answer a generic 500 without internals.
    deps.logger?.error('unexpected error', {
      requestId,
      errorName: error instanceof Error ? error.name : typeof error,
      errorMessage: error instanceof Error ? error.message : undefined,
    });
    return errorResponse(internalServerError(), requestId);
  }
}

async function dispatch(req: ApiRequest, deps: ApiDeps): Promise<unknown> {
  if (req.method !== undefined && req.method.toUpperCase() !== 'POST') {
    throw new ServiceError('UnknownOperationException', `Method ${req.method.toUpperCase()} is not supported; use POST`, 404);
  }
  const target = headerValue(req.headers, 'x-amz-target');
  const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  if (operation !== 'StartPersonTracking' && operation !== 'GetPersonTracking') {
    throw new ServiceError('UnknownOperationException', target ? `Unknown operation ${target.slice(0, 128)}` : 'Missing X-Amz-Target header');
  }
  if (!req.accountId) throw new ServiceError('AccessDeniedException', 'Missing or unrecognised credentials');
  const body = parseBody(req.body);
  return operation === 'StartPersonTracking'
    ? startPersonTracking(req.accountId, body, deps)
    : getPersonTracking(req.accountId, body, deps);
}

async function startPersonTracking(accountId: string, body: Record<string, unknown>, deps: ApiDeps): Promise<StartPersonTrackingResponse> {
  const request = validateStartRequest(body);
  await authorizeNotificationChannel(request.NotificationChannel, accountId, deps.notificationRoles ?? { allowedAccounts: [] });
  const info = await deps.videoSource.head(request.Video, accountId);
  if (!info) throw invalidS3Object();
  const maxBytes = deps.maxVideoBytes ?? MAX_VIDEO_BYTES;
  if (info.sizeBytes > maxBytes) throw videoTooLarge(info.sizeBytes, maxBytes);

  const { job, created } = await deps.store.startJob(
    {
      accountId,
      video: request.Video,
      jobTag: request.JobTag,
      notificationChannel: request.NotificationChannel,
      clientRequestToken: request.ClientRequestToken,
      requestHash: requestHash(request),
    },
    deps.concurrentJobLimit,
  );
  if (created) {
    try {
      await deps.launcher.launch(job);
    } catch (error) {
      // Never leave an admitted job IN_PROGRESS holding a concurrency slot: fail it (and notify), then 500.
      deps.logger?.error('workflow launch failed', { jobId: job.jobId, errorName: error instanceof Error ? error.name : typeof error });
      await completeJob({ store: deps.store, notifier: deps.notifierFor(accountId), now: deps.now }, accountId, job.jobId, {
        status: 'FAILED',
        statusMessage: NOT_STARTED_MESSAGE,
      });
      throw internalServerError();
    }
  }
  return { JobId: job.jobId };
}

async function getPersonTracking(accountId: string, body: Record<string, unknown>, deps: ApiDeps): Promise<GetPersonTrackingResponse> {
  const request = validateGetRequest(body);
  // A well-formed id that we can never have issued cannot exist: same answer as an unknown job.
  const job = JOB_ID_PATTERN.test(request.JobId) ? await deps.store.getJob(accountId, request.JobId) : undefined;
  if (!job) throw resourceNotFound();

  const scope = { accountId, jobId: job.jobId, sortBy: request.SortBy };
  const offset = request.NextToken === undefined ? 0 : deps.tokens.decode(scope, request.NextToken);

  let persons: PersonDetection[] = [];
  let nextToken: string | undefined;
  if (job.status === 'SUCCEEDED') {
    ({ persons, nextToken } = await readPage(job, offset, request.MaxResults, request.SortBy, deps));
  } else if (offset !== 0) {
    throw invalidPaginationToken();
  }
  return pageResponse(job, persons, nextToken);
}

async function readPage(
  job: JobRecord,
  offset: number,
  maxResults: number,
  sortBy: 'INDEX' | 'TIMESTAMP',
  deps: ApiDeps,
): Promise<{ persons: PersonDetection[]; nextToken?: string }> {
  const reader = new ResultsReader(deps.results.open(job));
  const { count } = await reader.getManifest();
  if (offset !== 0 && offset >= count) throw invalidPaginationToken();
  const persons = await reader.readPage(sortBy, offset, maxResults);
  const next = offset + persons.length;
  return {
    persons,
    nextToken: next < count ? deps.tokens.encode({ accountId: job.accountId, jobId: job.jobId, sortBy }, next) : undefined,
  };
}

/** GetPersonTracking's extra progress member (not in Rekognition's model: SDKs skip it, `get --wait` prints it). */
export function jobProgress(fraction: number, detail: ProgressDetail | undefined): JobProgress {
  const out: JobProgress = { Percent: Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10 };
  if (detail?.frames !== undefined) out.FramesDone = detail.frames;
  if (detail?.totalFrames !== undefined) out.Frames = detail.totalFrames;
  if (detail?.segmentsDone !== undefined) out.SegmentsDone = detail.segmentsDone;
  if (detail?.segments !== undefined) out.Segments = detail.segments;
  if (detail?.etaSec !== undefined) out.EtaSeconds = Math.round(detail.etaSec);
  return out;
}

/** Members in the model's order (spec §3.2); absent members are omitted, never null. */
function pageResponse(job: JobRecord, persons: PersonDetection[], nextToken: string | undefined): GetPersonTrackingResponse {
  const response: GetPersonTrackingResponse = { JobStatus: job.status };
  if (job.status === 'FAILED' && job.statusMessage !== undefined) response.StatusMessage = job.statusMessage;
  if (job.videoMetadata) response.VideoMetadata = job.videoMetadata;
  if (nextToken !== undefined) response.NextToken = nextToken;
  response.Persons = persons;
  response.JobId = job.jobId;
  response.Video = job.video;
  if (job.jobTag !== undefined) response.JobTag = job.jobTag;
  if (job.status === 'IN_PROGRESS' && job.progress !== undefined) response.JobProgress = jobProgress(job.progress, job.progressDetail);
  return response;
}
