/**
 * Request validation for StartPersonTracking / GetPersonTracking (spec §2.1, §3.1). The SDKs validate little
 * or nothing client-side (spec §4), so every constraint of the model is checked here. Violations answer
 * InvalidParameterException with a Coral-style message listing each violated constraint; the offending
 * values are not echoed (they may hold customer data). Unknown members are tolerated, as the SDKs do for
 * responses (spec §1.1 leaves it open).
 */
import type {
  GetPersonTrackingRequest,
  NotificationChannel,
  PersonTrackingSortBy,
  StartPersonTrackingRequest,
  Video,
} from '../types.js';
import { invalidParameter } from './errors.js';

export const MAX_RESULTS_CAP = 1000;
export const DEFAULT_MAX_RESULTS = 1000;

const PATTERNS = {
  bucket: /^[0-9A-Za-z.\-_]*$/,
  token: /^[a-zA-Z0-9-_]+$/,
  snsTopicArn: /^(?:^arn:aws:sns:.*:\w{12}:.+$)$/,
  roleArn: /^arn:aws:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/,
  jobTag: /^[a-zA-Z0-9_.\-:+=/]+$/,
  jobId: /^[a-zA-Z0-9-_]+$/,
} as const;

type Json = Record<string, unknown>;

class Violations {
  readonly list: string[] = [];
  add(path: string, constraint: string): void {
    this.list.push(`Value at '${path}' failed to satisfy constraint: ${constraint}`);
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const n = this.list.length;
    throw invalidParameter(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.list.join('; ')}`);
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the request body; malformed JSON or a non-object body is InvalidParameterException. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The request's JSON object. Bytes must be UTF-8 (RFC 8259): others are not JSON, never replaced characters. */
export function parseBody(body: string | Uint8Array | undefined): Json {
  let text: string;
  try {
    text = typeof body === 'string' ? body : body === undefined ? '' : UTF8.decode(body);
  } catch {
    throw invalidParameter('Request body is not valid JSON');
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('Request body is not valid JSON');
  }
  if (!isObject(parsed)) throw invalidParameter('Request body must be a JSON object');
  return parsed;
}

function checkString(
  v: Violations,
  obj: Json,
  key: string,
  path: string,
  rule: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string },
): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (rule.required) v.add(path, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') {
    v.add(path, 'Member must be a string');
    return undefined;
  }
  let ok = true;
  if (rule.min !== undefined && value.length < rule.min) {
    v.add(path, `Member must have length greater than or equal to ${rule.min}`);
    ok = false;
  }
  if (rule.max !== undefined && value.length > rule.max) {
    v.add(path, `Member must have length less than or equal to ${rule.max}`);
    ok = false;
  }
  if (rule.pattern && value.length > 0 && !rule.pattern.test(value)) {
    v.add(path, `Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`);
    ok = false;
  }
  return ok ? value : undefined;
}

function checkObject(v: Violations, obj: Json, key: string, path: string, required: boolean): Json | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) v.add(path, 'Member must not be null');
    return undefined;
  }
  if (!isObject(value)) {
    v.add(path, 'Member must be a structure');
    return undefined;
  }
  return value;
}

/** A validated StartPersonTracking request: members exactly as the caller set them. */
export function validateStartRequest(body: Json): StartPersonTrackingRequest {
  const v = new Violations();
  const videoIn = checkObject(v, body, 'Video', 'video', true);
  let video: Video | undefined;
  if (videoIn) {
    video = {};
    const s3In = checkObject(v, videoIn, 'S3Object', 'video.s3Object', false);
    if (s3In) {
      const bucket = checkString(v, s3In, 'Bucket', 'video.s3Object.bucket', { min: 3, max: 255, pattern: PATTERNS.bucket, patternText: '[0-9A-Za-z\\.\\-_]*' });
      const name = checkString(v, s3In, 'Name', 'video.s3Object.name', { min: 1, max: 1024 });
      const version = checkString(v, s3In, 'Version', 'video.s3Object.version', { min: 1, max: 1024 });
      video.S3Object = {};
      if (bucket !== undefined) video.S3Object.Bucket = bucket;
      if (name !== undefined) video.S3Object.Name = name;
      if (version !== undefined) video.S3Object.Version = version;
    }
  }
  const token = checkString(v, body, 'ClientRequestToken', 'clientRequestToken', { min: 1, max: 64, pattern: PATTERNS.token, patternText: '^[a-zA-Z0-9-_]+$' });
  let channel: NotificationChannel | undefined;
  const channelIn = checkObject(v, body, 'NotificationChannel', 'notificationChannel', false);
  if (channelIn) {
    const topic = checkString(v, channelIn, 'SNSTopicArn', 'notificationChannel.sNSTopicArn', { required: true, pattern: PATTERNS.snsTopicArn, patternText: '(^arn:aws:sns:.*:\\w{12}:.+$)' });
    const role = checkString(v, channelIn, 'RoleArn', 'notificationChannel.roleArn', { required: true, pattern: PATTERNS.roleArn, patternText: 'arn:aws:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+' });
    if (topic !== undefined && role !== undefined) channel = { SNSTopicArn: topic, RoleArn: role };
  }
  const jobTag = checkString(v, body, 'JobTag', 'jobTag', { min: 1, max: 1024, pattern: PATTERNS.jobTag, patternText: '[a-zA-Z0-9_.\\-:+=\\/]+' });
  v.throwIfAny();
  // The model makes S3Object and its members optional, but a video cannot be located without bucket and key.
  const s3 = video?.S3Object;
  if (!s3 || s3.Bucket === undefined || s3.Name === undefined) {
    throw invalidParameter('Video.S3Object with Bucket and Name is required');
  }
  const request: StartPersonTrackingRequest = { Video: video as Video };
  if (token !== undefined) request.ClientRequestToken = token;
  if (channel) request.NotificationChannel = channel;
  if (jobTag !== undefined) request.JobTag = jobTag;
  return request;
}

/** A validated GetPersonTracking request, with MaxResults defaulted and capped (spec §3.1) and SortBy defaulted. */
export interface NormalizedGetRequest {
  JobId: string;
  MaxResults: number;
  NextToken?: string;
  SortBy: PersonTrackingSortBy;
}

export function validateGetRequest(body: Json): NormalizedGetRequest {
  const v = new Violations();
  const jobId = checkString(v, body, 'JobId', 'jobId', { required: true, min: 1, max: 64, pattern: PATTERNS.jobId, patternText: '^[a-zA-Z0-9-_]+$' });
  let maxResults = DEFAULT_MAX_RESULTS;
  const mr = body.MaxResults;
  if (mr !== undefined && mr !== null) {
    if (typeof mr !== 'number' || !Number.isInteger(mr)) v.add('maxResults', 'Member must be an integer');
    else if (mr < 1) v.add('maxResults', 'Member must have value greater than or equal to 1');
    else maxResults = Math.min(mr, MAX_RESULTS_CAP);
  }
  const nextToken = checkString(v, body, 'NextToken', 'nextToken', { max: 255 });
  let sortBy: PersonTrackingSortBy = 'TIMESTAMP';
  const sb = body.SortBy;
  if (sb !== undefined && sb !== null) {
    if (sb === 'INDEX' || sb === 'TIMESTAMP') sortBy = sb;
    else v.add('sortBy', 'Member must satisfy enum value set: [INDEX, TIMESTAMP]');
  }
  v.throwIfAny();
  const request: NormalizedGetRequest = { JobId: jobId as string, MaxResults: maxResults, SortBy: sortBy };
  if (nextToken) request.NextToken = nextToken;
  return request;
}

export type { GetPersonTrackingRequest };
