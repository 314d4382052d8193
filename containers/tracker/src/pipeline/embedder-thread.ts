/**
 * The re-ID embedder (reid/ createReidEmbedder) on its own worker thread, behind the same ReidEmbedder interface:
 * onnxruntime-node's run() occupies the calling thread, so inline it would stop the pipeline's main thread (and,
 * under jest, its output arrays come from another realm). The frame's pixel buffer is transferred to the thread and
 * back (no copy); FrameImage.data is replaced by the returned view when the embeddings arrive, so later users of the
 * frame (faces) see the same pixels.
 */
import type { Worker } from 'node:worker_threads';
import { ownsBuffer } from '../detect/index.js';
import { EngineError } from '../errors.js';
import type { FrameImage } from '../frame.js';
import type { ReidEmbedder, ReidEmbedderOptions } from '../reid/index.js';
import { closeWorker, startEngineWorker, waitReady } from '../threads.js';
import type { Box } from '../track/types.js';

interface Reply {
  type: 'ready' | 'result' | 'error';
  id?: number;
  flat?: Float32Array;
  count?: number;
  pixels?: Uint8Array;
  error?: string;
  message?: string;
  dimension?: number;
  distanceScale?: number;
}

export async function createEmbedderThread(modelPath: string, options: ReidEmbedderOptions = {}): Promise<ReidEmbedder> {
  const worker: Worker = startEngineWorker(import.meta.url, 'embed-worker', { modelPath, options });
  const ready = await waitReady<Reply>(worker, (m) => new EngineError('MODEL', `cannot load the re-ID model: ${m.message ?? 'unknown error'}`));
  const waiting = new Map<number, { frame: FrameImage; resolve: (e: Float32Array[]) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  let dimension = ready.dimension ?? 256;
  worker.on('message', (m: Reply) => {
    if (m.type !== 'result' || m.id === undefined) return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.pixels) w.frame.data = m.pixels;
    if (m.error !== undefined || !m.flat) {
      w.reject(new EngineError('MODEL', `re-ID embedding failed: ${m.error ?? 'no output'}`));
      return;
    }
    const flat = m.flat;
    const n = m.count ?? 0;
    const d = n > 0 ? flat.length / n : dimension;
    dimension = d;
    w.resolve(Array.from({ length: n }, (_, i) => flat.subarray(i * d, (i + 1) * d)));
  });
  const fail = (err: Error): void => {
    dead = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('error', (e) => fail(new EngineError('MODEL', `re-ID thread failed: ${e.message}`)));
  worker.on('exit', () => fail(new EngineError('MODEL', 're-ID thread stopped')));

  return {
    get dimension() {
      return dimension;
    },
    distanceScale: ready.distanceScale ?? 1,
    embed(frame: FrameImage, source: { width: number; height: number }, boxes: ReadonlyArray<Readonly<Box>>): Promise<Float32Array[]> {
      if (boxes.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        if (dead) {
          reject(dead);
          return;
        }
        const id = nextId++;
        waiting.set(id, { frame, resolve, reject });
        const transfer = ownsBuffer(frame.data) ? [frame.data.buffer as ArrayBuffer] : [];
        worker.postMessage({ id, frame: { data: frame.data, width: frame.width, height: frame.height }, source, boxes: boxes.map((b) => [...b]) }, transfer);
      });
    },
    async close() {
      if (!dead) await closeWorker(worker);
    },
  };
}
