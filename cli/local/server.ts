/**
 * Local mode: the same API core as the Lambda, served by node:http on 127.0.0.1, with the embedded
 * DynamoDB-compatible store (dynalite, persisted under the data dir), local buckets, an in-process worker
 * and completion notifications appended to <dataDir>/notifications.ndjson.
 *
 * Data dir layout: dynamodb/ (the store), results/<jobId>/ (results sets), buckets/ (default buckets dir),
 * notifications.ndjson, pagination.key (random MAC key for NextToken, created once, mode 0600).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { VideoProcessor } from '../../core/ports.js';
import { DEFAULT_CONCURRENT_JOB_LIMIT, errorResponse, handleApiRequest } from '../../core/api/handler.js';
import type { ApiDeps, ApiResponse } from '../../core/api/handler.js';
import { ServiceError } from '../../core/api/errors.js';
import { PaginationTokens } from '../../core/api/pagination.js';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { StoreUnavailableError, startEmbeddedDynamo } from './embedded-dynamo.js';
import { LocalBuckets } from './buckets.js';
import { FileNotifier, LocalResultsStore } from './adapters.js';
import { LocalWorker } from './worker.js';
import { reconcileJobs } from '../../core/jobs/reconcile.js';
import { errorName, republishOwedNotifications, startRepublisher } from '../../core/jobs/outbox.js';
import type { RepublishDeps } from '../../core/jobs/outbox.js';
import type { CompletionStep } from '../../core/jobs/lifecycle.js';
import { localAuthenticator } from './auth.js';
import type { LocalAuthMode } from './auth.js';
import { FileKeyStore } from './key-file-store.js';
import { createConsoleHandler } from './console/handler.js';

export const LOCAL_TABLE_NAME = 'people-pathing-jobs';
/**
 * The largest body the API takes (its requests are small JSON), and so all a client can make the server read before
 * its signature is checked: the signature covers the body's hash, so the body must be read to check it. The headers
 * are checked first (cli/local/auth.ts), so a client without a known key gets nothing read at all
 * (doc/architecture/0018).
 */
export const MAX_BODY_BYTES = 1 << 20;

export interface LocalServerOptions {
  /** 0 picks a free port. Default 8085. */
  port?: number;
  dataDir: string;
  /** Default <dataDir>/buckets. */
  bucketsDir?: string;
  /**
   * 'keys' (default): verify SigV4 against the keys issued into <dataDir>/access-keys.json (`people-pathing keys`).
   * 'none': accept any signature; the access key id (or its `accounts` mapping) is the account.
   */
  auth?: LocalAuthMode;
  /** Regions a credential scope may name under auth 'keys' (default: any). */
  regions?: string[];
  /** Under auth 'none' only: access key id → account id; unmapped keys are their own account. */
  /** Accounts besides the caller's own whose NotificationChannel roles a caller may name (as -c allowedAccounts). */
  allowedAccounts?: string[];
  accounts?: Record<string, string>;
  processor: VideoProcessor;
  concurrentJobLimit?: number;
  /** Jobs processed at the same time. Default 1. */
  workerConcurrency?: number;
  maxVideoBytes?: number;
  log?: (line: string) => void;
  /**
   * Notifications still owed (a failed publish, a crash) are re-published at start and then every `intervalMs`
   * once owed for `graceMs`. Default 30 s and 30 s.
   */
  outbox?: { intervalMs?: number; graceMs?: number };
  /** Test-only crash injection at a completion boundary (cli/serve.ts reads PEOPLE_PATHING_TEST_CRASH_AT). */
  atStep?: (step: CompletionStep, jobId: string) => void;
  /** The built console app (default dist/console); tests point it elsewhere. */
  consoleDir?: string;
}

/** Local mode's outbox defaults: a completer publishes within milliseconds, so 30 s of grace never races it. */
export const OUTBOX_INTERVAL_MS = 30_000;
export const OUTBOX_GRACE_MS = 30_000;

