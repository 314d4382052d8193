/**
 * The embedded DynamoDB-compatible store of local mode: dynalite on a loopback port, in a worker thread.
 * With `path`, tables persist on disk (LevelDB) so a restarted `serve` keeps its jobs; without, in memory.
 *
 * Why a thread: dynalite throws storage errors from inside its callbacks (`if (err) throw err`), so a full or failing
 * disk (LevelDB's LEVEL_IO_ERROR) is an uncaught exception. In the main thread that kills `serve`; in a worker thread
 * it ends only the worker. The supervisor here then reports the store unavailable (`health()`), and starts dynalite
 * again on the same port, with back-off, until the disk takes writes again: requests meanwhile fail and are retried
 * by their callers, and the server, its worker and its jobs live on (doc/architecture/0013-untrusted-input.md).
 * A data dir another process holds (LevelDB's lock) or cannot write is a start-up error with one clear message.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface EmbeddedDynamo {
  client: DynamoDBClient;
  endpoint: string;
  /** Whether the store answers; when not, why (one line, for logs and StatusMessages). */
  health(): { ok: true } | { ok: false; reason: string };
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  path?: string;
  /** One line per store failure and recovery. */
  log?: (line: string) => void;
  /** First restart delay after a storage failure (default 500 ms; doubles up to maxRestartDelayMs). */
  restartDelayMs?: number;
  /** Longest restart delay (default 10 s). */
  maxRestartDelayMs?: number;
}

