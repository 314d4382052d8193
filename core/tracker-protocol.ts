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

/**
 * The container's own time limit for a video: 15 minutes to start (download, model load) plus `factor`
 * times the video's duration. GPU runs are many times faster than real time; the CPU path gets a larger
 * factor. Capped by the Batch attempt ceiling anyway.
 */
export function deadlineMsFor(durationMillis: number | undefined, factor: number, base = 15 * 60 * 1000): number {
  const duration = Number.isFinite(durationMillis) && (durationMillis ?? 0) > 0 ? (durationMillis as number) : 6 * 3600 * 1000;
  return Math.ceil(base + factor * duration);
}

export const STATUS_MESSAGES = {
  internal: 'Internal server error',
  unreadable: 'Unable to get object from S3. Check object key, region and/or access permissions.',
  timeout: 'The job did not finish within its time limit.',
  capacity: 'No compute capacity was available to run the job. Try again later.',
  interrupted: 'The job was interrupted too many times (compute capacity reclaimed). Try again later.',
} as const;
