/**
 * One way to open an ONNX model for every model the engine runs (person detector, face detector, re-ID
 * embedder): the CUDA execution provider when a GPU is present (or asked for), CPU otherwise, with the engine's
 * thread settings.
 */
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { gpuPresent } from './decode/ffmpeg-decoder.js';
import { EngineError } from './errors.js';
import { processSettings, type EngineSettings } from './settings.js';

export type ExecutionProviderChoice = 'auto' | 'cuda' | 'cpu';

/** onnxruntime intra-op threads: the settings' ortThreads (PEOPLE_PATHING_ORT_THREADS, else all cores but one). */
export function defaultThreads(settings: EngineSettings = processSettings()): number {
  return settings.ortThreads;
}

/**
 * Whether this process must run its models on the GPU: PEOPLE_PATHING_REQUIRE_GPU=1 (the GPU image sets it) unless
 * PEOPLE_PATHING_ALLOW_CPU=1 (the CPU path on Fargate, or an operator's explicit choice).
 */
export function gpuRequired(settings: EngineSettings = processSettings()): boolean {
  return settings.requireGpu;
}

/**
 * Opens `path` on CUDA when `executionProvider` is 'cuda', or 'auto' (the default) with a GPU present; falls back
 * to the CPU only when CUDA was not asked for explicitly and the GPU is not required (gpuRequired): in the GPU image
 * a missing GPU or a CUDA provider that does not load is an error, never a silent run on the CPU. `what` names the
 * model in errors ("detector model", ...). The provider used is returned, for the job's log line.
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
  const required = gpuRequired();
  const ep = required ? 'cuda' : (options.executionProvider ?? 'auto');
  if (required && !gpuPresent()) {
    throw new EngineError(
      'MODEL',
      `${what}: no GPU is visible to this container and PEOPLE_PATHING_REQUIRE_GPU=1; ` +
        'run it with a GPU (NVIDIA runtime, NVIDIA_VISIBLE_DEVICES) or set PEOPLE_PATHING_ALLOW_CPU=1 to run on the CPU',
    );
  }
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
