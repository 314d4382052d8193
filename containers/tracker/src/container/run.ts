/**
 * The tracker container's job, with its dependencies injected (main.ts wires AWS and the engine):
 *
 *   1. read the job from the environment (JOB_ID, ACCOUNT_ID, VIDEO, RESULTS_PREFIX, RESULTS_BUCKET; SUBMITTED_AT for
 *      the queue wait it logs);
 *   2. copy the video from S3 to local disk (the engine seeks; ffmpeg reads files best);
 *   3. probe it and set the deadline from its duration (protocol.deadlineMsFor);
 *   4. run the engine, reporting progress on the job record;
 *   5. upload the results folder under the prefix, manifest.json last (its presence marks completeness);
 *   6. on failure write failure.json with a user-facing message and exit non-zero (protocol.EXIT).
 *
 * Logs are one JSON object per line with job ids, sizes, durations and error names — never keys, bucket
 * names, frames or detections.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { downloadVideo } from '../../../../adapters/s3-video-source.js';
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobStore, ProgressDetail, VideoProcessor } from '../../../../core/ports.js';
import { RESULT_FILES } from '../../../../core/results-format.js';
import type { S3Object, VideoMetadata } from '../../../../core/types.js';
import { EXIT, FAILURE_FILE, STATUS_MESSAGES, deadlineMsFor } from '../../../../core/tracker-protocol.js';
import type { FailureReport } from '../../../../core/tracker-protocol.js';

export interface ContainerDeps {
  env: Record<string, string | undefined>;
  s3: Pick<S3Client, 'send'>;
  store: Pick<JobStore, 'getJob' | 'setProgress' | 'markStarted'>;
  processor: VideoProcessor;
  probe: (path: string) => Promise<VideoMetadata>;
  /** Local scratch folder (the instance volume). */
  workDir: string;
  /** Deadline = base (default 15 min) + factor × duration. */
  timeFactor: number;
  deadlineBaseMs?: number;
  log: (event: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
  /** Minimum time between two progress writes (ms). Default 15 s. */
  progressIntervalMs?: number;
}

export interface JobEnv {
  jobId: string;
  accountId: string;
  video: S3Object;
  bucket: string;
  prefix: string;
}

export function readEnv(env: ContainerDeps['env']): JobEnv {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw Object.assign(new Error(`missing ${k}`), { name: 'ConfigurationError' });
    return v;
  };
  const video = (JSON.parse(need('VIDEO')) as { S3Object?: S3Object }).S3Object;
  if (!video?.Bucket || !video.Name) throw Object.assign(new Error('VIDEO has no S3Object'), { name: 'ConfigurationError' });
  return { jobId: need('JOB_ID'), accountId: need('ACCOUNT_ID'), video, bucket: need('RESULTS_BUCKET'), prefix: need('RESULTS_PREFIX') };
}

/** Known engine failures carry a user-facing message (containers/tracker/src/errors.ts). */
export function engineFailure(error: unknown): { code: string; message: string } | undefined {
  if (error instanceof Error && error.name === 'EngineError' && 'code' in error) {
    return { code: String((error as { code: unknown }).code), message: error.message };
  }
  return undefined;
}

