/**
 * Worker-thread entry of the re-ID embedder (reid/): embedding crops runs here, like detection in detect/worker.ts,
 * so the main thread keeps reading ffmpeg and tracking. The frame's pixels come in and go back without copies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FrameImage } from '../frame.js';
import { createReidEmbedder, type ReidEmbedderOptions } from '../reid/index.js';
import type { Box } from '../track/types.js';

interface EmbedRequest {
  id: number;
  frame: FrameImage;
  source: { width: number; height: number };
  boxes: Box[];
}

const port = parentPort;
if (!port) throw new Error('pipeline/embed-worker.ts must run as a worker thread');

const { modelPath, options } = workerData as { modelPath: string; options: ReidEmbedderOptions };
let chain: Promise<void> = Promise.resolve();
try {
  const embedder = await createReidEmbedder(modelPath, options);
  port.postMessage({ type: 'ready', dimension: embedder.dimension, distanceScale: embedder.distanceScale });
  port.on('message', (msg: EmbedRequest | { type: 'close' }) => {
    if ('type' in msg) {
      chain = chain.then(() => embedder.close()).finally(() => port.close());
      return;
    }
    chain = chain.then(async () => {
      const pixels = msg.frame.data;
      try {
        const out = await embedder.embed(msg.frame, msg.source, msg.boxes);
        const flat = new Float32Array(out.reduce((n, e) => n + e.length, 0));
        let o = 0;
        for (const e of out) {
          flat.set(e, o);
          o += e.length;
        }
        port.postMessage({ type: 'result', id: msg.id, flat, count: out.length, pixels }, [flat.buffer, pixels.buffer as ArrayBuffer]);
      } catch (err) {
        port.postMessage({ type: 'result', id: msg.id, error: (err as Error).message, pixels }, [pixels.buffer as ArrayBuffer]);
      }
    });
  });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message });
}
