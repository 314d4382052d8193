/** The detector interface and its factory: one interface over the YOLOX, light person and NanoDet ONNX formats. */
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../errors.js';
import { closeWorker, ownsBuffer, startEngineWorker, waitReady } from '../threads.js';
import type { Detection } from '../track/types.js';
import { OrtBackend } from './ort-backend.js';
import type { DetectorFrame, DetectorInfo, DetectorOptions, ModelKind, PersonDetector } from './types.js';

export type { DetectorFrame, DetectorInfo, DetectorOptions, ModelKind, PersonDetector } from './types.js';
export { MODEL_KINDS } from './types.js';
export { DEFAULT_MODEL_FILE, namedModelsDir, parseModelKind, resolveModel, type ModelChoice } from './models.js';

/** True when the view is exactly its (non-shared) ArrayBuffer, so the buffer can be transferred to a thread. */

function toDetections(flat: ArrayLike<number>): Detection[] {
  const out: Detection[] = [];
  for (let i = 0; i + 4 < flat.length; i += 5) {
    out.push({ box: [flat[i], flat[i + 1], flat[i + 2], flat[i + 3]], score: flat[i + 4] });
  }
  return out;
}

class InlineDetector implements PersonDetector {
  readonly stats = { detectMs: 0, frames: 0 };
  readonly kind: ModelKind;
  readonly path: string;
  readonly inputSize;
  readonly letterbox;
  readonly executionProvider;
  readonly batchSize;

  constructor(private readonly backend: OrtBackend) {
    ({ kind: this.kind, path: this.path, inputSize: this.inputSize, letterbox: this.letterbox } = backend.info);
    this.executionProvider = backend.info.executionProvider;
    this.batchSize = backend.info.batchSize;
  }

  async detect(batch: DetectorFrame[]): Promise<Detection[][]> {
    const out: Detection[][] = [];
    for (const frame of batch) {
      const t0 = performance.now();
      out.push(toDetections(await this.backend.detect(frame)));
      this.stats.detectMs += performance.now() - t0;
      this.stats.frames++;
    }
    return out;
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

interface WorkerReply {
  type: 'ready' | 'result' | 'error';
  id?: number;
  info?: DetectorInfo;
  boxes?: Float64Array;
  ms?: number;
  error?: string;
  message?: string;
  code?: string;
}

class WorkerDetector implements PersonDetector {
  readonly stats = { detectMs: 0, frames: 0 };
  readonly kind: ModelKind;
  readonly path: string;
  readonly inputSize;
  readonly letterbox;
  readonly executionProvider;
  readonly batchSize;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (d: Detection[]) => void; reject: (e: Error) => void }>();
  private dead?: Error;

  constructor(
    private readonly worker: Worker,
    info: DetectorInfo,
  ) {
    ({ kind: this.kind, path: this.path, inputSize: this.inputSize, letterbox: this.letterbox } = info);
    this.executionProvider = info.executionProvider;
    this.batchSize = info.batchSize;
    worker.on('message', (m: WorkerReply) => {
      if (m.type !== 'result' || m.id === undefined) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) {
        w.reject(new EngineError('MODEL', `detection failed: ${m.error}`));
        return;
      }
      this.stats.detectMs += m.ms ?? 0;
      this.stats.frames++;
      w.resolve(toDetections(m.boxes ?? []));
    });
    const fail = (err: Error): void => {
      this.dead = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (e) => fail(new EngineError('MODEL', `detector thread failed: ${e.message}`)));
    worker.on('exit', () => fail(new EngineError('MODEL', 'detector thread stopped')));
  }

  detect(batch: DetectorFrame[]): Promise<Detection[][]> {
    return Promise.all(
      batch.map(
        (frame) =>
          new Promise<Detection[]>((resolve, reject) => {
            if (this.dead) {
              reject(this.dead);
              return;
            }
            const id = this.nextId++;
            this.waiting.set(id, { resolve, reject });
            const input = frame.input;
            // Hand the pixels over without a copy when the buffer is exactly the frame.
            const own = ownsBuffer(input);
            this.worker.postMessage({ id, frame }, own ? [input.buffer as ArrayBuffer] : []);
          }),
      ),
    );
  }

  /**
   * Lets the worker finish the run in progress and release its session before it exits: terminating a thread
   * inside onnxruntime's native run can take the whole process down.
   */
  async close(): Promise<void> {
    if (this.dead) return;
    await closeWorker(this.worker);
  }
}

async function createWorkerDetector(options: DetectorOptions): Promise<PersonDetector> {
  const worker = startEngineWorker(import.meta.url, 'worker', options);
  const ready = await waitReady<WorkerReply>(worker, (m) =>
    m.code === 'MODEL' ? new EngineError('MODEL', m.message ?? 'model failed to load') : new Error(m.message),
  );
  return new WorkerDetector(worker, ready.info as DetectorInfo);
}

/**
 * Loads a person detector. By default inference runs on a worker thread (falling back to the calling thread
 * if a worker cannot start); `thread: 'inline'` keeps it on the calling thread.
 */
export async function createDetector(options: DetectorOptions): Promise<PersonDetector> {
  if (options.thread === 'inline') return new InlineDetector(await OrtBackend.load(options));
  try {
    return await createWorkerDetector(options);
  } catch (err) {
    if (err instanceof EngineError || options.thread === 'worker') throw err;
    return new InlineDetector(await OrtBackend.load(options));
  }
}
