/**
 * The engine as core's VideoProcessor with segmented tracking for long videos (`serve --workers N`): a video the
 * plan (segments.ts, parallelism N) cuts into more than one segment is tracked in N worker processes and stitched;
 * any other runs as before (engine.ts createEngineProcessor).
 */
import { existsSync } from 'node:fs';
import type { TrackingJobInput, TrackingJobOutput, VideoProcessor } from '../../../../core/ports.js';
import { defaultFaceModelPath } from '../faces/attach.js';
import { createEngineProcessor, type TrackOptions } from './engine.js';
import type { FaceAttacher } from '../faces/types.js';
import { planFor, trackSegmentedToResults, type SegmentedProgress, type SegmentJobOptions } from './segment-run.js';

export interface SegmentingProcessorOptions {
  /** Worker processes per long job, and the plan's parallelism. */
  workers: number;
  modelsDir?: string;
  modelPath?: string;
  /** false: no Person.Face (as createEngineProcessor's faces: false). */
  faces?: false;
  /** Segment length / overlap overrides (default: the plan's). */
  segmentSec?: number;
  overlapSec?: number;
  /** Detailed progress of a segmented job (segments and frames done, ETA). */
  onSegmentProgress?: (jobId: string, p: SegmentedProgress) => void;
}

/** The face model a segment child loads, by the same rule as createDefaultFaceThread (PEOPLE_PATHING_FACES). */
export function faceModelFor(faces: false | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (faces === false) return undefined;
  const setting = (env.PEOPLE_PATHING_FACES ?? 'auto').toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') return undefined;
  const path = env.PEOPLE_PATHING_FACE_MODEL ?? defaultFaceModelPath(env);
  return existsSync(path) ? path : undefined;
}

export function createSegmentingProcessor(
  options: SegmentingProcessorOptions,
  unsplit: VideoProcessor = createEngineProcessor({
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
    ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    ...(options.faces === false ? { faces: false as const } : {}),
  } satisfies Omit<TrackOptions, 'faces'> & { faces?: FaceAttacher | false }),
): VideoProcessor {
  const faceModel = faceModelFor(options.faces);
  const job: SegmentJobOptions = {
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
    ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    ...(faceModel ? { faceModel } : {}),
  };
  return {
    async process(input: TrackingJobInput): Promise<TrackingJobOutput> {
      const run = {
        workers: options.workers,
        ...(options.segmentSec !== undefined ? { segmentSec: options.segmentSec } : {}),
        ...(options.overlapSec !== undefined ? { overlapSec: options.overlapSec } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      };
      const { plan } = await planFor(input.videoPath, job, run);
      if (plan.segments.length <= 1) return unsplit.process(input);
      const out = await trackSegmentedToResults(input.videoPath, input.resultsDir, job, {
        ...run,
        onProgress: (p) => {
          input.onProgress?.(Math.min(1, p.frames / p.totalFrames), {
            frames: p.frames,
            totalFrames: p.totalFrames,
            segments: p.segments,
            segmentsDone: p.segmentsDone,
            ...(p.etaSec !== undefined ? { etaSec: p.etaSec } : {}),
          });
          options.onSegmentProgress?.(input.jobId, p);
        },
      });
      return { videoMetadata: out.videoMetadata, detections: out.detections, persons: out.persons };
    },
    async close() {
      await unsplit.close?.();
    },
  };
}
