/**
 * Ports: the interfaces the domain talks through. Adapters implement them for AWS (adapters/)
 * and for local mode (cli/local/). Nothing here imports an AWS SDK.
 */
import type { NotificationChannel, Video, VideoJobStatus, VideoMetadata } from './types.js';
import type { ByteRangeSource } from './results-format.js';

/** One job as stored (one item in the jobs table). */
export interface JobRecord {
  jobId: string;
  /** The caller's AWS account (Lambda: IAM request context; local: access key → account). */
  accountId: string;
  status: VideoJobStatus;
  statusMessage?: string;
  video: Video;
  jobTag?: string;
  notificationChannel?: NotificationChannel;
  clientRequestToken?: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms, set when the job left IN_PROGRESS. */
  completedAt?: number;
  /** Epoch seconds after which the job is gone (DynamoDB TTL); reads treat an expired job as unknown. */
  expiresAt: number;
  videoMetadata?: VideoMetadata;
  /** Where the results live: a local folder or `s3://bucket/prefix`. */
  resultsLocation?: string;
  /** 0..1, reported by the worker. */
  progress?: number;
  /** Epoch ms when a tracker run last started on the job (the container, out of the queue). */
  startedAt?: number;
  /** What the worker reported with the latest progress (frames, segments, ETA). */
  progressDetail?: ProgressDetail;
  /**
   * The completion notification's outbox (core/jobs/outbox.ts): OWED from the write that finished a job with a
   * NotificationChannel until a publish succeeded (SENT) or the service's rules refused it (REFUSED).
   */
  notification?: NotificationState;
  /** Epoch ms: while OWED, when the notification became owed or a re-publisher last claimed it; then when it settled. */
  notificationAt?: number;
}

export type NotificationState = 'OWED' | 'SENT' | 'REFUSED';

/** Progress beyond the fraction: analysed frames (all segments together), segments, estimated seconds left. */
export interface ProgressDetail {
  frames?: number;
  totalFrames?: number;
  segments?: number;
  segmentsDone?: number;
  etaSec?: number;
}

/** What the tracking engine needs to run one job, whatever runs it (local worker, Batch container). */
export interface TrackingJobInput {
  jobId: string;
  /** A local path to the video file (the container downloads from S3 first; local mode reads the bucket folder). */
  videoPath: string;
  /** A local folder to write the results format into. */
  resultsDir: string;
  onProgress?: (fraction: number, detail?: ProgressDetail) => void;
  signal?: AbortSignal;
  /** Operator log of the job (e.g. `engine`: execution provider, decoder hwaccel and model used); no user data. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface TrackingJobOutput {
  videoMetadata: VideoMetadata;
  /** Number of PersonDetection records written. */
  detections: number;
  persons: number;
}

/** The tracking engine, seen from whoever runs jobs. Throws (with a user-facing message) on failure. */
export interface VideoProcessor {
  process(input: TrackingJobInput): Promise<TrackingJobOutput>;
  /** Frees what the processor keeps between jobs (model threads); called once when its owner shuts down. */
  close?(): Promise<void>;
}

/** Object metadata of the input video (S3 HeadObject, or stat of a local bucket file). */
export interface VideoObjectInfo {
  sizeBytes: number;
}

export interface VideoSource {
  /**
   * Undefined when the object does not exist or cannot be read by the service. `accountId` is the caller's
   * account: in AWS the bucket must be owned by it (S3 ExpectedBucketOwner), so a caller can have only videos of
   * its own account analysed, never another account's that the service's role happens to be able to read.
   */
  head(video: Video, accountId: string): Promise<VideoObjectInfo | undefined>;
}

/** Publishes the exact completion message (spec §6) to a caller's SNS topic. */
export interface Notifier {
  publish(channel: NotificationChannel, message: string): Promise<void>;
}

/**
 * Proves that a caller's NotificationChannel.RoleArn trusts this service's publisher role with
 * sts:ExternalId = `externalId` (the caller's account), by assuming it (core/auth/notification-role.ts).
 * 'refused' when STS denies it; other failures (throttling, network) throw.
 */
export interface RoleTrustProbe {
  canAssume(roleArn: string, externalId: string): Promise<'trusted' | 'refused'>;
}

/** Starts the processing of an admitted job (Step Functions StartExecution, or the local worker). */
export interface WorkflowLauncher {
  launch(job: JobRecord): Promise<void>;
}

