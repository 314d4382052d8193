/**
 * The console's HTTP side (doc/console.md, doc/architecture/0024-console.md), on the local server's loopback
 * listener under /console/:
 *
 *   /console/                     the single-page app (static files from dist/console; no data in them)
 *   POST   /console/api/session   sign-in: a SigV4-signed request (an issued key) → HttpOnly session cookie
 *   GET    /console/api/session   the signed-in account and the CSRF token; DELETE signs out
 *   GET    /console/api/videos    the files in the local buckets
 *   PUT    /console/api/upload?name=N[&tag=T]   a dropped file, copied into the bucket `console-uploads`, then started
 *   GET    /console/api/jobs      the account's jobs;  POST starts one ({Bucket, Name, JobTag?})
 *   GET    /console/api/jobs/ID   the job with all its Persons (GetPersonTracking, every page)
 *   GET    /console/api/jobs/ID/video | frame.png?t=MS | paths.png
 *   GET|PUT /console/api/jobs/ID/zones   the zone file of the job's video (per account and video)
 *
 * Every /console/api/ route but the sign-in needs a live session; every state change also the CSRF header. Starts go
 * through the API core (handleApiRequest) with the session's account, so validation, limits and errors are the
 * API's, and a caller sees only its own account's jobs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { errorResponse, handleApiRequest, jobProgress, MAX_VIDEO_BYTES, TARGET_PREFIX } from '../../../core/api/handler.js';
import type { ApiDeps, ApiResponse } from '../../../core/api/handler.js';
import { ServiceError, videoTooLarge } from '../../../core/api/errors.js';
import type { JobRecord } from '../../../core/ports.js';
import type { GetPersonTrackingResponse, PersonDetection } from '../../../core/types.js';
import { analyse, fromPersonDetection, parseZoneFile, ZoneFileError } from '../../../core/analytics/index.js';
import type { PersonSample } from '../../../core/analytics/index.js';
import { writeCsvs } from '../../analyse.js';
import type { LocalBuckets } from '../buckets.js';
import { accessKeyIdOf } from '../auth.js';
import type { Authenticate } from '../auth.js';
import type { KeyLookup } from '../../../core/auth/keys.js';
import { CLEARED_COOKIE, csrfOk, SessionStore, sessionCookie } from './sessions.js';
import type { Session } from './sessions.js';
import { browserPlayable, framePng, pathsPng, playableCopy, sendFile } from './media.js';

export const CONSOLE_PATH = '/console/';
export const UPLOAD_BUCKET = 'console-uploads';
const MAX_JSON_BYTES = 1 << 20;

export interface ConsoleOptions {
  deps: ApiDeps;
  listJobs: (accountId: string) => Promise<JobRecord[]>;
  authenticate: Authenticate;
  /** Under auth 'keys'; undefined under auth 'none'. */
  keys: KeyLookup | undefined;
  buckets: LocalBuckets;
  bucketsDir: string;
  dataDir: string;
  /** The built app (index.html, app.js, app.css). Default: dist/console beside the compiled CLI. */
  staticDir?: string;
  log: (line: string) => void;
}

export interface ConsoleHandler {
  /** True when the request is the console's (the caller then leaves it to `handle`). */
  owns(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** dist/console whether this module runs compiled (dist/cli/local/console) or from source (cli/local/console). */
export function defaultStaticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../../console'), resolve(here, '../../../dist/console')];
  return candidates.find((d) => existsSync(join(d, 'app.js'))) ?? candidates[1];
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Tight headers on everything the console serves: no framing, no third-party anything, no caching of data. */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': String(body.length), ...headers });
  res.end(body);
}

function sendApi(res: ServerResponse, response: ApiResponse): void {
  sendJson(res, response.statusCode, JSON.parse(response.body) as unknown);
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw new HttpError(413, 'RequestTooLarge', 'The request is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString('utf8');
}

/** A dropped file's name as a bucket key: its base name, with anything but letters, digits, '.', '-' and '_' as '_'. */
export function uploadKey(account: string, name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 200);
  return `${account}/${clean || 'video'}`;
}

/** The zone file of (account, video): <dataDir>/zones/<account>/<sha256 of bucket and key>.json. */
export function zoneFilePath(dataDir: string, account: string, bucket: string, key: string): string {
  const id = createHash('sha256').update(`${bucket}\0${key}`).digest('hex').slice(0, 32);
  return join(dataDir, 'zones', account.replace(/[^A-Za-z0-9_-]/g, '_'), `${id}.json`);
}

export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  const sessions = new SessionStore(options.keys);
  const staticDir = options.staticDir ?? defaultStaticDir();
  const { deps, buckets } = options;
  const maxBytes = deps.maxVideoBytes ?? MAX_VIDEO_BYTES;
  const resultsRoot = join(options.dataDir, 'results');

