/**
 * The local worker: runs admitted jobs in-process behind the VideoProcessor port, with bounded concurrency,
 * and completes each through core's completeJob. Whatever goes wrong while processing, the job ends FAILED
 * with a StatusMessage; only a shutdown (abort) leaves a job IN_PROGRESS, and the next start resumes it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobOutcome, JobRecord, JobStore, Notifier, TrackingJobInput, VideoProcessor, WorkflowLauncher } from '../../core/ports.js';
import { ResultsReader, LocalFolderSource } from '../../core/results-format.js';
import { completeJob } from '../../core/jobs/lifecycle.js';
import { errorName } from '../../core/jobs/outbox.js';
import type { CompletionStep } from '../../core/jobs/lifecycle.js';
import { failureMessage } from '../../core/jobs/status-message.js';
import type { LocalBuckets } from './buckets.js';

export interface LocalWorkerOptions {
  store: JobStore;
  /** The notifier of an account's jobs. */
  notifierFor: (accountId: string) => Notifier;
  processor: VideoProcessor;
  buckets: LocalBuckets;
  /** Results of job X go to <resultsRoot>/X. */
  resultsRoot: string;
  concurrency?: number;
  now?: () => number;
  log?: (line: string) => void;
  /** Test-only crash injection at a completion boundary (cli/serve.ts, PEOPLE_PATHING_TEST_CRASH_AT). */
  atStep?: (step: CompletionStep, jobId: string) => void;
}

export class LocalWorker implements WorkflowLauncher {
  private readonly queue: JobRecord[] = [];
  private readonly queued = new Set<string>();
  private running = 0;
  private readonly concurrency: number;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: LocalWorkerOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
  }

  /** Queues the job; returns at once. A job already queued or running is not queued twice. */
  async launch(job: JobRecord): Promise<void> {
    if (this.closed) throw new Error('worker is closed');
    if (this.queued.has(job.jobId)) return;
    this.queued.add(job.jobId);
    this.queue.push(job);
    this.pump();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking jobs and aborts the running ones (they stay IN_PROGRESS and are resumed on restart). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.abort.abort();
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as JobRecord;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.queued.delete(job.jobId);
        if (!this.closed) this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private async run(job: JobRecord): Promise<void> {
    const { store, buckets, processor } = this.options;
    const resultsDir = join(this.options.resultsRoot, job.jobId);
    let outcome: JobOutcome;
    try {
      // The file's verified real path (cli/local/buckets.ts): what ffmpeg opens has no symlink left in it.
      const videoPath = (await buckets.file(job.video))?.path;
      if (!videoPath) {
        throw new Error('Unable to get object metadata from S3. Check object key, region and/or access permissions.');
      }
      await rm(resultsDir, { recursive: true, force: true }); // a resumed job starts over
      const progress = new ProgressWriter((fraction, detail) => store.setProgress(job.accountId, job.jobId, fraction, detail));
      const output = await processor.process({
        jobId: job.jobId,
        videoPath,
        resultsDir,
        signal: this.abort.signal,
        log: (event, fields) => this.options.log?.(`job ${job.jobId} ${event} ${JSON.stringify(fields)}`),
        onProgress: (fraction, detail) => progress.report(fraction, detail),
      }).finally(() => progress.close());
      // Only a complete, readable results set may be published as SUCCEEDED.
      try {
        await new ResultsReader(new LocalFolderSource(resultsDir)).getManifest();
      } catch {
        throw new Error('Video processing produced no readable results');
      }
      outcome = { status: 'SUCCEEDED', videoMetadata: output.videoMetadata, resultsLocation: resultsDir };
    } catch (error) {
      if (this.abort.signal.aborted) {
        this.options.log?.(`job ${job.jobId} interrupted by shutdown; it resumes on the next start`);
        return;
      }
      // completeJob makes it user-facing (no server paths, bounded length: core/jobs/status-message.ts).
      outcome = { status: 'FAILED', statusMessage: failureMessage(error) };
    }
    // The outcome is recorded even when the job store is down for a while (a full data disk): the job is held and
    // its completion retried until the store answers again, or until shutdown (the next start resumes it).
    for (let attempt = 0; ; attempt++) {
      try {
        await completeJob(
          {
            store,
            notifier: this.options.notifierFor(job.accountId),
            now: this.options.now,
            onNotificationError: (error) =>
              this.options.log?.(`job ${job.jobId}: notification not sent (${errorName(error)}); it is retried unless refused`),
            ...(this.options.atStep ? { atStep: this.options.atStep } : {}),
          },
          job.accountId,
          job.jobId,
          outcome,
        );
        this.options.log?.(`job ${job.jobId} ${outcome.status}`);
        return;
      } catch (error) {
        if (attempt === 4) {
          this.options.log?.(`job ${job.jobId}: could not record completion (${error instanceof Error ? error.name : 'error'}); holding it and retrying`);
        }
        if (this.abort.signal.aborted) {
          this.options.log?.(`job ${job.jobId}: completion not recorded before shutdown; it resumes on the next start`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }
}

type ProgressArgs = Parameters<NonNullable<TrackingJobInput['onProgress']>>;

/**
 * Writes a job's progress to the store at most once a second, except that a finished segment (segmentsDone changes) or
 * the end (fraction 1) is written at once, and an update held back by the limit is written when the second is up, so
 * GetPersonTracking shows each segment as it finishes and never an older state than the engine reported. Writes go
 * one after another (a slow write cannot land after a newer one).
 */
class ProgressWriter {
  private lastWrite = 0;
  private lastSegmentsDone: number | undefined;
  private held: ProgressArgs | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly write: (...args: ProgressArgs) => Promise<unknown>) {}

  report(...args: ProgressArgs): void {
    if (this.closed) return;
    const [fraction, detail] = args;
    const segmentsDone = detail?.segmentsDone;
    const milestone = fraction >= 1 || (segmentsDone !== undefined && segmentsDone !== this.lastSegmentsDone);
    this.lastSegmentsDone = segmentsDone;
    const wait = 1000 - (Date.now() - this.lastWrite);
    if (milestone || wait <= 0) {
      this.flush(args);
      return;
    }
    this.held = args;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.held) this.flush(this.held);
    }, wait);
  }

  private flush(args: ProgressArgs): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = undefined;
    this.lastWrite = Date.now();
    this.writing = this.writing.then(() => this.write(...args)).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Drops what is held and waits for the writes under way, so none lands after the job's outcome. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.held = undefined;
    await this.writing;
  }
}
