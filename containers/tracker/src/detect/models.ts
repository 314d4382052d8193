/**
 * Which model file and kind to use: --model PATH (file, or folder holding the default model), else
 * PEOPLE_PATHING_MODEL (+ PEOPLE_PATHING_MODEL_KIND, set by the production image), else the default model in
 * PEOPLE_PATHING_MODELS_DIR (default $PEOPLE_PATHING_DATA_DIR/models, default ../shared/data/models from the repo root).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../errors.js';
import { MODEL_KINDS, type ModelKind } from './types.js';

/** The test/default model in the shared data set. */
export const DEFAULT_MODEL_FILE = 'yolox_nano_416x416.onnx';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'containers'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.cwd();
}

export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PEOPLE_PATHING_MODELS_DIR) return resolve(env.PEOPLE_PATHING_MODELS_DIR);
  const data = env.PEOPLE_PATHING_DATA_DIR ? resolve(env.PEOPLE_PATHING_DATA_DIR) : resolve(repoRoot(), '..', 'shared', 'data');
  return join(data, 'models');
}

export function parseModelKind(value: string | undefined): ModelKind | undefined {
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if ((MODEL_KINDS as readonly string[]).includes(value)) return value as ModelKind;
  throw new EngineError('MODEL', `unknown model kind '${value}' (expected one of ${MODEL_KINDS.join(', ')})`);
}

export interface ModelChoice {
  path: string;
  kind?: ModelKind;
}

export function resolveModel(
  opts: { modelPath?: string; modelKind?: ModelKind; modelsDir?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): ModelChoice {
  let path: string;
  let kind = opts.modelKind;
  if (opts.modelPath) {
    path = resolve(opts.modelPath);
  } else if (opts.modelsDir) {
    path = join(resolve(opts.modelsDir), DEFAULT_MODEL_FILE);
  } else if (env.PEOPLE_PATHING_MODEL) {
    path = resolve(env.PEOPLE_PATHING_MODEL);
    kind ??= parseModelKind(env.PEOPLE_PATHING_MODEL_KIND);
  } else {
    path = join(defaultModelsDir(env), DEFAULT_MODEL_FILE);
  }
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, DEFAULT_MODEL_FILE);
  if (!existsSync(path)) {
    throw new EngineError('MODEL', `detector model not found: ${path} (pass --model PATH or set PEOPLE_PATHING_MODELS_DIR)`);
  }
  return kind ? { path, kind } : { path };
}