  const api = (session: Session, operation: string, body: unknown) =>
    handleApiRequest(
      { method: 'POST', headers: { 'x-amz-target': TARGET_PREFIX + operation }, body: JSON.stringify(body), accountId: session.account },
      deps,
    );

  /** Every page of GetPersonTracking, merged; an API error answer as it is. */
  async function wholeJob(session: Session, jobId: string): Promise<GetPersonTrackingResponse | ApiResponse> {
    const persons: PersonDetection[] = [];
    let first: GetPersonTrackingResponse | undefined;
    let token: string | undefined;
    do {
      const r = await api(session, 'GetPersonTracking', { JobId: jobId, MaxResults: 1000, ...(token ? { NextToken: token } : {}) });
      if (r.statusCode !== 200) return r;
      const page = JSON.parse(r.body) as GetPersonTrackingResponse;
      first ??= page;
      persons.push(...(page.Persons ?? []));
      token = page.NextToken;
    } while (token);
    const out = { ...first!, Persons: persons };
    delete out.NextToken;
    return out;
  }

  async function ownJob(session: Session, jobId: string): Promise<JobRecord> {
    const job = /^[a-zA-Z0-9-_]{1,64}$/.test(jobId) ? await deps.store.getJob(session.account, jobId) : undefined;
    if (!job) throw new HttpError(404, 'ResourceNotFoundException', 'Requested resource not found');
    return job;
  }

  /** The job's video as the worker reads it (cli/local/buckets.ts: literal keys, real path inside the bucket). */
  async function videoFile(job: JobRecord): Promise<string> {
    const file = await buckets.file(job.video);
    if (!file) throw new HttpError(404, 'VideoNotFound', "The job's video is no longer in its bucket.");
    return file.path;
  }

  const cacheDir = (job: JobRecord) => join(resultsRoot, job.jobId, 'console');

  async function summary(job: JobRecord): Promise<Record<string, unknown>> {
    let persons: number | undefined;
    if (job.status === 'SUCCEEDED' && job.resultsLocation && !job.resultsLocation.startsWith('s3://')) {
      try {
        persons = (JSON.parse(await readFile(join(job.resultsLocation, 'manifest.json'), 'utf8')) as { persons?: number }).persons;
      } catch {
        persons = undefined;
      }
    }
    return {
      JobId: job.jobId,
      JobStatus: job.status,
      ...(job.statusMessage !== undefined && job.status === 'FAILED' ? { StatusMessage: job.statusMessage } : {}),
      Video: job.video,
      ...(job.jobTag !== undefined ? { JobTag: job.jobTag } : {}),
      CreatedAt: job.createdAt,
      ...(job.completedAt !== undefined ? { CompletedAt: job.completedAt } : {}),
      ...(job.videoMetadata?.DurationMillis !== undefined ? { DurationMillis: job.videoMetadata.DurationMillis } : {}),
      ...(persons !== undefined ? { Persons: persons } : {}),
      ...(job.status === 'IN_PROGRESS' && job.progress !== undefined ? { JobProgress: jobProgress(job.progress, job.progressDetail) } : {}),
    };
  }

