/**
 * The face detector (faces/ YuNet attacher) on its own worker thread, behind the FaceAttacher interface — for the
 * same reasons as the re-ID embedder (embedder-thread.ts): onnxruntime's run() would otherwise stop the pipeline's
 * main thread (and local mode's API server, which shares it).
 */
import type { FaceDetail } from '../../../../core/types.js';
import { EngineError } from '../errors.js';
import { processSettings, type EngineSettings } from '../settings.js';
import { resolveFaceModel, type FaceAttacherOptions } from '../faces/attach.js';
import type { FaceAttacher } from '../faces/types.js';
import type { FrameImage } from '../frame.js';
import { FrameWorkerClient, startEngineWorker, waitReady, type FrameReply } from '../threads.js';
import type { Box } from '../track/types.js';

interface Reply extends FrameReply {
  faces?: [number, FaceDetail][];
  message?: string;
}

export interface FaceThread extends FaceAttacher {
  release(): Promise<void>;
}

export async function createFaceThread(modelPath: string, options: FaceAttacherOptions = {}): Promise<FaceThread> {
  const worker = startEngineWorker(import.meta.url, 'face-worker', { modelPath, options });
  // Kept between jobs; it must not keep a process alive whose owner forgot release() (a job in flight holds
  // its ffmpeg child, so no work is cut short).
  worker.unref();
  await waitReady<Reply>(worker, (m) => new EngineError('MODEL', `cannot load the face model ${modelPath}: ${m.message ?? 'unknown error'}`));
  const client = new FrameWorkerClient<Reply>(worker, (message) => new EngineError('MODEL', `face detection failed: ${message}`));
  return {
    async attach(frame: FrameImage, source: { width: number; height: number }, persons: ReadonlyArray<{ index: number; box: Box }>) {
      if (persons.length === 0) return new Map<number, FaceDetail>();
      const m = await client.request(frame, { source, persons: persons.map((p) => ({ index: p.index, box: [...p.box] })) });
      return new Map(m.faces ?? []);
    },
    release: () => client.close(),
  };
}

/**
 * The face attacher jobs use when the caller does not say: PEOPLE_PATHING_FACES=on|off (default on, as Rekognition
 * returns faces) with PEOPLE_PATHING_FACE_MODEL or the default YuNet file in the models folder. Undefined when faces
 * are off, or when the model is missing and faces were not asked for explicitly (PEOPLE_PATHING_FACES=on throws then).
 */
export async function createDefaultFaceThread(settings: EngineSettings = processSettings(), modelsDir?: string): Promise<FaceThread | undefined> {
  const path = await defaultFaceModel(settings, modelsDir);
  return path ? createFaceThread(path) : undefined;
}

/** Faces are on unless PEOPLE_PATHING_FACES says off. */
export function facesByDefault(settings: EngineSettings = processSettings()): boolean {
  return settings.faces !== 'off';
}

/** The face model createDefaultFaceThread loads (undefined: faces off, or a named folder without it). */
export async function defaultFaceModel(settings: EngineSettings = processSettings(), modelsDir?: string): Promise<string | undefined> {
  if (!facesByDefault(settings)) return undefined;
  const path = await resolveFaceModel(modelsDir, settings);
  if (!path && settings.faces === 'on') {
    throw new EngineError('MODEL', 'PEOPLE_PATHING_FACES=on but the face model does not exist (PEOPLE_PATHING_FACE_MODEL or the models folder)');
  }
  return path;
}
