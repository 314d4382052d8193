/**
 * The segment plan (doc/architecture/0014-segmented-tracking.md, 0020): which overlapping ranges of source frames a
 * long video is cut into, and whether it is cut at all. One rule for every place that plans: the PlanSegments Lambda
 * (from the MP4 header, core/video/mp4-timing.ts), the container's local segmented runs (`planFor`, from ffprobe)
 * and local mode. Plain TypeScript: no ffmpeg, no AWS.
 */

/** What the plan needs to know about a video: its frame rate (ffprobe's choice) and its frame count. */
export interface VideoTiming {
  /** Frame rate as a plain number (the engine's `fps`). */
  fps: number;
  /** Frames in the video (the engine's `frameCount`: round(duration × fps)). */
  frameCount: number;
  /** The video stream's duration, rounded to the millisecond (VideoMetadata.DurationMillis). */
  durationMillis: number;
}

/**
 * Analyse every `step`-th frame: about `targetHz` samples per second (Rekognition's cadence), every frame at or
 * below it or when asked.
 */
export function analysisStep(fps: number, everyFrame: boolean, targetHz = 15): number {
  if (everyFrame || !(fps > targetHz)) return 1;
  return Math.max(1, Math.round(fps / targetHz));
}

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
export function rangeFrameCount(video: Pick<VideoTiming, 'frameCount'>, range: SourceRange): number {
  const end = range.endFrame === undefined ? video.frameCount : Math.min(range.endFrame, video.frameCount);
  return Math.max(0, end - range.startFrame);
}

/**
 * Cuts a video into segments. Boundaries are multiples of `step`, so every segment's analysed frames are the
 * unsplit run's. A plan of one segment means: run as today.
 */
export function planSegments(
  video: Pick<VideoTiming, 'fps' | 'frameCount'>,
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

/** How a deployment splits: the stack's settings (TRACKER_SEGMENT_* in the PlanSegments Lambda's environment). */
export interface SplitSettings {
  /** Segments that run at once (array children); 1 or less: never split. */
  parallelism: number;
  /** Shortest video, in seconds, that is split (the split threshold, core/segment-protocol.ts minSplitSeconds). */
  minSplitSec?: number;
  segmentSec?: number;
  overlapSec?: number;
  /** Analyse every frame (the engine's everyFrame). */
  everyFrame?: boolean;
}

/** The settings from an environment (TRACKER_SEGMENT_PARALLELISM, _MIN_SECONDS, _SECONDS, TRACKER_OVERLAP_SECONDS). */
export function splitSettingsFrom(env: Record<string, string | undefined>): SplitSettings {
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number of 0 or more (got ${v})`);
    return n;
  };
  const parallelism = Math.floor(num('TRACKER_SEGMENT_PARALLELISM') ?? 1);
  const minSplitSec = num('TRACKER_SEGMENT_MIN_SECONDS');
  const segmentSec = num('TRACKER_SEGMENT_SECONDS');
  const overlapSec = num('TRACKER_OVERLAP_SECONDS');
  return {
    parallelism,
    ...(minSplitSec !== undefined && minSplitSec > 0 ? { minSplitSec } : {}),
    ...(segmentSec !== undefined && segmentSec > 0 ? { segmentSec } : {}),
    ...(overlapSec !== undefined ? { overlapSec } : {}),
  };
}

/**
 * The plan for a job: undefined when the video runs as one job (parallelism 1, shorter than the split threshold, or
 * a plan of one segment).
 */
export function splitPlan(video: VideoTiming, settings: SplitSettings): SegmentPlan | undefined {
  if (!(settings.parallelism > 1)) return undefined;
  if (settings.minSplitSec !== undefined && !(video.durationMillis >= settings.minSplitSec * 1000)) return undefined;
  const plan = planSegments(video, analysisStep(video.fps, settings.everyFrame ?? false), {
    parallelism: settings.parallelism,
    ...(settings.segmentSec !== undefined ? { segmentSec: settings.segmentSec } : {}),
    ...(settings.overlapSec !== undefined ? { overlapSec: settings.overlapSec } : {}),
  });
  return plan.segments.length > 1 ? plan : undefined;
}
