/**
 * What the tracker container and the workflow agree on (no AWS imports: the workflow Lambdas import it).
 *
 * - Results go to s3://$RESULTS_BUCKET/<resultsPrefix>/ (the five files of core/results-format.ts).
 * - On a failure the container writes <resultsPrefix>/failure.json ({ code, message, videoMetadata? }, the
 *   message user-facing, safe to store as StatusMessage) and exits with one of the codes below; the
 *   workflow turns it into the job's FAILED StatusMessage.
 */
import type { VideoMetadata } from './types.js';

export const FAILURE_FILE = 'failure.json';

export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  /** The video could not be read from S3. */
  VIDEO_UNREADABLE: 2,
  /** The video is not something the engine can process (format, codec, duration). */
  INVALID_VIDEO: 3,
  /** The duration-derived deadline passed. */
  TIMEOUT: 124,
} as const;

export interface FailureReport {
  code: string;
  message: string;
  videoMetadata?: VideoMetadata;
}

/** results/<accountId>/<jobId> — no trailing slash; files are <prefix>/<name>. */
export function resultsPrefixFor(accountId: string, jobId: string): string {
  return `results/${accountId}/${jobId}`;
}

/** The longest video the service accepts (Rekognition's limit): the time budget is sized for it. */
export const MAX_VIDEO_DURATION_MS = 6 * 3600 * 1000;
/** Fixed part of the container's deadline: model load, warm-up, the first frames. */
export const DEADLINE_BASE_MS = 15 * 60 * 1000;
/** Deadline per millisecond of video: GPU runs are many times faster than real time; CPU (Fargate) runs are not. */
export const TIME_FACTOR = { gpu: 3, cpu: 10 } as const;
/**
 * What an attempt needs beyond the engine's deadline: copying the video in (up to 10 GB) before the deadline
 * starts, writing the results (or failure.json) after it.
 */
export const TRANSFER_MARGIN_MS = 30 * 60 * 1000;

/**
 * The container's own time limit for a video: DEADLINE_BASE_MS plus `factor` times its duration, the duration
 * clamped to MAX_VIDEO_DURATION_MS (an unknown one counts as the maximum), so no video's deadline exceeds
 * the attempt ceiling derived from the same numbers (attemptCeilingMsFor).
 */
export function deadlineMsFor(durationMillis: number | undefined, factor: number, base = DEADLINE_BASE_MS): number {
  const known = Number.isFinite(durationMillis) && (durationMillis ?? 0) > 0 ? (durationMillis as number) : MAX_VIDEO_DURATION_MS;
  return Math.ceil(base + factor * Math.min(known, MAX_VIDEO_DURATION_MS));
}

/**
 * The platform's hard stop of one attempt (Batch attemptDurationSeconds, the Fargate task timeout): the deadline of
 * the longest accepted video plus the transfers. The container always stops first, with its own message.
 */
export function attemptCeilingMsFor(factor: number): number {
  return deadlineMsFor(MAX_VIDEO_DURATION_MS, factor) + TRANSFER_MARGIN_MS;
}

export const STATUS_MESSAGES = {
  internal: 'Internal server error',
  unreadable: 'Unable to get object from S3. Check object key, region and/or access permissions.',
  timeout: 'The job did not finish within its time limit.',
  capacity: 'No compute capacity was available to run the job. Try again later.',
  interrupted: 'The job was interrupted too many times (compute capacity reclaimed). Try again later.',
} as const;
