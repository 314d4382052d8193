/**
 * Segmented tracking in AWS (doc/architecture/0014-segmented-tracking.md): what the tracker container does for a
 * long video, and what each Batch array child does.
 *
 *   - No container plans: the PlanSegments Lambda (lambdas/workflow/segment-steps.ts) reads the MP4 header before
 *     any GPU instance starts and writes <prefix>/segments/plan.json (core/segment-plan.ts, the one plan rule).
 *   - Each array child (TRACKER_MODE=segment, AWS_BATCH_JOB_ARRAY_INDEX = segment index): copies the video (only its
 *     segment's bytes into a sparse file where the MP4 header tells them, core/video/mp4-timing.ts), probes
 *     it (ffprobe: the VideoMetadata it uploads as video.json is what the results carry, as for an unsplit run), tracks
 *     its range with the ordinary engine, and uploads its segment folder to <prefix>/segments/segment-NNNNN/
 *     (segment.json last); a child whose segment.json is already there (a resubmitted array) exits 0 at once. A child
 *     whose video fails writes failure.json (as a single run does) and terminates the other children through the
 *     parent array job, so the job fails at once with that message.
 *   - The stitch step (lambdas/workflow/segment-steps.ts) joins the segment folders into the results format.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { VideoMetadata } from '../../../../core/types.js';
import { runSegmentRequest, type SegmentJobOptions } from '../pipeline/segment-run.js';
import { analysisStep } from '../../../../core/segment-plan.js';
import { SEGMENT_FILES } from '../../../../core/stitch/segment-files.js';
import { EXIT, FAILURE_FILE, STATUS_MESSAGES } from '../../../../core/tracker-protocol.js';
import type { FailureReport } from '../../../../core/tracker-protocol.js';
import { engineFailure, readEnv } from './run.js';
import { downloadVideo, downloadVideoRanges } from '../../../../adapters/s3-video-source.js';
import { s3ByteRange } from '../../../../adapters/s3-byte-range.js';
import { mp4RangeBytes, readMp4Header } from '../../../../core/video/mp4-timing.js';
import { PLAN_FILE, SEGMENT_VIDEO_FILE, segmentPrefix, type PlanFile, type SegmentVideoFile } from '../../../../core/segment-protocol.js';

export interface SegmentChildDeps {
  env: Record<string, string | undefined>;
  s3: Pick<S3Client, 'send'>;
  job?: SegmentJobOptions;
  /** ffprobe: the video's VideoMetadata (an EngineError for a file the engine refuses). */
  probe: (path: string) => Promise<VideoMetadata>;
  workDir: string;
  /** Stops the other children (Batch TerminateJob on the parent array job). */
  terminateSiblings: (reason: string) => Promise<void>;
  log: (event: string, fields?: Record<string, unknown>) => void;
}

async function segmentDone(s3: Pick<S3Client, 'send'>, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}