/** The dynalite thread: plain CommonJS, so it runs the same from dist/, tsx and jest. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const dynalite = require(workerData.dynalite);
const fatal = (e) => {
  const c = e && e.cause;
  parentPort.postMessage({ type: 'fatal', code: e && e.code, message: String(e && e.message), cause: c ? { code: c.code, message: String(c.message) } : undefined });
  process.exit(1);
};
process.on('uncaughtException', fatal);
(async () => {
  if (workerData.path) {
    // Open the LevelDB once first: dynalite opens it lazily and loses the reason (a lock held by another server,
    // a full or read-only disk) behind "Database is not open".
    const { Level } = createRequire(workerData.dynalite)('level');
    const db = new Level(workerData.path, { valueEncoding: 'json' });
    try {
      await db.open();
    } catch (e) {
      return fatal(e);
    }
    await db.close();
  }
  const server = dynalite({ path: workerData.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.once('error', (e) => parentPort.postMessage({ type: 'listen-error', message: String(e && e.message), code: e && e.code }));
  server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ type: 'ready', port: server.address().port }));
  parentPort.on('message', (m) => {
    if (m && m.type === 'close') {
      if (server.closeAllConnections) server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
})();
`;

type ThreadMessage =
  | { type: 'ready'; port: number }
  | { type: 'listen-error'; message: string; code?: string }
  | { type: 'fatal'; message: string; code?: string; cause?: { code?: string; message?: string } };

const DISK_FULL = 'the data disk is full';

/** A storage failure of dynalite's LevelDB as one line without paths. */
export function describeStoreError(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = `${e?.code ?? ''} ${e?.message ?? ''} ${e?.cause?.code ?? ''} ${e?.cause?.message ?? ''}`;
  if (/LEVEL_LOCKED/.test(text)) return 'another process (a second serve?) is using the data dir';
  if (/no space left|ENOSPC|quota/i.test(text)) return DISK_FULL;
  if (/read-only|EROFS|permission denied|EACCES|EPERM/i.test(text)) return 'the data dir is not writable';
  if (/lock/i.test(text) && /held|LOCK|unavailable/i.test(text)) return 'another process (a second serve?) is using the data dir';
  return `the job store failed (${e?.code ?? 'error'})`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A start-up failure of the store: one line for the operator (serve prints it and exits non-zero). */
export class StoreUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`cannot use the data dir: ${reason}`);
    this.name = 'StoreUnavailableError';
  }
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const dynalitePath = createRequire(import.meta.url).resolve('dynalite');
  const log = options.log ?? (() => undefined);
  const baseDelay = options.restartDelayMs ?? 500;
  const maxDelay = options.maxRestartDelayMs ?? 10_000;
  let worker: Worker | undefined;
  let port = 0;
  let down: string | undefined;
  let closed = false;
  let restarting = false;
  let delay = baseDelay;
  let lastThreadError: unknown;
  let starting = true;

  const spawnThread = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = new Worker(THREAD_SOURCE, { eval: true, workerData: { dynalite: dynalitePath, path: options.path, port } });
      worker = w;
      let started = false;
      w.on('message', (m: ThreadMessage) => {
        if (m.type === 'ready') {
          started = true;
          if (closed) w.postMessage({ type: 'close' }); // a restart that finished after close()
          resolve(m.port);
        } else if (m.type === 'fatal') {
          // An uncaught exception in dynalite (a storage error thrown from a callback): the thread is ending.
          lastThreadError = m;
          if (!started) reject(new StoreUnavailableError(describeStoreError(m)));
          else if (!starting) void onFailure(m);
        } else {
          reject(new Error(`the embedded job store could not listen on 127.0.0.1: ${m.message}`));
        }
      });
      w.on('error', (error) => {
        lastThreadError ??= error;
        if (!started) reject(error);
        else if (!starting) void onFailure(error);
      });
      w.on('exit', () => {
        if (worker === w) worker = undefined;
        if (!started) reject(new Error('the embedded job store stopped during start'));
      });
    });

  const client = (): DynamoDBClient => dynamoClient;
  /** One read that makes dynalite open its LevelDB; throws with the storage reason when the thread dies of it. */
  const probe = async (): Promise<void> => {
    lastThreadError = undefined;
    try {
      await client().send(new ListTablesCommand({ Limit: 1 }));
    } catch (error) {
      for (let i = 0; i < 50 && worker && lastThreadError === undefined; i++) await sleep(20);
      throw new StoreUnavailableError(describeStoreError(lastThreadError ?? error));
    }
  };
  const ensureThread = async (): Promise<void> => {
    if (!worker) port = await spawnThread();
  };

  /** After a failure at run time: restart dynalite (same port) with back-off until a probe passes. */
  const onFailure = async (error: unknown): Promise<void> => {
    if (closed) return;
    const reason = describeStoreError(error);
    if (down === undefined) log(`job store unavailable: ${reason}; retrying until it works again`);
    down = reason;
    if (restarting) return;
    restarting = true;
    try {
      while (!closed) {
        await sleep(delay);
        delay = Math.min(maxDelay, delay * 2);
        if (closed) return;
        try {
          await ensureThread();
          await probe();
          down = undefined;
          delay = baseDelay;
          log('job store available again');
          return;
        } catch (e) {
          if (e instanceof StoreUnavailableError) down = e.reason;
        }
      }
    } finally {
      restarting = false;
    }
  };

  // Start-up: a full disk is waited out (the server must not crash-loop while it stays full); a data dir that is
  // locked by another process or not writable is an error with one clear line.
  let waiting = false;
  const waitOrThrow = async (error: unknown, cleanup: () => Promise<void>): Promise<void> => {
    const reason = error instanceof StoreUnavailableError ? error.reason : describeStoreError(error);
    if (reason !== DISK_FULL) {
      await cleanup();
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(reason);
    }
    if (!waiting) log(`job store unavailable: ${reason}; waiting for free space`);
    waiting = true;
    await sleep(delay);
    delay = Math.min(maxDelay, delay * 2);
  };
  for (;;) {
    try {
      port = await spawnThread();
      break;
    } catch (error) {
      await waitOrThrow(error, async () => undefined);
    }
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const dynamoClient = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
  const close = async (): Promise<void> => {
    closed = true;
    dynamoClient.destroy();
    const w = worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void w.terminate(), 5000);
      w.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      w.postMessage({ type: 'close' });
    });
  };

  for (;;) {
    try {
      await ensureThread();
      await probe();
      break;
    } catch (error) {
      await waitOrThrow(error, close);
    }
  }
  if (waiting) log('job store available');
  delay = baseDelay;
  starting = false;

  return {
    client: dynamoClient,
    endpoint,
    health: () => (down === undefined ? { ok: true } : { ok: false, reason: down }),
    close,
  };
}
