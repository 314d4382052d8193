/**
 * Which model files the engine loads. The same order for every model and every entry point (serve, track, the
 * container):
 *   1. what the caller names: --model PATH (a file, or a folder holding the default file) / --models-dir DIR;
 *   2. the environment: PEOPLE_PATHING_MODEL (+ PEOPLE_PATHING_MODEL_KIND; the production image sets both),
 *      PEOPLE_PATHING_REID_MODEL, PEOPLE_PATHING_FACE_MODEL, or the folder PEOPLE_PATHING_MODELS_DIR;
 *   3. the user cache, fetched on first use from the catalogue (models/resolve.ts obtainModel).
 * A named file or folder that lacks the model is an error for the detector (and for re-ID / faces the caller asked
 * for); it never falls through to the cache, so what the caller names is what runs.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors.js';
import { catalogueModel, DEFAULT_MODEL_NAMES } from '../models/catalogue.js';
import { ModelUnavailableError, obtainModel, type ObtainOptions } from '../models/resolve.js';
import { parseModelKind, processSettings, type EngineSettings } from '../settings.js';
import type { ModelKind } from './types.js';

/** The CPU default detector (the catalogue's DEFAULT_MODEL_NAMES.detector). */
export const DEFAULT_MODEL_FILE = catalogueModel(DEFAULT_MODEL_NAMES.detector).file;

/** The models folder the caller or the environment names (--models-dir, else PEOPLE_PATHING_MODELS_DIR); else undefined. */
export function namedModelsDir(modelsDir: string | undefined, settings: EngineSettings = processSettings()): string | undefined {
  const dir = modelsDir ?? settings.modelsDir;
  return dir ? resolve(dir) : undefined;
}

export { parseModelKind };

export interface ModelChoice {
  path: string;
  kind?: ModelKind;
}

/** The cached (or now fetched) copy of a catalogue model; an unavailable one becomes EngineError('MODEL'). */
export async function cachedCatalogueModel(name: string, opts: ObtainOptions): Promise<string> {
  try {
    return await obtainModel(name, opts);
  } catch (err) {
    if (err instanceof ModelUnavailableError) throw new EngineError('MODEL', err.message);
    throw err;
  }
}

export async function resolveModel(
  opts: { modelPath?: string; modelKind?: ModelKind; modelsDir?: string } = {},
  settings: EngineSettings = processSettings(),
): Promise<ModelChoice> {
  let path: string;
  let kind = opts.modelKind;
  const dir = namedModelsDir(opts.modelsDir, settings);
  if (opts.modelPath) {
    path = resolve(opts.modelPath);
  } else if (opts.modelsDir) {
    path = join(resolve(opts.modelsDir), DEFAULT_MODEL_FILE);
  } else if (settings.model) {
    path = settings.model;
    kind ??= settings.modelKind;
  } else if (dir) {
    path = join(dir, DEFAULT_MODEL_FILE);
  } else {
    const model = catalogueModel(DEFAULT_MODEL_NAMES.detector);
    path = await cachedCatalogueModel(model.name, { env: settings.modelCacheEnv });
    kind ??= model.kind;
  }
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, DEFAULT_MODEL_FILE);
  if (!existsSync(path)) {
    throw new EngineError('MODEL', `detector model not found: ${path} (pass --model PATH, or leave --models-dir and PEOPLE_PATHING_MODELS_DIR unset to use the model cache)`);
  }
  return kind ? { path, kind } : { path };
}

/**
 * An optional model (re-ID, faces): `explicitFile` (its environment variable) when set, else `file` in the named
 * models folder, else the catalogue's `name` from the cache. Undefined when a named file or folder lacks it; throws
 * EngineError('MODEL') when the cache has no copy and fetching fails.
 */
export async function resolveOptionalModel(
  name: string,
  explicitFile: string | undefined,
  modelsDir: string | undefined,
  settings: EngineSettings = processSettings(),
): Promise<string | undefined> {
  const dir = namedModelsDir(modelsDir, settings);
  const named = explicitFile ? resolve(explicitFile) : dir ? join(dir, catalogueModel(name).file) : undefined;
  if (named !== undefined) return existsSync(named) ? named : undefined;
  return cachedCatalogueModel(name, { env: settings.modelCacheEnv });
}
