/**
 * The workflow's Lambda steps as plain functions over injected dependencies, so the same code runs in
 * Lambda (lambdas/workflow/{prepare,complete,handle-failure}.ts) and in the local state-machine tests.
 * Finishing a job always goes through core's completeJob: one transition, one notification.
 */
import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { completeJob } from '../../core/jobs/lifecycle.js';
import type { JobStore, Notifier } from '../../core/ports.js';
import { RESULTS_FORMAT_VERSION, RESULT_FILES } from '../../core/results-format.js';
import type { ResultsManifest } from '../../core/results-format.js';
import type { VideoJobStatus } from '../../core/types.js';
import { FAILURE_FILE, STATUS_MESSAGES, resultsPrefixFor } from '../../core/tracker-protocol.js';
import type { FailureReport } from '../../core/tracker-protocol.js';
import { classifyFailure, neverStartedWaitMs, segmentChildrenLostToHosts } from './failure.js';
import type { CaughtError, FailedChild, FailureDecision, FailureKind } from './failure.js';

/** Times the workflow submits the tracker again after Batch's own attempts were all reclaimed. */
export const MAX_RESUBMITS = 2;

export interface JobKey {
  jobId: string;
  accountId: string;
}

export interface PrepareResult {
  proceed: boolean;
  resultsPrefix: string;
  resubmits: number;
}

export interface CompleteInput extends JobKey {
  resultsPrefix: string;
}

export interface HandleFailureInput extends JobKey {
  error?: CaughtError;
  resubmits?: number;
  /**
   * The workflow's last resort (FailJob, after a step failed for good): fail the job without reading failure.json
   * and without a retry decision, so nothing that may have made the step fail is needed again.
   */
  final?: boolean;
  /** The failed step was RunSegments (the array job): its failed children's reasons decide a resubmission. */
  segments?: boolean;
}

export type HandleFailureResult =
  | { action: 'RETRY'; resubmits: number; kind: FailureKind }
  | { action: 'FAILED'; kind: FailureKind; statusMessage: string; finished: boolean };

export interface WorkflowDeps {
  store: JobStore;
  s3: Pick<S3Client, 'send'>;
  resultsBucket: string;
  /** A notifier acting for the account that started the job. */
  notifierFor: (accountId: string) => Notifier;
  now?: () => number;
  /** Counts outcomes (Powertools metrics in Lambda). */
  count?: (metric: 'JobsSucceeded' | 'JobsFailed' | 'JobsNeverStarted' | 'TrackerResubmitted' | 'NotificationsFailed') => void;
  /** Records a measurement (Powertools metrics in Lambda): the queue wait of a job Batch cancelled before it started. */
  measure?: (metric: 'QueueWaitSeconds', value: number) => void;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** The FAILED children of a Batch array job (adapters/batch-array-children.ts); without it a failed array is not resubmitted. */
  failedArrayChildren?: (arrayJobId: string) => Promise<FailedChild[]>;
}

/** The Batch job id in a States.TaskFailed cause (the DescribeJobs job), if any. */
function batchJobIdOf(error: CaughtError | undefined): string | undefined {
  try {
    const id = (JSON.parse(error?.Cause ?? '') as { JobId?: unknown }).JobId;
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

async function readObject(deps: WorkflowDeps, key: string): Promise<string | undefined> {
  try {
    const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.resultsBucket, Key: key }));
    return out.Body ? await out.Body.transformToString('utf8') : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey || (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound'))) return undefined;
    throw error;
  }
}

function check(input: JobKey): void {
  for (const k of ['jobId', 'accountId'] as const) {
    if (typeof input?.[k] !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(input[k])) throw new Error(`workflow input: bad ${k}`);
  }
}

