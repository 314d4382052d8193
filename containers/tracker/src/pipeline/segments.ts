/**
 * Segmented tracking: a long video cut into overlapping ranges of source frames that run side by side (worker
 * processes, AWS Batch array children) and are joined by the stitcher (core/stitch/). See
 * doc/architecture/0014-segmented-tracking.md and doc/segments.md.
 *
 * This module holds the two pure pieces: the plan (which ranges) and the ffmpeg arguments that make a range run
 * analyse exactly the frames an unsplit run analyses there.
 */
import type { ProbedVideo } from '../video/probe.js';

/** Source frames [startFrame, endFrame) of a video; no endFrame: to the end. startFrame is a multiple of the step. */
export interface SourceRange {
  startFrame: number;
  endFrame?: number;
}

/** One segment of a plan: the frames it owns and the frames it decodes (its own plus the overlap into the next). */
export interface Segment {
  index: number;
  /** First frame this segment owns (= its decoded range's start). */
  startFrame: number;
  /** First frame the next segment owns; absent for the last segment. */
  ownEndFrame?: number;
  /** What it decodes: [startFrame, ownEndFrame + overlap); absent endFrame for the last segment. */
  range: SourceRange;
}

export interface SegmentPlan {
  /** Analyse every `step`-th source frame (decode/ analysisStep). */
  step: number;
  fps: number;
  segmentFrames: number;
  overlapFrames: number;
  segments: Segment[];
}

export interface PlanOptions {
  /** Segment length in seconds; default: the video's duration over `parallelism`, at least minSegmentSec. */
  segmentSec?: number;
  /** Overlap into the next segment in seconds (default DEFAULT_OVERLAP_SEC). */
  overlapSec?: number;
  /** Segments that can run at once (worker processes, array children). Used only when segmentSec is not given. */
  parallelism?: number;
  /** Shortest segment the plan makes on its own (default DEFAULT_MIN_SEGMENT_SEC). */
  minSegmentSec?: number;
}

/**
 * The overlap both neighbours analyse. It must hold at least the tracker's lost-track buffer plus its confirmation
 * time (core/track/config.ts: 2.5 s + 0 s), so that a person the earlier segment loses near the boundary and finds again
 * is seen, confirmed, by the later one before the earlier one stops: the tracks then share boxes in the overlap and
 * the IoU assignment joins them. 5 s doubles that margin; doc/segments.md gives the measurements.
 */
export const DEFAULT_OVERLAP_SEC = 5;

/**
 * The shortest segment the plan makes by itself: every segment decodes the overlap twice and loads the models
 * once, so a segment must be long against both for the total CPU time to stay within 1.15 × the unsplit run's
 * (5 s overlap / 60 s ≈ 8 %, plus ~1 s setup). Videos shorter than two of these run unsplit.
 */
export const DEFAULT_MIN_SEGMENT_SEC = 60;

/** Source frames in [range.startFrame, range.endFrame) that the video has. */
export function rangeFrameCount(video: Pick<ProbedVideo, 'frameCount'>, range: SourceRange): number {
  const end = range.endFrame === undefined ? video.frameCount : Math.min(range.endFrame, video.frameCount);
  return Math.max(0, end - range.startFrame);
}

/**
 * ffmpeg arguments for a range: `seek` goes before `-i` (fast seek: demux from the keyframe before the point,
 * decode and drop up to it); `select` replaces the unsplit run's `select=not(mod(n, step))`.
 *
 * `-copyts -start_at_zero` keeps each frame's pts the whole video's (shifted by the file's start time exactly as an
 * unsplit run's are), so Timestamps come from pts as before. The source frame number is taken from the time
 * (round(t × fps)), which is what `n` counts in an unsplit run of a constant-frame-rate file, and the select keeps
 * the same multiples of `step`. The seek point sits half a frame before the first wanted frame, so an inexact seek
 * can only bring in frames the select then drops. `frames` is the number of analysed frames the range holds
 * (`-frames:v`, so decoding stops at the range's end instead of reading to the end of the file).
 */
