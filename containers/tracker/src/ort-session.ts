/**
 * One way to open an ONNX model for every model the engine runs (person detector, face detector, re-ID
 * embedder): the CUDA execution provider when a GPU is present (or asked for), CPU otherwise, with the engine's
 * thread settings.
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { gpuPresent } from './decode/ffmpeg-decoder.js';
import { EngineError } from './errors.js';

export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu';

/** onnxruntime intra-op threads: $PEOPLE_PATHING_ORT_THREADS, else all cores but one (ffmpeg decodes on it). */
export function defaultThreads(): number {
  const env = Number(process.env.PEOPLE_PATHING_ORT_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Opens `path` on CUDA when `executionProvider` is 'cuda', or 'auto' (the default) with a GPU present; falls back
 * to the CPU unless CUDA was asked for explicitly. `what` names the model in errors ("detector model", ...).
 */
export async function openSession(
  path: string,
  what: string,
  options: { threads?: number; executionProvider?: ExecutionProviderChoice } = {},
): Promise<{ session: ort.InferenceSession; provider: 'cuda' | 'cpu' }> {
  const base: ort.InferenceSession.SessionOptions = {
    logSeverityLevel: 3,
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  const ep = options.executionProvider ?? 'auto';
  if (ep === 'cuda' || (ep === 'auto' && gpuPresent())) {
    try {
      return { session: await ort.InferenceSession.create(path, { ...base, executionProviders: ['cuda', 'cpu'] }), provider: 'cuda' };
    } catch (err) {
      if (ep === 'cuda') throw new EngineError('MODEL', `${what}: CUDA execution provider unavailable: ${(err as Error).message}`);
    }
  }
  try {
    return { session: await ort.InferenceSession.create(path, { ...base, executionProviders: ['cpu'] }), provider: 'cpu' };
  } catch (err) {
    throw new EngineError('MODEL', `cannot load ${what} ${basename(path)}: ${(err as Error).message}`);
  }
}
