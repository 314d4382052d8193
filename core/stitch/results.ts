/**
 * Stitched samples into the results format (core/results-format.ts, both orders, written once): shared by local
 * runs (pipeline/segment-run.ts) and the AWS stitch step (lambdas/workflow/segment-steps.ts). No ffmpeg, no AWS.
 */
import { ResultsWriter } from '../results-format.js';
import type { FaceDetail, PersonDetection, VideoMetadata } from '../types.js';
import { toRatioBox } from '../geometry.js';
import { DEFAULT_TRACKER_CONFIG } from '../track/config.js';
import { stitchSegments, type StitchedSample, type StitchOptions, type StitchSegment, type StitchStats } from './index.js';

/** The stitcher's gates from the tracker settings the segments ran with (the same lost-track buffer and gates). */
export function stitchOptionsFor(tracker: Record<string, unknown> | undefined): StitchOptions {
  const cfg = { ...DEFAULT_TRACKER_CONFIG, ...(tracker ?? {}) };
  return {
    lostBufferSec: cfg.lostBufferSec,
    maxAppearanceCost: cfg.reattachMaxCost,
    reattachMaxSpeed: cfg.reattachMaxSpeed,
    reattachSlack: cfg.reattachSlack,
  };
}

/** A stitched sample's persons as GetPersonTracking's PersonDetections (faces passed through). */
export function toPersonDetections(
  sample: StitchedSample,
  video: Pick<VideoMetadata, 'FrameWidth' | 'FrameHeight'>,
): Array<{ detection: PersonDetection; score: number }> {
  const W = video.FrameWidth as number;
  const H = video.FrameHeight as number;
  return sample.persons.map((p) => {
    const face = p.extra as FaceDetail | undefined;
    return {
      detection: {
        Timestamp: sample.timestampMs,
        Person: { Index: p.index, BoundingBox: toRatioBox(p.box, W, H), ...(face ? { Face: face } : {}) },
      },
      score: p.score,
    };
  });
}

/** Stitches `segments` into a results folder. */
export async function stitchToResults(
  segments: readonly StitchSegment[],
  resultsDir: string,
  videoMetadata: VideoMetadata,
  options: StitchOptions = {},
): Promise<{ stats: StitchStats; detections: number; persons: number }> {
  const writer = await ResultsWriter.create(resultsDir);
  const stats = await stitchSegments(
    segments,
    async (sample) => {
      for (const { detection, score } of toPersonDetections(sample, videoMetadata)) await writer.add(detection, score);
    },
    options,
  );
  const manifest = await writer.finish(videoMetadata);
  return { stats, detections: manifest.count, persons: manifest.persons };
}
