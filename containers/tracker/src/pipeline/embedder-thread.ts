/**
 * The re-ID embedder (reid/ createReidEmbedder) on its own worker thread, behind the same ReidEmbedder interface:
 * onnxruntime-node's run() occupies the calling thread, so inline it would stop the pipeline's main thread (and,
 * under jest, its output arrays come from another realm). The frame's pixels are lent to the thread and come back
 * with the reply (threads.ts FrameWorkerClient), so later users of the frame (faces) see the same pixels.
 */
import { EngineError } from '../errors.js';
import type { FrameImage } from '../frame.js';
import type { ReidEmbedder, ReidEmbedderOptions } from '../reid/index.js';
import { FrameWorkerClient, startEngineWorker, waitReady, type FrameReply } from '../threads.js';
import type { Box } from '../track/types.js';

interface Reply extends FrameReply {
  flat?: Float32Array;
  count?: number;
  message?: string;
  dimension?: number;
  distanceScale?: number;
}

export async function createEmbedderThread(modelPath: string, options: ReidEmbedderOptions = {}): Promise<ReidEmbedder> {
  const worker = startEngineWorker(import.meta.url, 'embed-worker', { modelPath, options });
  const ready = await waitReady<Reply>(worker, (m) => new EngineError('MODEL', `cannot load the re-ID model: ${m.message ?? 'unknown error'}`));
  const client = new FrameWorkerClient<Reply>(worker, (message) => new EngineError('MODEL', `re-ID embedding failed: ${message}`));
  let dimension = ready.dimension ?? 256;

  return {
    get dimension() {
      return dimension;
    },
    distanceScale: ready.distanceScale ?? 1,
    async embed(frame: FrameImage, source: { width: number; height: number }, boxes: ReadonlyArray<Readonly<Box>>): Promise<Float32Array[]> {
      if (boxes.length === 0) return [];
      const m = await client.request(frame, { source, boxes: boxes.map((b) => [...b]) });
      if (!m.flat) throw new EngineError('MODEL', 're-ID embedding failed: no output');
      const flat = m.flat;
      const n = m.count ?? 0;
      const d = n > 0 ? flat.length / n : dimension;
      dimension = d;
      return Array.from({ length: n }, (_, i) => flat.subarray(i * d, (i + 1) * d));
    },
    close: () => client.close(),
  };
}
