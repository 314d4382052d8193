/**
 * Puts a catalogue model into a folder, verified: the bytes are streamed from a URL (or read from a mirror folder)
 * into a temporary file next to the target, hashed while they arrive, fsynced, and renamed into place only when size
 * and sha256 match the catalogue. A failed or cut download leaves nothing behind, so a folder never holds half a
 * model under its real name.
 *
 * HTTP uses Node's built-in fetch with two timeouts: until the response headers arrive (connect), and between two
 * chunks of the body (read). A body cut short is tried once more; a refused connection or a wrong checksum moves on
 * to the next source at once (that is what keeps an offline start short).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { CatalogueModel } from './catalogue.js';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

export interface FetchOptions {
  /** A mirror: an http(s) URL base (the file is `<base>/<file>`) or a local folder holding the files. */
  from?: string;
  /** Until response headers arrive. Default 10 s. */
  connectTimeoutMs?: number;
  /** Longest pause between two body chunks. Default 30 s. */
  readTimeoutMs?: number;
  /** Progress lines (without newline); default none. */
  log?: (line: string) => void;
}

/** Where a model comes from: a URL or a file in a mirror folder. */
type Source = { kind: 'url'; url: string } | { kind: 'file'; path: string };

export function isUrl(from: string): boolean {
  return /^https?:\/\//i.test(from);
}

function sourcesOf(model: CatalogueModel, from: string | undefined): Source[] {
  if (from === undefined || from === '') return model.urls.map((url) => ({ kind: 'url', url }));
  if (isUrl(from)) return [{ kind: 'url', url: `${from.replace(/\/+$/, '')}/${model.file}` }];
  return [{ kind: 'file', path: join(isAbsolute(from) ? from : resolve(from), model.file) }];
}

/** A download that failed after the server started answering: worth one more try. */
class CutShort extends Error {}
/** Bytes that are not the catalogue's: never retried from the same source. */
class Mismatch extends Error {}

function describe(source: Source): string {
  if (source.kind === 'file') return source.path;
  try {
    return new URL(source.url).host;
  } catch {
    return source.url;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Streams `body` into `tmp`, checking size and sha256 against the catalogue, and fsyncs it. */
async function writeVerified(model: CatalogueModel, body: AsyncIterable<Uint8Array>, tmp: string, onChunk: () => void): Promise<void> {
  const hash = createHash('sha256');
  const fh = await open(tmp, 'wx', 0o644);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      onChunk();
      bytes += chunk.byteLength;
      if (bytes > model.bytes) throw new Mismatch(`more than the expected ${model.bytes} bytes`);
      hash.update(chunk);
      await fh.write(chunk);
    }
    if (bytes !== model.bytes) throw new CutShort(`got ${bytes} of ${model.bytes} bytes`);
    const digest = hash.digest('hex');
    if (digest !== model.sha256) throw new Mismatch(`sha256 ${digest} is not the catalogue's ${model.sha256}`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

let agent: EnvHttpProxyAgent | undefined;
/** One agent per process: it reads the proxy variables once, and directly connects when none is set. */
function proxyAgent(): EnvHttpProxyAgent {
  agent ??= new EnvHttpProxyAgent();
  return agent;
}

async function fromUrl(model: CatalogueModel, url: string, tmp: string, opts: FetchOptions): Promise<void> {
  const connectMs = opts.connectTimeoutMs ?? 10_000;
  const readMs = opts.readTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no answer within ${connectMs / 1000} s`)), connectMs);
  try {
    let response: Response;
    try {
      // undici's fetch with the proxy the environment names (HTTPS_PROXY/https_proxy, HTTP_PROXY, NO_PROXY): Node's
      // own fetch ignores them (Node 20; Node 24 only with NODE_USE_ENV_PROXY=1), and a corporate build host has one.
      response = (await undiciFetch(url, { signal: controller.signal, redirect: 'follow', dispatcher: proxyAgent() })) as unknown as Response;
    } catch (err) {
      throw new Error(errorText(err));
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`HTTP ${response.status}`);
    }
    const length = response.headers.get('content-length');
    if (length !== null && Number(length) !== model.bytes) {
      await response.body.cancel().catch(() => undefined);
      throw new Mismatch(`the server offers ${length} bytes, not the catalogue's ${model.bytes}`);
    }
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no data for ${readMs / 1000} s`)), readMs);
    };
    idle();
    try {
      await writeVerified(model, Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), tmp, idle);
    } catch (err) {
      if (err instanceof CutShort || err instanceof Mismatch) throw err;
      throw new CutShort(errorText(controller.signal.aborted ? controller.signal.reason : err));
    }
  } finally {
    clearTimeout(timer);
  }
}

/** "message: cause code" of an error from any realm (fetch's errors carry the socket error as `cause`). */
function errorText(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  if (typeof e?.message !== 'string') return String(err);
  const cause = e.cause?.code ?? e.cause?.message;
  return typeof cause === 'string' ? `${e.message}: ${cause}` : e.message;
}

/** Makes a rename in `dir` durable (where the platform allows fsync on a folder). */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  await fh?.sync().catch(() => undefined);
  await fh?.close();
}

/**
 * Makes `dir/<model.file>` a verified copy of the model and returns its path. Throws (leaving no file) when no
 * source gives the catalogue's bytes; the message lists what each source said.
 */
export async function fetchModel(model: CatalogueModel, dir: string, opts: FetchOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, model.file);
  const problems: string[] = [];
  for (const source of sourcesOf(model, opts.from)) {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const tmp = join(dir, `.${model.file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
      opts.log?.(`models: ${attempt > 1 ? 'retrying' : 'fetching'} ${model.file} (${mb(model.bytes)}) from ${describe(source)}`);
      try {
        if (source.kind === 'url') await fromUrl(model, source.url, tmp, opts);
        else await writeVerified(model, createReadStream(source.path), tmp, () => undefined);
        await rename(tmp, target);
        await syncDir(dir);
        opts.log?.(`models: ${model.file} ok (sha256 verified)`);
        return target;
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        const text = errorText(err).replace(/\s+/g, ' ');
        if (err instanceof CutShort && source.kind === 'url' && attempt === 1) continue;
        problems.push(`${describe(source)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : text}`);
        break;
      }
    }
  }
  throw new Error(`cannot fetch ${model.file}: ${problems.join('; ')}`);
}
