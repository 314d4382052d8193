/**
 * The segmented workflow's Lambda steps (doc/architecture/0014-segmented-tracking.md, 0020), as plain functions over
 * injected dependencies like steps.ts, so the local state-machine tests run the same code:
 *   - plan: before any GPU container starts, read the video's MP4 header with ranged GetObjects (ExpectedBucketOwner
 *     = the job's account), apply core's one plan rule, and when it cuts the video write segments/plan.json; anything
 *     the header cannot decide, or a video that cannot be read, runs as one unsplit job (whose container reports a
 *     bad file with the engine's usual message);
 *   - stitch: the array children's segment folders, streamed from S3, joined by the stitcher into the results
 *     format in local scratch, uploaded under the results prefix with manifest.json last (Complete reads it).
 * The stitch fits a Lambda: 2 million detections (a 6 h video) take ~7 s and ~380 MB (doc/segments.md).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { isVideoRefused } from '../../adapters/s3-video-source.js';
import { RESULT_FILES } from '../../core/results-format.js';
import { resultsPrefixFor } from '../../core/tracker-protocol.js';
import { PLAN_FILE, SEGMENT_VIDEO_FILE, segmentPrefix, toPlanFile, type PlanFile, type SegmentVideoFile } from '../../core/segment-protocol.js';
import { splitPlan, type SplitSettings } from '../../core/segment-plan.js';
import { readMp4Timing, type ByteRangeSource } from '../../core/video/mp4-timing.js';
import type { S3Object, Video, VideoMetadata } from '../../core/types.js';
import type { SegmentSample, StitchSegment, TrackFeatures } from '../../core/stitch/index.js';
import { SEGMENT_FILES, parseSampleLine, type SegmentMeta } from '../../core/stitch/segment-files.js';
import { stitchOptionsFor, stitchToResults } from '../../core/stitch/results.js';
import type { JobKey } from './steps.js';

export interface SegmentStepsDeps {
  s3: Pick<S3Client, 'send'>;
  resultsBucket: string;
  /** Scratch for the results files (Lambda: /tmp, sized by the function's ephemeral storage). */
  workDir?: string;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** The stack's split settings (TRACKER_SEGMENT_* in the PlanSegments Lambda's environment). */
  split?: SplitSettings;
  /** Ranged reads of the input video with the owner check (adapters/s3-byte-range.ts). */
  videoBytes?: (video: S3Object, accountId: string) => ByteRangeSource;
}

export interface PlanInput extends JobKey {
  video: Video;
}

function check(input: JobKey): void {
  for (const k of ['jobId', 'accountId'] as const) {
    if (typeof input?.[k] !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(input[k])) throw new Error(`workflow input: bad ${k}`);
  }
}

