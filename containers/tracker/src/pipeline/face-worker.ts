/**
 * Worker-thread entry of the face detector (faces/ YuNet attacher), like the re-ID embedder's embed-worker.ts:
 * YuNet runs here so the pipeline's main thread keeps decoding and tracking. The frame's pixels come in and go back
 * without copies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createFaceAttacher, type FaceAttacherOptions } from '../faces/attach.js';
import type { FrameImage } from '../frame.js';
import type { Box } from '../track/types.js';

interface AttachRequest {
  id: number;
  frame: FrameImage;
  source: { width: number; height: number };
  persons: { index: number; box: Box }[];
}

const port = parentPort;
if (!port) throw new Error('pipeline/face-worker.ts must run as a worker thread');

const { modelPath, options } = workerData as { modelPath: string; options: FaceAttacherOptions };
let chain: Promise<void> = Promise.resolve();
try {
  const attacher = await createFaceAttacher(modelPath, options);
  port.postMessage({ type: 'ready' });
  port.on('message', (msg: AttachRequest | { type: 'close' }) => {
    if ('type' in msg) {
      chain = chain.then(() => attacher.release()).finally(() => port.close());
      return;
    }
    chain = chain.then(async () => {
      try {
        const faces = await attacher.attach(msg.frame, msg.source, msg.persons);
        port.postMessage({ type: 'result', id: msg.id, faces: [...faces], pixels: msg.frame.data }, [msg.frame.data.buffer as ArrayBuffer]);
      } catch (err) {
        port.postMessage({ type: 'result', id: msg.id, error: (err as Error).message, pixels: msg.frame.data }, [msg.frame.data.buffer as ArrayBuffer]);
      }
    });
  });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message });
}