export interface LocalServer {
  url: string;
  port: number;
  dataDir: string;
  notificationsFile: string;
  /** The browser console (doc/console.md). */
  consoleUrl: string;
  /** Resolves when the worker has nothing queued or running (tests, benchmarks). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

async function loadOrCreateKey(file: string): Promise<Buffer> {
  try {
    const hex = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch {
    // first start
  }
  const key = randomBytes(32);
  await writeFile(file, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}

const tooLarge = () => new ServiceError('InvalidParameterException', 'Request body too large', 413);

/**
 * The request body's bytes, up to MAX_BODY_BYTES. A Content-Length over it is refused before a byte is read; a longer
 * body without one is cut off where it passes the limit (within one socket read). The caller then answers and closes
 * the connection without reading the rest (answerAndClose).
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Sends `response` to a request whose body was not (wholly) read, and closes the connection instead of reading the
 * rest: node would otherwise read and discard it to keep the connection alive. The answer reaches a client that is
 * still sending (it reads while it writes); its remaining writes then fail.
 */
function answerAndClose(req: IncomingMessage, res: ServerResponse, response: ApiResponse, log: (line: string) => void): void {
  res.shouldKeepAlive = false;
  const socket = req.socket;
  socket.once('close', () => log(`closed a connection whose request was refused before its body was read (${socket.bytesRead} bytes received)`));
  res.once('finish', () => socket.destroy());
  send(res, response);
}

function send(res: ServerResponse, response: ApiResponse): void {
  const body = Buffer.from(response.body, 'utf8');
  // Date on every answer, as AWS sends it: the SDKs correct their clock skew from it.
  res.writeHead(response.statusCode, { Date: new Date().toUTCString(), ...response.headers, 'Content-Length': String(body.length) });
  res.end(body);
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  if (options.auth !== 'none' && options.accounts) throw new Error("accounts applies to auth 'none' only; issue keys with `people-pathing keys create`");
  const bucketsDir = resolve(options.bucketsDir ?? join(dataDir, 'buckets'));
  const resultsRoot = join(dataDir, 'results');
  const notificationsFile = join(dataDir, 'notifications.ndjson');
  const log = options.log ?? (() => undefined);
  // A data dir that cannot be used is one clear line for the operator (serve prints it and exits non-zero).
  const unusable = (reason: string) => new Error(`cannot use the data dir ${dataDir}: ${reason}`);
  for (const dir of [join(dataDir, 'dynamodb'), resultsRoot, bucketsDir]) {
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    } catch (error) {
      throw unusable(`${dir === bucketsDir ? 'the buckets dir' : 'it'} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  let dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
  try {
    dynamo = await startEmbeddedDynamo({ path: join(dataDir, 'dynamodb'), log });
  } catch (error) {
    throw error instanceof StoreUnavailableError ? unusable(error.reason) : error;
  }
  let owedIndex: boolean;
  try {
    ({ owedIndex } = await createJobsTable(dynamo.client, LOCAL_TABLE_NAME));
  } catch (e) {
    await dynamo.close();
    throw e;
  }
  const store = new DynamoDbJobStore({ client: dynamo.client, tableName: LOCAL_TABLE_NAME, owedIndex });
  const notifications = new FileNotifier(notificationsFile, options.allowedAccounts ?? []);
  // Each account's jobs notify through a notifier that refuses topics of other accounts (as deployed).
  const notifierFor = (accountId: string) => notifications.forAccount(accountId);
  const buckets = new LocalBuckets(bucketsDir);
  const worker = new LocalWorker({
    store,
    notifierFor,
    processor: options.processor,
    buckets,
    resultsRoot,
    concurrency: options.workerConcurrency,
    log,
    ...(options.atStep ? { atStep: options.atStep } : {}),
  });
  const deps: ApiDeps = {
    store,
    videoSource: buckets,
    launcher: worker,
    results: new LocalResultsStore(),
    notifierFor,
    // The account part of the NotificationChannel check, as deployed (no IAM here to prove a role's trust).
    notificationRoles: { allowedAccounts: options.allowedAccounts ?? [] },
    tokens: new PaginationTokens(await loadOrCreateKey(join(dataDir, 'pagination.key'))),
    concurrentJobLimit: options.concurrentJobLimit ?? DEFAULT_CONCURRENT_JOB_LIMIT,
    maxVideoBytes: options.maxVideoBytes,
    logger: { error: (message, details) => log(`${message} ${JSON.stringify(details)}`) },
  };
  const keyStore = options.auth === 'none' ? undefined : new FileKeyStore(dataDir);
  const authenticate = keyStore
    ? localAuthenticator({ mode: 'keys', keys: keyStore, regions: options.regions })
    : localAuthenticator({ mode: 'none', accounts: options.accounts ?? {} });
  // The console (cli/local/console/): its own routes under /console/, sessions bound to issued keys.
  const consoleHandler = createConsoleHandler({
    deps, listJobs: (account) => store.listAccountJobs(account), authenticate, keys: keyStore, buckets, bucketsDir, dataDir, staticDir: options.consoleDir, log,
  });

  const server = createServer((req, res) => {
    if (consoleHandler.owns(req)) return void consoleHandler.handle(req, res);
    void (async () => {
      let response: ApiResponse;
      let bodyRead = false;
      try {
        // Headers first: a request they already fail is answered without reading its body.
        const signedBy = await authenticate(req);
        const body = await readBody(req);
        bodyRead = true;
        response = await handleApiRequest({ method: req.method, headers: req.headers, body, accountId: await signedBy(body) }, deps);
      } catch (error) {
        const e = error instanceof ServiceError ? error : new ServiceError('InternalServerError', 'Internal server error', 500);
        response = errorResponse(e, 'local-' + randomBytes(8).toString('hex'));
      }
      if (res.destroyed) return;
      if (bodyRead) send(res, response);
      else answerAndClose(req, res, response, log);
    })();
  });
  server.keepAliveTimeout = 5000;
  // Notifications a previous run owed (crashed before or after publishing, or the publish failed), first: nothing of
  // this run is publishing yet (the reconciler below resumes jobs, which may finish at once), so all of them with no
  // grace; then on a timer (core/jobs/outbox.ts).
  const outbox: RepublishDeps = {
    store,
    notifierFor,
    graceMs: 0,
    log: (message, fields) => log(`${message} ${String(fields.jobId)} (${String(fields.errorName)})`),
  };
  const reportOutbox = (report: { sent: string[]; refused: string[] }) => {
    for (const jobId of report.sent) log(`notification of job ${jobId} sent`);
    for (const jobId of report.refused) log(`notification of job ${jobId} refused (topic not in the job's account)`);
  };
  try {
    reportOutbox(await republishOwedNotifications(outbox));
  } catch (error) {
    log(`re-publishing owed notifications failed (${errorName(error)}); retried on the timer`);
  }
  // Jobs a previous run left IN_PROGRESS start over (or fail, when their video is gone), and concurrency counters
  // a crash left too high are corrected: core's reconciler, before the server takes requests, so no start is in
  // flight while it counts.
  const resumed = await reconcileJobs({
    store,
    launcher: worker,
    executions: { stateOf: async () => 'NONE' },
    notifierFor,
    graceMs: 0,
    relaunchForMs: Infinity,
    slotAuditMs: 0,
    log: (message, fields) => log(`${message} ${String(fields.jobId)}`),
  });
  for (const jobId of resumed.relaunched) log(`resuming job ${jobId}`);
  const stopOutbox = startRepublisher({
    ...outbox,
    graceMs: options.outbox?.graceMs ?? OUTBOX_GRACE_MS,
    intervalMs: options.outbox?.intervalMs ?? OUTBOX_INTERVAL_MS,
    onReport: reportOutbox,
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8085, '127.0.0.1', () => resolveListen());
    });
  } catch (error) {
    await stopOutbox();
    await worker.close(); // the resumed jobs stay IN_PROGRESS for the next start
    await dynamo.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    consoleUrl: `http://127.0.0.1:${port}/console/`,
    port,
    dataDir,
    notificationsFile,
    idle: () => worker.idle(),
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        });
        await stopOutbox();
        await worker.close();
        await options.processor.close?.();
        await dynamo.close();
      })()),
  };
}