/** Opens a finished job's results for paging. */
export interface ResultsStore {
  open(job: JobRecord): ByteRangeSource;
}

/** A job to admit, as validated from a StartPersonTracking request. */
export interface NewJob {
  accountId: string;
  video: Video;
  jobTag?: string;
  notificationChannel?: NotificationChannel;
  clientRequestToken?: string;
  /** Canonical hash of the request parameters: same token + other hash → IdempotentParameterMismatchException. */
  requestHash: string;
}

export type JobOutcome =
  | { status: 'SUCCEEDED'; videoMetadata: VideoMetadata; resultsLocation: string }
  | { status: 'FAILED'; statusMessage: string; videoMetadata?: VideoMetadata };

/** The job repository: the same code runs on DynamoDB in AWS and on the embedded store in local mode. */
export interface JobStore {
  /**
   * Admits a job atomically: idempotent on (accountId, clientRequestToken) for 7 days, and enforcing the
   * per-account limit of concurrent jobs. `created: false` means an earlier identical start answered.
   * Throws the API's IdempotentParameterMismatchException / LimitExceededException errors.
   */
  startJob(job: NewJob, concurrentJobLimit: number): Promise<{ job: JobRecord; created: boolean }>;
  /** Undefined for an unknown, foreign or expired job. */
  getJob(accountId: string, jobId: string): Promise<JobRecord | undefined>;
  /**
   * Moves an IN_PROGRESS job to SUCCEEDED or FAILED and frees its concurrency slot. A job with a
   * NotificationChannel is marked, in the same conditional write, as owing its notification (`notification`
   * OWED, `notificationAt` = completedAt). Returns the updated record, or undefined when the job was no longer
   * IN_PROGRESS — so a completion is applied, and its notification owed, exactly once.
   */
  finishJob(accountId: string, jobId: string, outcome: JobOutcome): Promise<JobRecord | undefined>;
  /**
   * Jobs whose notification has been OWED since `owedBefore` (epoch ms) or earlier, oldest first, at most `limit`.
   * Deployed: a query of a sparse index that holds only owed jobs, never a scan of the table.
   */
  listOwedNotifications(owedBefore: number, limit: number): Promise<JobRecord[]>;
  /**
   * Claims an owed notification for one re-publish: moves `notificationAt` from `seenAt` to `at`, only while it is
   * still OWED at `seenAt`. True if this call claimed it (no other re-publisher, and the completer has not marked it).
   */
  claimNotification(accountId: string, jobId: string, seenAt: number, at: number): Promise<boolean>;
  /**
   * Settles an OWED notification (SENT after a publish, REFUSED when the service's rules refused it), only while
   * it is OWED: a settle never creates an item, never changes a settled one. True if this call settled it.
   */
  settleNotification(accountId: string, jobId: string, state: 'SENT' | 'REFUSED', at: number): Promise<boolean>;
  setProgress(accountId: string, jobId: string, fraction: number, detail?: ProgressDetail): Promise<void>;
  /** Records that a tracker run started on the job (only while IN_PROGRESS; otherwise nothing happens). */
  markStarted(accountId: string, jobId: string, at: number): Promise<void>;
  /** Jobs left IN_PROGRESS (the reconciler looks after them: core/jobs/reconcile.ts). */
  listInProgress(): Promise<JobRecord[]>;
  /** Every account's concurrency counter (the reconciler compares it with the account's IN_PROGRESS jobs). */
  listSlotCounters(): Promise<SlotCounter[]>;
  /** Records, or clears (undefined), the reconciler's observation on a counter — only while it still reads `running`. */
  noteSlotSuspect(accountId: string, running: number, suspect: SlotSuspect | undefined): Promise<void>;
  /** Sets a counter to `to` and clears its observation, only while it still reads `running`. True if it did. */
  correctSlots(accountId: string, running: number, to: number): Promise<boolean>;
}

/** The count of an account's IN_PROGRESS jobs that admission keeps (the per-account job limit). */
export interface SlotCounter {
  accountId: string;
  running: number;
  suspect?: SlotSuspect;
}

/** The reconciler saw the counter at `running` while the account had `inProgress` IN_PROGRESS jobs, at `atMs`. */
export interface SlotSuspect {
  running: number;
  inProgress: number;
  atMs: number;
}
