/**
 * The engine as core's VideoProcessor with segmented tracking for long videos (`serve --workers N`): a video the
 * plan (segments.ts, parallelism N) cuts into more than one segment is tracked in N worker processes and stitched;
 * any other runs as before (engine.ts createEngineProcessor).
 */
import type { TrackingJobInput, TrackingJobOutput, VideoProcessor } from '../../../../core/ports.js';
import { defaultFaceModel } from './face-thread.js';
import { processSettings, type EngineSettings } from '../settings.js';
import type { TrackOptions } from './engine.js';
import { createEngineProcessor } from './processor.js';
import type { FaceAttacher } from '../faces/types.js';
import { planFor, sweepStaleSegmentRuns, trackSegmentedToResults, type SegmentedProgress, type SegmentJobOptions } from './segment-run.js';

export interface SegmentingProcessorOptions {
  /** Worker processes per long job, and the plan's parallelism. */
  workers: number;
  modelsDir?: string;
  /** The engine's settings (default: this process's environment, settings.ts). */
  settings?: EngineSettings;
  modelPath?: string;
  /** false: no Person.Face (as createEngineProcessor's faces: false). */
  faces?: false;
  /** Segment length / overlap overrides (default: the plan's). */
  segmentSec?: number;
  overlapSec?: number;
  /** Detailed progress of a segmented job (segments and frames done, ETA). */
  onSegmentProgress?: (jobId: string, p: SegmentedProgress) => void;
  /**
   * The folder segmented jobs keep their temporary segment folders in (local mode: <data dir>/segments). Folders a
   * dead process left there are removed when the processor is created, before its first job.
   */
  tempRoot?: string;
  /** Where the sweep reports what it removed (default: nowhere). */
  log?: (line: string) => void;
}

export function createSegmentingProcessor(
  options: SegmentingProcessorOptions,
  unsplit: VideoProcessor = createEngineProcessor({
    ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
    ...(options.modelPath ? { modelPath: options.modelPath } : {}),
    ...(options.faces === false ? { faces: false as const } : {}),
  } satisfies Omit<TrackOptions, 'faces'> & { faces?: FaceAttacher | false }),
): VideoProcessor {
  const swept =
    options.tempRoot === undefined
      ? Promise.resolve()
      : sweepStaleSegmentRuns(options.tempRoot).then(
          (removed) => removed.forEach((dir) => options.log?.(`removed the segment folder of a stopped run: ${dir}`)),
          () => undefined,
        );
  // The face model the segment children load, by createDefaultFaceThread's rule (PEOPLE_PATHING_FACES), resolved once.
  let jobOptions: Promise<SegmentJobOptions> | undefined;
  const segmentJob = async (): Promise<SegmentJobOptions> => {
    const faceModel = options.faces === false ? undefined : await defaultFaceModel(options.settings ?? processSettings(), options.modelsDir);
    return {
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...(options.modelPath ? { modelPath: options.modelPath } : {}),
      ...(faceModel ? { faceModel } : {}),
    };
  };
  return {
    async process(input: TrackingJobInput): Promise<TrackingJobOutput> {
      await swept;
      const job = await (jobOptions ??= segmentJob());
      const run = {
        workers: options.workers,
        ...(options.tempRoot !== undefined ? { tempRoot: options.tempRoot } : {}),
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