export function createWorkflowSteps(deps: WorkflowDeps) {
  const log = deps.log ?? (() => undefined);
  const count = deps.count ?? (() => undefined);
  const completeDeps = (accountId: string) => ({
    store: deps.store,
    notifier: deps.notifierFor(accountId),
    now: deps.now,
    onNotificationError: (e: unknown) => {
      count('NotificationsFailed');
      log('completion notification failed', { error: e instanceof Error ? e.name : 'error' });
    },
  });

  return {
    /** Runs the tracker only for a job still IN_PROGRESS (a redriven or duplicated execution does nothing). */
    async prepare(input: JobKey): Promise<PrepareResult> {
      check(input);
      const job = await deps.store.getJob(input.accountId, input.jobId);
      const resultsPrefix = resultsPrefixFor(input.accountId, input.jobId);
      const proceed = job?.status === 'IN_PROGRESS';
      log('prepare', { jobId: input.jobId, proceed, status: job?.status ?? 'UNKNOWN' });
      return { proceed, resultsPrefix, resubmits: 0 };
    },

    /** The tracker exited 0: the job becomes SUCCEEDED with the VideoMetadata of its manifest. */
    async complete(input: CompleteInput): Promise<{ status: VideoJobStatus | 'ALREADY_FINISHED' }> {
      check(input);
      const prefix = resultsPrefixFor(input.accountId, input.jobId);
      const text = await readObject(deps, `${prefix}/${RESULT_FILES.manifest}`);
      if (text === undefined) throw Object.assign(new Error('the tracker exited without writing results'), { name: 'ResultsMissing' });
      const manifest = JSON.parse(text) as ResultsManifest;
      if (manifest.formatVersion !== RESULTS_FORMAT_VERSION) {
        throw Object.assign(new Error(`unsupported results format ${String(manifest.formatVersion)}`), { name: 'ResultsMissing' });
      }
      const finished = await completeJob(completeDeps(input.accountId), input.accountId, input.jobId, {
        status: 'SUCCEEDED',
        videoMetadata: manifest.videoMetadata,
        resultsLocation: `s3://${deps.resultsBucket}/${prefix}`,
      });
      if (finished) count('JobsSucceeded');
      log('complete', { jobId: input.jobId, applied: finished !== undefined, detections: manifest.count, persons: manifest.persons });
      return { status: finished?.status ?? 'ALREADY_FINISHED' };
    },

    /** Any caught error: submit again after a host/Spot loss, else FAILED with a StatusMessage. */
    async handleFailure(input: HandleFailureInput): Promise<HandleFailureResult> {
      check(input);
      const resubmits = Number.isInteger(input.resubmits) ? (input.resubmits as number) : 0;
      const prefix = resultsPrefixFor(input.accountId, input.jobId);
      let report: FailureReport | undefined;
      const reportText = input.final === true ? undefined : await readObject(deps, `${prefix}/${FAILURE_FILE}`);
      if (reportText) {
        try {
          report = JSON.parse(reportText) as FailureReport;
        } catch {
          report = undefined;
        }
      }
      if (input.final !== true) {
        // A job Batch cancelled in the queue never logged a queue wait from the container: measure it here.
        const waitMs = neverStartedWaitMs(input.error);
        if (waitMs !== undefined) deps.measure?.('QueueWaitSeconds', Math.round(waitMs / 1000));
      }
      let decision: FailureDecision | undefined;
      if (input.final === true) decision = { kind: 'INTERNAL', retryable: false, statusMessage: STATUS_MESSAGES.internal };
      // A segments array job that failed with no child's failure report: ask Batch why its children failed.
      const arrayJobId = input.segments === true && !report ? batchJobIdOf(input.error) : undefined;
      if (!decision && arrayJobId && deps.failedArrayChildren) decision = segmentChildrenLostToHosts(await deps.failedArrayChildren(arrayJobId));
      decision ??= classifyFailure(input.error, report);
      // No capacity, or no compute environment that can place it: one is worth an operator's look (an alarm).
      if (decision.kind === 'CAPACITY' || decision.kind === 'MISCONFIGURATION') count('JobsNeverStarted');
      log('tracker failure', { jobId: input.jobId, error: input.error?.Error, kind: decision.kind, resubmits, final: input.final === true });
      if (decision.retryable && resubmits < MAX_RESUBMITS) {
        count('TrackerResubmitted');
        return { action: 'RETRY', resubmits: resubmits + 1, kind: decision.kind };
      }
      const finished = await completeJob(completeDeps(input.accountId), input.accountId, input.jobId, {
        status: 'FAILED',
        statusMessage: decision.statusMessage,
        ...(report?.videoMetadata ? { videoMetadata: report.videoMetadata } : {}),
      });
      if (finished) count('JobsFailed');
      return { action: 'FAILED', kind: decision.kind, statusMessage: decision.statusMessage, finished: finished !== undefined };
    },
  };
}

export type WorkflowSteps = ReturnType<typeof createWorkflowSteps>;