export async function runTrackerJob(deps: ContainerDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  let job: JobEnv;
  try {
    job = readEnv(deps.env);
  } catch (error) {
    deps.log('job-configuration-error', { error: error instanceof Error ? error.message : 'error' });
    return EXIT.INTERNAL;
  }
  const started = now();
  const dir = join(deps.workDir, job.jobId);
  const resultsDir = join(dir, 'results');
  const ext = (/\.[A-Za-z0-9]{1,5}$/.exec(job.video.Name ?? '')?.[0] ?? '.video').toLowerCase();
  const videoPath = join(dir, `input${ext}`);
  let videoMetadata: VideoMetadata | undefined;

  const putObject = async (name: string, body: Buffer | string | Readable, length?: number) =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: job.bucket,
        Key: `${job.prefix}/${name}`,
        Body: body,
        ContentLength: length,
        ContentType: name.endsWith('.json') ? 'application/json' : name.endsWith('.ndjson') ? 'application/x-ndjson' : 'application/octet-stream',
      }),
    );
  const fail = async (exitCode: number, report: FailureReport): Promise<number> => {
    try {
      await putObject(FAILURE_FILE, JSON.stringify(report));
    } catch (error) {
      deps.log('failure-report-not-written', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
    }
    deps.log('job-failed', { jobId: job.jobId, code: report.code, exitCode, seconds: Math.round((now() - started) / 1000) });
    return exitCode;
  };

  try {
    await mkdir(dir, { recursive: true });
    const record = await deps.store.getJob(job.accountId, job.jobId);
    if (!record || record.status !== 'IN_PROGRESS') {
      deps.log('job-not-in-progress', { jobId: job.jobId, status: record?.status ?? 'UNKNOWN' });
      return EXIT.OK;
    }
    // Queue wait: from this run's submission (SUBMITTED_AT, set by the workflow), the job's admission only if absent.
    const submittedAt = Date.parse(deps.env.SUBMITTED_AT ?? '');
    const queuedSince = Number.isFinite(submittedAt) ? submittedAt : record.createdAt;
    deps.log('job-started', { jobId: job.jobId, queueWaitSeconds: Math.max(0, Math.round((started - queuedSince) / 1000)) });
    // Out of the queue: the reconciler stops only executions whose tracker never started (doc 0012).
    await deps.store.markStarted(job.accountId, job.jobId, started).catch((error: unknown) => {
      deps.log('start-not-recorded', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
    });

    // 1. The video, to local disk.
    try {
      // Only a bucket of the caller's own account (adapters/s3-video-source.ts).
      await downloadVideo(deps.s3, job.video, job.accountId, videoPath);
    } catch (error) {
      deps.log('video-download-failed', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
      return await fail(EXIT.VIDEO_UNREADABLE, { code: 'VIDEO_UNREADABLE', message: STATUS_MESSAGES.unreadable });
    }
    const sizeBytes = (await stat(videoPath)).size;

    // 2. Probe and deadline.
    try {
      videoMetadata = await deps.probe(videoPath);
    } catch (error) {
      const known = engineFailure(error);
      if (known) return await fail(EXIT.INVALID_VIDEO, known);
      throw error;
    }
    const deadlineMs = deadlineMsFor(videoMetadata.DurationMillis, deps.timeFactor, deps.deadlineBaseMs);
    deps.log('video-ready', { jobId: job.jobId, sizeBytes, durationMillis: videoMetadata.DurationMillis, deadlineSeconds: Math.round(deadlineMs / 1000) });

    // 3. Track, with the deadline and progress on the job record.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, deadlineMs);
    const interval = deps.progressIntervalMs ?? 15000;
    let lastProgressAt = 0;
    let progressWrite: Promise<void> = Promise.resolve();
    const onProgress = (fraction: number, detail?: ProgressDetail) => {
      const t = now();
      if (t - lastProgressAt < interval || !(fraction >= 0 && fraction <= 1)) return;
      lastProgressAt = t;
      progressWrite = progressWrite
        .then(() => deps.store.setProgress(job.accountId, job.jobId, Math.min(0.99, fraction), detail))
        .catch((error: unknown) => deps.log('progress-not-written', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' }));
    };
    let output;
    try {
      output = await deps.processor.process({
        jobId: job.jobId,
        videoPath,
        resultsDir,
        onProgress,
        signal: controller.signal,
        // `engine`: the execution provider, decoder hwaccel and model this job ran on.
        log: (event, fields) => deps.log(event, { jobId: job.jobId, ...fields }),
      });
    } catch (error) {
      if (timedOut) {
        return await fail(EXIT.TIMEOUT, {
          code: 'TIMEOUT',
          message: `The job did not finish within its time limit (${Math.max(1, Math.ceil(deadlineMs / 60000))} min for a video of this duration).`,
          videoMetadata,
        });
      }
      const known = engineFailure(error);
      if (known) return await fail(EXIT.INVALID_VIDEO, { ...known, videoMetadata });
      throw error;
    } finally {
      clearTimeout(timer);
      await progressWrite;
    }

    // 4. Results, manifest last.
    const names = (await readdir(resultsDir)).filter((n) => n !== RESULT_FILES.manifest).sort();
    for (const name of [...names, RESULT_FILES.manifest]) {
      const path = join(resultsDir, name);
      const { size } = await stat(path);
      await putObject(name, createReadStream(path), size);
    }
    deps.log('job-succeeded', {
      jobId: job.jobId,
      seconds: Math.round((now() - started) / 1000),
      durationMillis: output.videoMetadata.DurationMillis,
      detections: output.detections,
      persons: output.persons,
    });
    return EXIT.OK;
  } catch (error) {
    deps.log('job-error', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
    return await fail(EXIT.INTERNAL, { code: 'INTERNAL', message: STATUS_MESSAGES.internal, ...(videoMetadata ? { videoMetadata } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