const missing = (error: unknown): boolean =>
  error instanceof NoSuchKey || (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound'));

export function createSegmentSteps(deps: SegmentStepsDeps) {
  const log = deps.log ?? (() => undefined);
  const get = async (key: string): Promise<Readable | undefined> => {
    try {
      const out = await deps.s3.send(new GetObjectCommand({ Bucket: deps.resultsBucket, Key: key }));
      return out.Body as Readable | undefined;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  };
  const getText = async (key: string): Promise<string | undefined> => {
    const body = await get(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  };
  const readPlanFile = async (prefix: string): Promise<PlanFile | undefined> => {
    const text = await getText(`${prefix}/${PLAN_FILE}`);
    return text === undefined ? undefined : (JSON.parse(text) as PlanFile);
  };

  return {
    /**
     * { segmented: true, size } after writing the plan; { segmented: false } when the video runs as one job (below
     * the threshold, one segment, or the header undecided: `reason` says why, for the logs).
     */
    async plan(input: PlanInput): Promise<{ segmented: boolean; size: number }> {
      check(input);
      const unsplit = (reason: string) => {
        log('plan-unsplit', { jobId: input.jobId, reason });
        return { segmented: false, size: 0 };
      };
      const video = input.video?.S3Object;
      if (!deps.split || !(deps.split.parallelism > 1) || !deps.videoBytes) return unsplit('segments off');
      if (!video?.Bucket || !video.Name) return unsplit('no S3Object');
      let result;
      const source = deps.videoBytes(video, input.accountId);
      try {
        result = await readMp4Timing(source);
      } catch (error) {
        // The tracker reads the video again with the same owner check and reports it unreadable, as for any job.
        if (isVideoRefused(error)) return unsplit(`video not readable (${(error as Error).name})`);
        throw error;
      }
      if ('undecided' in result) return unsplit(result.undecided);
      const plan = splitPlan(result.timing, deps.split);
      if (!plan) return unsplit('below the split threshold or one segment');
      const prefix = resultsPrefixFor(input.accountId, input.jobId);
      await deps.s3.send(
        new PutObjectCommand({ Bucket: deps.resultsBucket, Key: `${prefix}/${PLAN_FILE}`, Body: JSON.stringify(toPlanFile(plan, source.etag?.())), ContentType: 'application/json' }),
      );
      log('planned', { jobId: input.jobId, segments: plan.segments.length, durationMillis: result.timing.durationMillis, reads: result.reads, bytesRead: result.bytesRead });
      return { segmented: true, size: plan.segments.length };
    },

    /** Joins the segments into the results format under the results prefix. */
    async stitch(input: JobKey): Promise<{ detections: number; persons: number; segments: number }> {
      check(input);
      const prefix = resultsPrefixFor(input.accountId, input.jobId);
      const plan = await readPlanFile(prefix);
      if (!plan) throw Object.assign(new Error('no segment plan'), { name: 'ResultsMissing' });
      const segments: StitchSegment[] = [];
      for (const s of plan.segments) {
        const base = `${prefix}/${segmentPrefix(s.index)}`;
        const metaText = await getText(`${base}/${SEGMENT_FILES.meta}`);
        if (metaText === undefined) throw Object.assign(new Error(`segment ${s.index} wrote no results`), { name: 'ResultsMissing' });
        const meta = JSON.parse(metaText) as SegmentMeta;
        segments.push({
          startFrame: meta.startFrame,
          samples: async function* (): AsyncGenerator<SegmentSample> {
            const body = await get(`${base}/${SEGMENT_FILES.samples}`);
            if (!body) throw Object.assign(new Error(`segment ${s.index} has no samples`), { name: 'ResultsMissing' });
            for await (const line of createInterface({ input: body, crlfDelay: Infinity })) if (line) yield parseSampleLine(line);
          },
          features: async () => {
            const raw = JSON.parse((await getText(`${base}/${SEGMENT_FILES.features}`)) ?? '{}') as Record<string, { first?: number[]; last?: number[] }>;
            const out = new Map<number, TrackFeatures>();
            for (const [k, v] of Object.entries(raw)) {
              out.set(Number(k), { ...(v.first ? { first: Float32Array.from(v.first) } : {}), ...(v.last ? { last: Float32Array.from(v.last) } : {}) });
            }
            return out;
          },
        });
      }
      // The results' VideoMetadata is ffprobe's, as an unsplit run's: the first child's (all probed the same file).
      // A plan of format 1 (written by the planning container of an execution started before the upgrade, whose
      // children write no video.json) carries the metadata itself.
      const videoText = await getText(`${prefix}/${segmentPrefix(plan.segments[0].index)}/${SEGMENT_VIDEO_FILE}`);
      const videoMetadata = videoText === undefined ? (plan as { videoMetadata?: VideoMetadata }).videoMetadata : (JSON.parse(videoText) as SegmentVideoFile).videoMetadata;
      if (!videoMetadata) throw Object.assign(new Error('segment 0 wrote no video metadata'), { name: 'ResultsMissing' });
      const dir = await mkdtemp(join(deps.workDir ?? tmpdir(), 'pp-stitch-'));
      try {
        const out = await stitchToResults(segments, dir, videoMetadata, stitchOptionsFor(undefined));
        const names = (await readdir(dir)).filter((n) => n !== RESULT_FILES.manifest).sort();
        for (const name of [...names, RESULT_FILES.manifest]) {
          const path = join(dir, name);
          await deps.s3.send(
            new PutObjectCommand({ Bucket: deps.resultsBucket, Key: `${prefix}/${name}`, Body: createReadStream(path), ContentLength: (await stat(path)).size }),
          );
        }
        log('stitched', { jobId: input.jobId, segments: plan.segments.length, detections: out.detections, persons: out.persons });
        return { detections: out.detections, persons: out.persons, segments: plan.segments.length };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export type SegmentSteps = ReturnType<typeof createSegmentSteps>;
