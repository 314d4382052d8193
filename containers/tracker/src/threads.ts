/**
 * Starting the engine's worker threads (detector, re-ID embedder) both from compiled JavaScript (dist/, the
 * container) and from TypeScript sources (tsx, jest): from sources the worker first registers tsx's ESM loader,
 * since a worker thread does not inherit the parent's loader hooks.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

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
