/**
 * Starting the engine's worker threads (detector, re-ID embedder, face detector) both from compiled JavaScript (dist/, the
 * container) and from TypeScript sources (tsx, jest): from sources the worker first registers tsx's ESM loader,
 * since a worker thread does not inherit the parent's loader hooks.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FrameImage } from './frame.js';

/**
 * Starts `<name>.js` (or `<name>.ts` from sources) next to `fromUrl` (the caller's import.meta.url) as a worker.
 * A failure to load the module is reported as a `{ type: 'error', message }` message.
 */
export function startEngineWorker(fromUrl: string, name: string, workerData: unknown): Worker {
  if (fromUrl.endsWith('.ts')) {
    const workerUrl = new URL(`./${name}.ts`, fromUrl).href;
    // tsx's ESM API (exports "./esm/api" → dist/esm/api/index.mjs), found from its package.json.
    const tsxApi = join(dirname(createRequire(fromUrl).resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs');
    const code =
      `import(${JSON.stringify(pathToFileURL(tsxApi).href)})` +
      `.then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); })` +
      `.catch((e) => { require('node:worker_threads').parentPort.postMessage({ type: 'error', message: String(e && e.message || e) }); });`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(new URL(`./${name}.js`, fromUrl), { workerData });
}

/** Waits for a worker's `{ type: 'ready', ... }` message; rejects on `{ type: 'error' }`, an error or an exit. */
export function waitReady<T extends { type: string }>(worker: Worker, onError: (m: { message?: string; code?: string }) => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: T & { message?: string; code?: string }): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m);
      } else if (m.type === 'error') {
        cleanup();
        void worker.terminate();
        reject(onError(m));
      }
    };
    const onErr = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error('worker thread exited during start'));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onErr);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onErr);
    worker.on('exit', onExit);
  });
}

/** Asks a worker to finish its queue and exit (`{ type: 'close' }`); terminates it if it has not exited in time. */
export async function closeWorker(worker: Worker, timeoutMs = 30_000): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'close' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const how = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (how === 'timeout') await worker.terminate();
}

/** A worker's reply to a request that borrowed a frame's pixels. */
export interface FrameReply {
  type: string;
  id?: number;
  /** The borrowed pixels, transferred back. */
  pixels?: Uint8Array;
  error?: string;
}

/**
 * Requests to a worker thread that borrows a frame's pixels (re-ID embedder, face detector): the pixel buffer is
 * transferred to the thread and back without a copy, and FrameImage.data is replaced by the returned view when
 * the reply arrives, so later users of the frame see the same pixels. A thread that dies fails every pending
 * and later request instead of leaving it waiting.
 */
export class FrameWorkerClient<R extends FrameReply> {
  private readonly waiting = new Map<number, { frame: FrameImage; resolve: (r: R) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private dead?: Error;

  constructor(
    private readonly worker: Worker,
    failure: (message: string) => Error,
  ) {
    worker.on('message', (m: R) => {
      if (m.type !== 'result' || m.id === undefined) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.pixels) w.frame.data = m.pixels;
      if (m.error !== undefined) w.reject(failure(m.error));
      else w.resolve(m);
    });
    const stop = (err: Error): void => {
      this.dead = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', (e) => stop(failure(`thread failed: ${e.message}`)));
    worker.on('exit', () => stop(failure('thread stopped')));
  }

  /** Posts `{ id, frame, ...body }`, lending the frame's pixel buffer when the view owns it. */
  request(frame: FrameImage, body: Record<string, unknown>): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.dead) {
        reject(this.dead);
        return;
      }
      const id = this.nextId++;
      this.waiting.set(id, { frame, resolve, reject });
      const transfer = ownsBuffer(frame.data) ? [frame.data.buffer as ArrayBuffer] : [];
      this.worker.postMessage({ id, frame: { data: frame.data, width: frame.width, height: frame.height }, ...body }, transfer);
    });
  }

  async close(): Promise<void> {
    if (!this.dead) await closeWorker(this.worker);
  }
}

/** Whether a view spans its whole (transferable) ArrayBuffer, so the buffer can be lent to a thread. */
export function ownsBuffer(view: Uint8Array): boolean {
  return (
    view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && Object.prototype.toString.call(view.buffer) === '[object ArrayBuffer]'
  );
}