  async function listVideos(): Promise<{ Bucket: string; Name: string; Size: number }[]> {
    const out: { Bucket: string; Name: string; Size: number }[] = [];
    const root = resolve(options.bucketsDir);
    const walk = async (dir: string, depth: number): Promise<void> => {
      if (out.length >= 1000 || depth > 4) return;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        const info = await stat(full).catch(() => undefined); // follows links, as the buckets do
        if (!info) continue;
        if (info.isDirectory()) await walk(full, depth + 1);
        else if (info.isFile() && depth > 0 && /\.(mp4|m4v|mov|mkv|webm|avi)$/i.test(e.name)) {
          const [bucket, ...key] = relative(root, full).split(sep);
          out.push({ Bucket: bucket, Name: key.join('/'), Size: info.size });
        }
      }
    };
    await walk(root, 0);
    return out;
  }

  /** A dropped file into console-uploads/<account>/<name>, never more than the API's size limit, then started. */
  async function upload(req: IncomingMessage, res: ServerResponse, session: Session, url: URL): Promise<void> {
    const name = url.searchParams.get('name') ?? '';
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      // Answered before the body is read; the connection closes once the answer is out, dropping the rest.
      res.shouldKeepAlive = false;
      res.once('finish', () => req.destroy());
      sendApi(res, errorResponse(videoTooLarge(declared, maxBytes), 'console-' + randomBytes(8).toString('hex')));
      return;
    }
    const key = uploadKey(session.account, name);
    const target = resolve(options.bucketsDir, UPLOAD_BUCKET, key);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.upload-${randomBytes(6).toString('hex')}`);
    let size = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) done(videoTooLarge(size, maxBytes));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(req, limit, createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      if (e instanceof ServiceError) {
        res.shouldKeepAlive = false;
        sendApi(res, errorResponse(e, 'console-' + randomBytes(8).toString('hex')));
        return;
      }
      throw e;
    }
    const tag = url.searchParams.get('tag');
    sendApi(res, await api(session, 'StartPersonTracking', { Video: { S3Object: { Bucket: UPLOAD_BUCKET, Name: key } }, ...(tag ? { JobTag: tag } : {}) }));
  }

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let account: string | undefined;
    try {
      // As the API does: the headers first (a request they fail is answered unread), then the signature over the
      // body's raw bytes.
      const checkBody = await options.authenticate(req);
      account = await checkBody(await readBytes(req));
    } catch (e) {
      if (e instanceof ServiceError) {
        sendJson(res, 403, { __type: e.name, Message: 'That key was not accepted. Check the access key id and secret that `npm start` or `people-pathing keys create` printed.' });
        return;
      }
      throw e;
    }
    const accessKeyId = accessKeyIdOf(req.headers.authorization);
    if (!account || !accessKeyId) {
      sendJson(res, 403, { __type: 'AccessDeniedException', Message: 'Sign in with an access key id and secret.' });
      return;
    }
    const session = sessions.create(accessKeyId, account);
    options.log(`console sign-in for account ${account}`);
    sendJson(res, 200, { Account: account, AccessKeyId: accessKeyId, Csrf: session.csrf, ExpiresAt: session.expiresAt }, { 'Set-Cookie': sessionCookie(session) });
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const name = path === CONSOLE_PATH ? 'index.html' : path.slice(CONSOLE_PATH.length);
    const file = resolve(staticDir, name);
    const type = STATIC_TYPES[extname(file)];
    if (!type || !file.startsWith(resolve(staticDir) + sep) || !existsSync(file)) {
      if (path === CONSOLE_PATH) {
        res.writeHead(503, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('The console is not built: run `npm run build`, then `npm start` again.\n');
        return;
      }
      throw new HttpError(404, 'NotFound', 'Not found');
    }
    await sendFile(req, res, file, type, { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache' });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    if (path === '/console') {
      res.writeHead(308, { Location: CONSOLE_PATH });
      res.end();
      return;
    }
    if (!path.startsWith('/console/api/')) {
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'MethodNotAllowed', 'Method not allowed');
      return serveStatic(req, res, path);
    }
    const route = path.slice('/console/api/'.length);
    if (route === 'session' && method === 'POST') return signIn(req, res);

    const session = await sessions.of(req);
    if (!session) throw new HttpError(401, 'NotSignedIn', 'Sign in to the console first.');
    if (method !== 'GET' && method !== 'HEAD' && !csrfOk(req, session)) {
      throw new HttpError(403, 'CsrfTokenMissing', 'The request lacks the console’s CSRF token; reload the page.');
    }

    if (route === 'session') {
      if (method === 'DELETE') {
        sessions.delete(session.id);
        return sendJson(res, 200, {}, { 'Set-Cookie': CLEARED_COOKIE });
      }
      return sendJson(res, 200, { Account: session.account, AccessKeyId: session.accessKeyId, Csrf: session.csrf, ExpiresAt: session.expiresAt });
    }
    if (route === 'videos' && method === 'GET') return sendJson(res, 200, { Videos: await listVideos(), MaxBytes: maxBytes });
    if (route === 'upload' && method === 'PUT') return upload(req, res, session, url);
    if (route === 'jobs') {
      if (method === 'GET') {
        const jobs = await options.listJobs(session.account);
        return sendJson(res, 200, { Jobs: await Promise.all(jobs.map(summary)) });
      }
      if (method === 'POST') {
        const body = JSON.parse((await readJson(req)) || '{}') as { Bucket?: unknown; Name?: unknown; JobTag?: unknown };
        const request = { Video: { S3Object: { Bucket: body.Bucket, Name: body.Name } }, ...(body.JobTag ? { JobTag: body.JobTag } : {}) };
        return sendApi(res, await api(session, 'StartPersonTracking', request));
      }
    }
    const m = /^jobs\/([^/]+)(?:\/(video|frame\.png|paths\.png|zones|export\/(?:crossings|visits|occupancy|buckets)\.csv))?$/.exec(route);
    if (m) {
      const [, jobId, part] = m;
      if (!part && method === 'GET') {
        const whole = await wholeJob(session, jobId);
        return 'statusCode' in whole ? sendApi(res, whole as ApiResponse) : sendJson(res, 200, whole);
      }
      const job = await ownJob(session, jobId);
      const noStore = { ...SECURITY_HEADERS, 'Cache-Control': 'private, no-store' };
      if (part === 'video' && (method === 'GET' || method === 'HEAD')) {
        const source = await videoFile(job);
        const file = browserPlayable(job.videoMetadata) ? source : await playableCopy(source, cacheDir(job));
        return sendFile(req, res, file, 'video/mp4', { ...noStore, 'Cache-Control': 'private, max-age=0' });
      }
      if (part === 'frame.png' && method === 'GET') {
        const png = await framePng(await videoFile(job), Number(url.searchParams.get('t') ?? 0) || 0);
        res.writeHead(200, { ...noStore, 'Content-Type': 'image/png', 'Content-Length': String(png.length) });
        res.end(png);
        return;
      }
      if (part === 'paths.png' && method === 'GET') {
        if (job.status !== 'SUCCEEDED') throw new HttpError(409, 'JobNotFinished', 'The paths picture is drawn once the job has SUCCEEDED.');
        const whole = await wholeJob(session, jobId);
        if ('statusCode' in whole) return sendApi(res, whole as ApiResponse);
        return sendFile(req, res, await pathsPng(await videoFile(job), whole.Persons ?? [], cacheDir(job)), 'image/png', noStore);
      }
      if (part?.startsWith('export/') && method === 'GET') {
        // The CSVs of `analyse --csv`, by the CLI's own writer, for the saved zone file of the job's video.
        const zonesText = await readFile(zoneFilePath(options.dataDir, session.account, job.video.S3Object?.Bucket ?? '', job.video.S3Object?.Name ?? ''), 'utf8').catch(() => undefined);
        if (!zonesText) throw new HttpError(409, 'NoZoneFile', 'Save the lines and zones first.');
        const whole = await wholeJob(session, jobId);
        if ('statusCode' in whole) return sendApi(res, whole as ApiResponse);
        const samples = (whole.Persons ?? []).map((p) => fromPersonDetection(p)).filter((s): s is PersonSample => s !== undefined);
        const meta = whole.VideoMetadata;
        const analysis = analyse(samples, parseZoneFile(JSON.parse(zonesText) as unknown), meta?.FrameWidth && meta.FrameHeight ? { aspectRatio: meta.FrameWidth / meta.FrameHeight } : {});
        const dir = join(cacheDir(job), `csv-${randomBytes(6).toString('hex')}`);
        try {
          const name = part.slice('export/'.length);
          const file = (await writeCsvs(dir, analysis)).find((f) => f.endsWith(`/${name}`))!;
          const body = await readFile(file);
          res.writeHead(200, { ...noStore, 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment', 'Content-Length': String(body.length) });
          res.end(body);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        return;
      }
      if (part === 'zones') {
        const bucket = job.video.S3Object?.Bucket ?? '';
        const key = job.video.S3Object?.Name ?? '';
        const file = zoneFilePath(options.dataDir, session.account, bucket, key);
        if (method === 'GET') {
          const text = await readFile(file, 'utf8').catch(() => undefined);
          return sendJson(res, 200, { Zones: text ? (JSON.parse(text) as unknown) : { lines: [], zones: [] }, Saved: text !== undefined, Path: file });
        }
        if (method === 'PUT') {
          let zones;
          try {
            zones = parseZoneFile(JSON.parse(await readJson(req)) as unknown);
          } catch (e) {
            if (e instanceof ZoneFileError || e instanceof SyntaxError) throw new HttpError(400, 'InvalidZoneFile', (e as Error).message);
            throw e;
          }
          await mkdir(dirname(file), { recursive: true });
          const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
          await writeFile(tmp, JSON.stringify(zones, null, 2) + '\n', { mode: 0o600 });
          await rename(tmp, file);
          return sendJson(res, 200, { Zones: zones, Saved: true, Path: file });
        }
      }
    }
    throw new HttpError(404, 'NotFound', 'Not found');
  }

  return {
    owns: (req) => {
      const path = (req.url ?? '/').split('?')[0];
      return path === '/console' || path.startsWith(CONSOLE_PATH);
    },
    handle: async (req, res) => {
      try {
        await route(req, res);
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpError) {
          sendJson(res, error.status, { __type: error.code, Message: error.message });
        } else if (error instanceof SyntaxError) {
          sendJson(res, 400, { __type: 'InvalidRequest', Message: 'The request body is not valid JSON.' });
        } else {
          options.log(`console: unexpected ${error instanceof Error ? error.name : typeof error}`);
          sendJson(res, 500, { __type: 'InternalServerError', Message: 'Something went wrong on the server; try again.' });
        }
      }
    },
  };
}