export function rangeArgs(
  video: Pick<ProbedVideo, 'fps' | 'frameCount' | 'isSequence'>,
  step: number,
  range: SourceRange,
): { seek: string[]; select?: string; frames: number } {
  if (!Number.isInteger(range.startFrame) || range.startFrame < 0 || range.startFrame % step !== 0) {
    throw new RangeError(`a range must start at a multiple of the step ${step} (got ${range.startFrame})`);
  }
  if (range.endFrame !== undefined && !(range.endFrame > range.startFrame)) {
    throw new RangeError(`empty range [${range.startFrame}, ${range.endFrame})`);
  }
  const frames = Math.ceil(rangeFrameCount(video, range) / step);
  // Image sequences start at the range's first image (decode/ sets -start_number); n then counts from it.
  if (video.isSequence) return { seek: [], frames };
  const fps = video.fps;
  const k = `round(t*${fps})`;
  const conds = [`gte(${k}\\,${range.startFrame})`];
  if (range.endFrame !== undefined) conds.push(`lt(${k}\\,${range.endFrame})`);
  if (step > 1) conds.push(`not(mod(${k}\\,${step}))`);
  const seekSec = Math.max(0, (range.startFrame - 0.5) / fps);
  const seek = ['-copyts', '-start_at_zero', ...(seekSec > 0 ? ['-ss', seekSec.toFixed(6)] : [])];
  return { seek, select: `select='${conds.join('*')}',`, frames };
}

/**
 * Cuts a video into segments. Boundaries are multiples of `step`, so every segment's analysed frames are the
 * unsplit run's. A plan of one segment means: run as today.
 */
export function planSegments(
  video: Pick<ProbedVideo, 'fps' | 'frameCount'>,
  step: number,
  options: PlanOptions = {},
): SegmentPlan {
  const fps = video.fps;
  const total = video.frameCount;
  const overlapSec = options.overlapSec ?? DEFAULT_OVERLAP_SEC;
  if (!(overlapSec >= 0)) throw new RangeError(`overlap must be 0 s or more (got ${overlapSec})`);
  const alignUp = (frames: number): number => Math.max(step, Math.ceil(frames / step) * step);
  const overlapFrames = overlapSec > 0 ? alignUp(overlapSec * fps) : 0;
  let segmentSec = options.segmentSec;
  if (segmentSec === undefined) {
    const minSec = options.minSegmentSec ?? DEFAULT_MIN_SEGMENT_SEC;
    const durationSec = total / fps;
    const parallelism = Math.max(1, Math.floor(options.parallelism ?? 1));
    segmentSec = durationSec < 2 * minSec || parallelism === 1 ? Infinity : Math.max(minSec, durationSec / parallelism);
  }
  if (!(segmentSec > 0)) throw new RangeError(`segment length must be more than 0 s (got ${segmentSec})`);
  const segmentFrames = Number.isFinite(segmentSec) ? alignUp(segmentSec * fps) : Math.max(step, Math.ceil(total / step) * step);
  if (overlapFrames >= segmentFrames && total > segmentFrames) {
    throw new RangeError(`the overlap (${overlapSec} s) must be shorter than a segment (${segmentSec} s)`);
  }
  const segments: Segment[] = [];
  // A last piece shorter than the overlap is folded into the segment before it.
  for (let start = 0, i = 0; start < total || i === 0; start += segmentFrames, i++) {
    const next = start + segmentFrames;
    const last = next >= total || total - next <= overlapFrames;
    segments.push(
      last
        ? { index: i, startFrame: start, range: { startFrame: start } }
        : { index: i, startFrame: start, ownEndFrame: next, range: { startFrame: start, endFrame: next + overlapFrames } },
    );
    if (last) break;
  }
  return { step, fps, segmentFrames, overlapFrames, segments };
}
