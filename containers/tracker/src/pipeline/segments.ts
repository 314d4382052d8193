/**
 * Segmented tracking: a long video cut into overlapping ranges of source frames that run side by side (worker
 * processes, AWS Batch array children) and are joined by the stitcher (core/stitch/). See
 * doc/architecture/0014-segmented-tracking.md and doc/segments.md.
 *
 * The plan (which ranges) is core's (core/segment-plan.ts: one rule for the Lambda, the container and local mode);
 * this module holds the ffmpeg arguments that make a range run analyse exactly the frames an unsplit run analyses.
 */
import type { ProbedVideo } from '../video/probe.js';
import { rangeFrameCount, type SourceRange } from '../../../../core/segment-plan.js';

export {
  DEFAULT_MIN_SEGMENT_SEC,
  DEFAULT_OVERLAP_SEC,
  planSegments,
  rangeFrameCount,
  type PlanOptions,
  type Segment,
  type SegmentPlan,
  type SourceRange,
} from '../../../../core/segment-plan.js';

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
