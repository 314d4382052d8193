/**
 * What the segmented workflow's container steps and Lambdas agree on (no AWS imports, no engine imports: the stitch
 * Lambda imports it). Under the job's results prefix:
 *   segments/plan.json              PlanFile, written by the PlanSegments Lambda (from the MP4 header) when it cut the video
 *   segments/segment-NNNNN/         one array child's segment folder (core/stitch/segment-files.ts), segment.json last;
 *                                   with video.json, the VideoMetadata the child's ffprobe gave (the results' metadata)
 */
import type { VideoMetadata } from './types.js';
import type { SegmentPlan } from './segment-plan.js';

export const PLAN_FILE = 'segments/plan.json';

/** In each segment folder: the child's ffprobe VideoMetadata, which the stitch writes into the results. */
export const SEGMENT_VIDEO_FILE = 'video.json';

/**
 * The plan as the array children read it. Version 2: no VideoMetadata (the plan is made from the header, and only
 * ffprobe's metadata goes into results: each child's video.json).
 */
export interface PlanFile {
  formatVersion: 2;
  step: number;
  fps: number;
  overlapFrames: number;
  segments: Array<{ index: number; startFrame: number; endFrame?: number }>;
  /** The ETag of the object the plan was read from: every child's read names it (If-Match), so all segments are of one file. */
  etag?: string;
}

export function toPlanFile(plan: SegmentPlan, etag?: string): PlanFile {
  return {
    formatVersion: 2,
    step: plan.step,
    fps: plan.fps,
    overlapFrames: plan.overlapFrames,
    segments: plan.segments.map((s) => ({ index: s.index, startFrame: s.startFrame, ...(s.range.endFrame !== undefined ? { endFrame: s.range.endFrame } : {}) })),
    ...(etag ? { etag } : {}),
  };
}

/** The child's metadata file (SEGMENT_VIDEO_FILE). */
export interface SegmentVideoFile {
  videoMetadata: VideoMetadata;
}

/** segments/segment-NNNNN (no trailing slash), relative to the results prefix. */
export function segmentPrefix(index: number): string {
  return `segments/segment-${String(index).padStart(5, '0')}`;
}

/**
 * The figures the AWS split threshold is derived from (doc/architecture/0020, Consequences). Measured ones carry their
 * source; the others are assumptions until measured on a GPU instance.
 */
export const SPLIT_FIGURES = {
  /** Assumed: a GPU instance's cold start plus the image pull, the middle of 60–120 s. */
  coldStartSec: 90,
  /** Rekognition's analysis cadence: samples per second of video. */
  samplesPerSec: 15,
  /** Assumed: analysed samples per second on one GPU (YOLOX-class detector with re-ID; doc/segments.md projection). */
  gpuSamplesPerSec: 300,
  /** Measured (doc/segments.md): the stitch of a 6 h video with the results written, 6.7 s; an upper bound. */
  stitchSec: 7,
  /** The plan's default overlap (doc/architecture/0014). */
  overlapSec: 5,
} as const;

/**
 * Shortest video (seconds) the AWS workflow cuts into `parallelism` segments. Splitting saves
 * D·r·(1 − 1/N) of wall time (r = seconds of GPU work per second of video) and costs, in wall time, the stitch and
 * the overlap analysed again (O·r) — the plan is made by a Lambda from the file's header, with no GPU start of its own;
 * it must also save at least one cold start to be worth N instance starts instead of one, each of which may wait for
 * capacity. So D ≥ (C + stitch + O·r) / (r·(1 − 1/N)), rounded up to the minute.
 */
export function minSplitSeconds(parallelism: number, figures: { [K in keyof typeof SPLIT_FIGURES]: number } = SPLIT_FIGURES): number {
  if (!(parallelism > 1)) return Infinity;
  const r = figures.samplesPerSec / figures.gpuSamplesPerSec;
  const d = (figures.coldStartSec + figures.stitchSec + figures.overlapSec * r) / (r * (1 - 1 / parallelism));
  return Math.ceil(d / 60) * 60;
}
