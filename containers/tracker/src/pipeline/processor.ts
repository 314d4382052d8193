/**
 * The engine as core's VideoProcessor (local mode's worker and the Batch container), and the check that every model
 * a job needs is on hand before jobs are accepted.
 */
import type { TrackingJobInput, TrackingJobOutput, VideoProcessor } from '../../../../core/ports.js';
import { resolveModel } from '../detect/index.js';
import type { FaceAttacher } from '../faces/types.js';
import { appearanceByDefault, resolveReidModel } from '../reid/index.js';
import type { TrackOptions } from './engine.js';
import { createDefaultFaceThread, defaultFaceModel, type FaceThread } from './face-thread.js';
import { trackToResults } from './outputs.js';
import { processSettings } from '../settings.js';
import { EngineError } from '../errors.js';

/**
 * The engine as core's VideoProcessor (local mode's worker and the Batch container run jobs through it).
 * Jobs get Person.Face like Rekognition's: `options.faces`, else the default attacher (pipeline/face-thread.ts
 * createDefaultFaceThread: PEOPLE_PATHING_FACES, default on), loaded once on the first job; `faces: false` turns them off.
 */
export function createEngineProcessor(options: Omit<TrackOptions, 'faces'> & { faces?: FaceAttacher | false } = {}): VideoProcessor {
  // The default face thread is the processor's own (released by close); an attacher passed in is the caller's.
  let ownFaces: Promise<FaceThread | undefined> | undefined;
  const loadFaces = async (): Promise<FaceAttacher | undefined> =>
    options.faces === false ? undefined : (options.faces ?? (await (ownFaces ??= createDefaultFaceThread(options.settings ?? processSettings(), options.modelsDir))));
  return {
    async process(job: TrackingJobInput): Promise<TrackingJobOutput> {
      const signal = job.signal ?? options.signal;
      const attacher = await loadFaces();
      const out = await trackToResults(job.videoPath, job.resultsDir, {
        ...options,
        faces: attacher,
        ...(signal ? { signal } : {}),
        onEngine: (info) => {
          job.log?.('engine', { ...info, faces: !!attacher });
          options.onEngine?.(info);
        },
        onProgress: (p) => {
          if (p.totalFrames) {
            job.onProgress?.(Math.min(1, p.frames / p.totalFrames), {
              frames: p.frames,
              totalFrames: p.totalFrames,
              ...(p.etaSec !== undefined ? { etaSec: p.etaSec } : {}),
            });
          }
          options.onProgress?.(p);
        },
      }).catch((error: unknown) => {
        // The decoder's own words (ffmpeg's last error) are for the operator's log; the caller gets the message.
        if (error instanceof EngineError && error.detail !== undefined) job.log?.('engine-failure-detail', { code: error.code, detail: error.detail });
        throw error;
      });
      return { videoMetadata: out.videoMetadata, detections: out.detections, persons: out.persons };
    },
    async close() {
      const own = ownFaces;
      ownFaces = undefined;
      await (await own)?.release();
    },
  };
}

/**
 * Resolves (and, from the model cache, fetches) every model a job with these options would load: the detector, the
 * re-ID model when appearance is on by default, the face model when faces are. Local mode calls it before accepting
 * jobs, so a machine that cannot get the models stops at once instead of failing every job. Returns the paths.
 */
export async function prepareEngineModels(
  options: Pick<TrackOptions, 'modelPath' | 'modelKind' | 'modelsDir' | 'settings'> & { faces?: boolean } = {},
): Promise<{ detector: string; reid?: string; faces?: string }> {
  const settings = options.settings ?? processSettings();
  const detector = (await resolveModel(options, settings)).path;
  const reid = appearanceByDefault(settings) ? await resolveReidModel(options.modelsDir, settings) : undefined;
  const faces = options.faces === false ? undefined : await defaultFaceModel(settings, options.modelsDir);
  return { detector, ...(reid ? { reid } : {}), ...(faces ? { faces } : {}) };
}
