/**
 * The engine's settings: every PEOPLE_PATHING_* variable the engine understands, parsed in one place into one typed
 * object, with one on/off parser. Modules take an EngineSettings passed down by their caller (TrackOptions.settings
 * and the like); no other engine module reads the environment. The entry points (the CLI, the container, local
 * mode) parse process.env once and pass the result; a library caller that passes none gets processSettings(), the
 * process's environment parsed here (worker threads share it).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { MODEL_KINDS, type ModelKind } from './detect/types.js';
import { EngineError } from './errors.js';

/** An on/off setting: 'auto' (or unset) leaves the choice to the engine's default. */
export type Switch = 'on' | 'off' | 'auto';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The one on/off parser: on|1|true|yes, off|0|false|no, auto or empty or unset. Anything else is an error naming the variable. */
export function parseSwitch(value: string | undefined, name: string): Switch {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'on' || v === '1' || v === 'true' || v === 'yes') return 'on';
  if (v === 'off' || v === '0' || v === 'false' || v === 'no') return 'off';
  throw new EngineError('CONFIG', `${name} must be on, off or auto (got '${value}')`);
}

export interface EngineSettings {
  /** PEOPLE_PATHING_MODEL: the detector file when the caller names none (the production image sets it). */
  model?: string;
  /** PEOPLE_PATHING_MODEL_KIND: its output format (read from the model when unset). */
  modelKind?: ModelKind;
  /** PEOPLE_PATHING_MODELS_DIR: the folder holding the models (else the user cache). */
  modelsDir?: string;
  /** PEOPLE_PATHING_REID_MODEL, PEOPLE_PATHING_FACE_MODEL: one model file each, overriding the folder. */
  reidModel?: string;
  faceModel?: string;
  /** PEOPLE_PATHING_APPEARANCE, PEOPLE_PATHING_FACES: re-ID in association and Person.Face (both on by default). */
  appearance: Switch;
  faces: Switch;
  /** PEOPLE_PATHING_ORT_THREADS: onnxruntime intra-op threads (default all cores but one, which ffmpeg decodes on). */
  ortThreads: number;
  /** PEOPLE_PATHING_REQUIRE_GPU unless PEOPLE_PATHING_ALLOW_CPU: the models must run on CUDA (the GPU image). */
  requireGpu: boolean;
  /** PEOPLE_PATHING_FFMPEG, PEOPLE_PATHING_FFPROBE: the binaries (default from PATH). */
  ffmpeg: string;
  ffprobe: string;
  /**
   * What the model cache reads (models/resolve.ts, which imports nothing outside its folder so the image build can
   * bundle it alone): PEOPLE_PATHING_MODELS_URL, XDG_CACHE_HOME and HOME.
   */
  modelCacheEnv: Environment;
}

export function parseModelKind(value: string | undefined): ModelKind | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((MODEL_KINDS as readonly string[]).includes(value)) return value as ModelKind;
  throw new EngineError('MODEL', `unknown model kind '${value}' (expected one of ${MODEL_KINDS.join(', ')})`);
}

function positive(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Parses the engine's variables out of `env`. Empty values count as unset. */
export function engineSettings(env: Environment): EngineSettings {
  const text = (name: string): string | undefined => env[name] || undefined;
  const path = (name: string): string | undefined => (text(name) ? resolve(text(name) as string) : undefined);
  const model = path('PEOPLE_PATHING_MODEL');
  const modelKind = parseModelKind(text('PEOPLE_PATHING_MODEL_KIND'));
  const modelsDir = path('PEOPLE_PATHING_MODELS_DIR');
  const reidModel = path('PEOPLE_PATHING_REID_MODEL');
  const faceModel = path('PEOPLE_PATHING_FACE_MODEL');
  return {
    ...(model ? { model } : {}),
    ...(modelKind ? { modelKind } : {}),
    ...(modelsDir ? { modelsDir } : {}),
    ...(reidModel ? { reidModel } : {}),
    ...(faceModel ? { faceModel } : {}),
    appearance: parseSwitch(text('PEOPLE_PATHING_APPEARANCE'), 'PEOPLE_PATHING_APPEARANCE'),
    faces: parseSwitch(text('PEOPLE_PATHING_FACES'), 'PEOPLE_PATHING_FACES'),
    ortThreads: positive(text('PEOPLE_PATHING_ORT_THREADS')) ?? Math.max(1, availableParallelism() - 1),
    requireGpu:
      parseSwitch(text('PEOPLE_PATHING_REQUIRE_GPU'), 'PEOPLE_PATHING_REQUIRE_GPU') === 'on' &&
      parseSwitch(text('PEOPLE_PATHING_ALLOW_CPU'), 'PEOPLE_PATHING_ALLOW_CPU') !== 'on',
    ffmpeg: text('PEOPLE_PATHING_FFMPEG') ?? 'ffmpeg',
    ffprobe: text('PEOPLE_PATHING_FFPROBE') ?? 'ffprobe',
    modelCacheEnv: { PEOPLE_PATHING_MODELS_URL: text('PEOPLE_PATHING_MODELS_URL'), XDG_CACHE_HOME: text('XDG_CACHE_HOME'), HOME: text('HOME') },
  };
}

/** The process's environment, parsed (the default for callers that pass no settings). */
export function processSettings(): EngineSettings {
  return engineSettings(process.env);
}
