/**
 * Worker-thread entry of the detector: onnxruntime-node's run() occupies the calling thread, so inference runs
 * here while the main thread keeps reading ffmpeg's pipes and tracking. Requests are served in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OrtBackend } from './ort-backend.js';
import type { DetectorFrame, DetectorOptions } from './types.js';

interface DetectRequest {
  id: number;
  frame: DetectorFrame;
}

const port = parentPort;
if (!port) throw new Error('detect/worker.ts must run as a worker thread');

let chain: Promise<void> = Promise.resolve();
try {
  const backend = await OrtBackend.load(workerData as DetectorOptions);
  port.postMessage({ type: 'ready', info: backend.info });
  port.on('message', (msg: DetectRequest | { type: 'close' }) => {
    if ('type' in msg) {
      chain = chain.then(() => backend.close()).finally(() => port.close());
      return;
    }
    chain = chain.then(async () => {
      const t0 = performance.now();
      try {
        const boxes = await backend.detect(msg.frame);
        const flat = Float64Array.from(boxes);
        port.postMessage({ type: 'result', id: msg.id, boxes: flat, ms: performance.now() - t0 }, [flat.buffer]);
      } catch (err) {
        port.postMessage({ type: 'result', id: msg.id, error: (err as Error).message });
      }
    });
  });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message, code: (err as { code?: string }).code });
}