/** One Batch array child: track segment AWS_BATCH_JOB_ARRAY_INDEX of the plan and upload its folder. */
export async function runSegmentChild(deps: SegmentChildDeps): Promise<number> {
  let job;
  try {
    job = readEnv(deps.env);
  } catch (error) {
    deps.log('job-configuration-error', { error: error instanceof Error ? error.message : 'error' });
    return EXIT.INTERNAL;
  }
  const index = Number(deps.env.AWS_BATCH_JOB_ARRAY_INDEX);
  const dir = join(deps.workDir, `${job.jobId}-segment-${index}`);
  const put = (key: string, body: string | Readable, length?: number) =>
    deps.s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: `${job.prefix}/${key}`, Body: body, ContentLength: length }));
  const fail = async (exitCode: number, report: FailureReport): Promise<number> => {
    try {
      await put(FAILURE_FILE, JSON.stringify(report));
    } catch (error) {
      deps.log('failure-report-not-written', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
    }
    try {
      await deps.terminateSiblings(`segment ${index} failed: ${report.code}`);
    } catch (error) {
      deps.log('siblings-not-terminated', { jobId: job.jobId, error: error instanceof Error ? error.name : 'error' });
    }
    deps.log('segment-failed', { jobId: job.jobId, index, code: report.code, exitCode });
    return exitCode;
  };
  try {
    const planObject = await deps.s3.send(new GetObjectCommand({ Bucket: job.bucket, Key: `${job.prefix}/${PLAN_FILE}` }));
    const plan = JSON.parse(await (planObject.Body as { transformToString(): Promise<string> }).transformToString()) as PlanFile;
    const seg = plan.segments[index];
    if (!Number.isInteger(index) || !seg) throw Object.assign(new Error(`no segment ${index} in the plan`), { name: 'ConfigurationError' });
    // A resubmitted array job (HandleSegmentsFailure, after children were lost to Spot) tracks only what is missing:
    // a segment whose segment.json (uploaded last) is in S3 is done.
    if (await segmentDone(deps.s3, job.bucket, `${job.prefix}/${segmentPrefix(index)}/${SEGMENT_FILES.meta}`)) {
      deps.log('segment-already-done', { jobId: job.jobId, index });
      return EXIT.OK;
    }
    await mkdir(dir, { recursive: true });
    const ext = (/\.[A-Za-z0-9]{1,5}$/.exec(job.video.Name ?? '')?.[0] ?? '.video').toLowerCase();
    const videoPath = join(dir, `input${ext}`);
    const range = { startFrame: seg.startFrame, ...(seg.endFrame !== undefined ? { endFrame: seg.endFrame } : {}) };
    try {
      // The same owner check as the unsplit run: only a bucket of the job's account. Only this segment's bytes where
      // the MP4 header tells them (a sparse copy, doc 0020); else the whole file.
      // Pinned to the ETag the plan was read at (If-Match): a video replaced since fails as unreadable, never mixed.
      const source = s3ByteRange(deps.s3, job.video, job.accountId, plan.etag);
      const header = await readMp4Header(source).catch(() => undefined);
      const ranges = header && 'header' in header ? mp4RangeBytes(header.header, range) : undefined;
      if (header && 'header' in header && ranges) {
        const bytes = await downloadVideoRanges(deps.s3, job.video, job.accountId, videoPath, header.header.size, ranges, source.etag());
        deps.log('video-ranged', { jobId: job.jobId, index, bytes: bytes + header.bytesRead, sizeBytes: header.header.size, requests: ranges.length + header.reads });
      } else {
        await downloadVideo(deps.s3, job.video, job.accountId, videoPath, plan.etag);
      }
    } catch (error) {
      deps.log('video-download-failed', { jobId: job.jobId, index, error: error instanceof Error ? error.name : 'error' });
      return await fail(EXIT.VIDEO_UNREADABLE, { code: 'VIDEO_UNREADABLE', message: STATUS_MESSAGES.unreadable });
    }
    let videoMetadata: VideoMetadata;
    try {
      videoMetadata = await deps.probe(videoPath);
    } catch (error) {
      const known = engineFailure(error);
      if (known) return await fail(EXIT.INVALID_VIDEO, known);
      throw error;
    }
    // The plan was made from the MP4 header (core/video/mp4-timing.ts) by ffmpeg's rules; a cadence that differs
    // from ffprobe's would cut frames the unsplit run does not analyse: refuse it rather than stitch wrong results.
    if (Math.fround(plan.fps) !== videoMetadata.FrameRate || analysisStep(plan.fps, deps.job?.everyFrame ?? false) !== plan.step) {
      deps.log('plan-mismatch', { jobId: job.jobId, index, planFps: plan.fps, probedFps: videoMetadata.FrameRate });
      return await fail(EXIT.INTERNAL, { code: 'INTERNAL', message: STATUS_MESSAGES.internal, videoMetadata });
    }
    const outDir = join(dir, 'segment');
    try {
      await runSegmentRequest({ type: 'run', input: videoPath, range, outDir, options: deps.job ?? {} });
    } catch (error) {
      const known = engineFailure(error);
      if (known) return await fail(EXIT.INVALID_VIDEO, { ...known, videoMetadata });
      throw error;
    }
    const videoFile: SegmentVideoFile = { videoMetadata };
    await put(`${segmentPrefix(index)}/${SEGMENT_VIDEO_FILE}`, JSON.stringify(videoFile));
    const names = (await readdir(outDir)).filter((n) => n !== SEGMENT_FILES.meta).sort();
    for (const name of [...names, SEGMENT_FILES.meta]) {
      const path = join(outDir, name);
      await put(`${segmentPrefix(index)}/${name}`, createReadStream(path), (await stat(path)).size);
    }
    deps.log('segment-succeeded', { jobId: job.jobId, index });
    return EXIT.OK;
  } catch (error) {
    deps.log('segment-error', { jobId: job.jobId, index, error: error instanceof Error ? error.name : 'error' });
    return await fail(EXIT.INTERNAL, { code: 'INTERNAL', message: STATUS_MESSAGES.internal });
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
