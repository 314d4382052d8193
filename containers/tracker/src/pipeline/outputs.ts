/**
 * The engine's two writers: the results format the API pages through (core/results-format.ts) and MOTChallenge rows.
 */
import type { TrackingJobOutput } from '../../../../core/ports.js';
import { ResultsWriter } from '../../../../core/results-format.js';
import type { FaceDetail, PersonDetection, VideoMetadata } from '../../../../core/types.js';
import { toRatioBox } from '../../../../core/geometry.js';
import { toVideoMetadata } from '../video/probe.js';
import type { EngineRun, EngineTimings, TrackedSample, TrackOptions } from './engine.js';
import { trackPersons } from './persons.js';

/** Runs the engine and writes the results format (core/results-format.ts) into `resultsDir`. */
export async function trackToResults(
  input: string,
  resultsDir: string,
  options: TrackOptions = {},
): Promise<TrackingJobOutput & { timings: EngineTimings }> {
  const writer = await ResultsWriter.create(resultsDir);
  const faceOf = async (sample: TrackedSample, run: EngineRun): Promise<Map<number, FaceDetail> | undefined> => {
    if (!options.faces || !sample.frame.full || sample.persons.length === 0) return undefined;
    return options.faces.attach(
      sample.frame.full,
      { width: run.video.FrameWidth, height: run.video.FrameHeight },
      sample.persons.map((p) => ({ index: p.index, box: p.box })),
    );
  };
  // A failed job leaves no open file and no partial results behind.
  try {
    return await writeResults(writer, input, options, faceOf);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function writeResults(
  writer: ResultsWriter,
  input: string,
  options: TrackOptions,
  faceOf: (sample: TrackedSample, run: EngineRun) => Promise<Map<number, FaceDetail> | undefined>,
): Promise<TrackingJobOutput & { timings: EngineTimings }> {
  // Faces are found while the frame is at hand; a box interpolated across a gap has none.
  const { video, timings } = await trackPersons(input, options, faceOf, async (sample, run) => {
    const W = run.video.FrameWidth;
    const H = run.video.FrameHeight;
    for (const p of sample.persons) {
      const face = p.interpolated ? undefined : sample.extra?.get(p.index);
      const detection: PersonDetection = {
        Timestamp: sample.timestampMs,
        Person: { Index: p.index, BoundingBox: toRatioBox(p.box, W, H), ...(face ? { Face: face } : {}) },
      };
      await writer.add(detection, p.score);
    }
  });
  const videoMetadata: VideoMetadata = toVideoMetadata(video);
  const manifest = await writer.finish(videoMetadata);
  return { videoMetadata, detections: manifest.count, persons: manifest.persons, timings };
}

/**
 * Runs the engine and returns MOTChallenge rows `frame,id,x,y,w,h,conf,-1,-1,-1` (frame = 1-based source frame,
 * id = Index + 1), over every frame by default (evaluation analyses every frame of a sequence).
 */
export async function trackToMot(
  input: string,
  options: TrackOptions = {},
): Promise<{ rows: string; videoMetadata: VideoMetadata; timings: EngineTimings }> {
  const lines: string[] = [];
  const everyFrame = { ...options, everyFrame: options.everyFrame ?? true };
  const { video, timings } = await trackPersons(input, everyFrame, () => undefined, (sample, run) => {
    // MOTChallenge frame numbers are the image numbers (1-based); a sequence may start elsewhere.
    const frameNo = (run.video.sequence?.firstNumber ?? 1) + sample.sourceIndex;
    for (const p of sample.persons) {
      const [x1, y1, x2, y2] = p.box;
      lines.push(
        `${frameNo},${p.index + 1},${x1.toFixed(2)},${y1.toFixed(2)},${(x2 - x1).toFixed(2)},${(y2 - y1).toFixed(2)},${p.score.toFixed(4)},-1,-1,-1`,
      );
    }
  });
  return { rows: lines.length ? lines.join('\n') + '\n' : '', videoMetadata: toVideoMetadata(video), timings };
}

