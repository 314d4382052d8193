/**
 * The model cache as a user meets it: the real catalogue's sizes and checksums, the real shared model files served
 * by an HTTP server on 127.0.0.1 (standing in for the public URLs, which tests never reach), the downloader, the
 * `people-pathing models` command, and `serve` / `track` started with an empty cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogueModel, LOCAL_DEFAULT_MODELS } from '../../containers/tracker/src/models/catalogue.js';
import { fetchModel } from '../../containers/tracker/src/models/fetch.js';
import { ModelUnavailableError, obtainModel } from '../../containers/tracker/src/models/resolve.js';
import { runModels } from '../../containers/tracker/src/models/cli.js';
import { describeWithData, MODELS } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REID = catalogueModel('person-reidentification-retail-0288');
const FACES = catalogueModel('face_detection_yunet_2026may');
const HINT = 'people-pathing models fetch --from DIR';

type Mode = 'ok' | 'wrong' | 'other' | 'cut' | 'cut-once' | 'stall';

const describeData = describeWithData(...LOCAL_DEFAULT_MODELS.map((n) => join(MODELS, catalogueModel(n).file)));

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Env for a child process that has no models named anywhere, an empty cache and the given mirror. */
function bareEnv(home: string, mirror: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), PEOPLE_PATHING_MODELS_URL: mirror };
  for (const k of ['PEOPLE_PATHING_MODELS_DIR', 'PEOPLE_PATHING_MODEL', 'PEOPLE_PATHING_MODEL_KIND', 'PEOPLE_PATHING_REID_MODEL', 'PEOPLE_PATHING_FACE_MODEL', 'PEOPLE_PATHING_DATA_DIR']) delete env[k];
  return env;
}

function runCli(args: string[], env: NodeJS.ProcessEnv, untilStdout?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (untilStdout?.test(stdout)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => child.once('exit', (code) => r({ code, stdout, stderr, ms: Date.now() - started })));
}

describeData('model downloader and cache', () => {
  let server: Server;
  let base: string;
  let home: string;
  const modes = new Map<string, Mode>();
  const requests = new Map<string, number>();
  const served = new Set<string>();

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'pp-models-fetch-'));
    server = createServer((req, res) => {
      const file = decodeURIComponent((req.url ?? '/').slice('/mirror/'.length));
      requests.set(file, (requests.get(file) ?? 0) + 1);
      const mode = modes.get(file) ?? 'ok';
      // 'other': a different file under this name (e.g. a mirror that serves an error page with status 200).
      readFile(join(MODELS, mode === 'other' ? 'person-reidentification-retail-0287.onnx' : file)).then(
        (bytes) => {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
          if (mode === 'wrong') {
            const copy = Buffer.from(bytes);
            copy[copy.length >> 1] ^= 0xff;
            res.end(copy);
          } else if (mode === 'cut' || (mode === 'cut-once' && !served.has(file))) {
            served.add(file);
            res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
          } else if (mode === 'stall') {
            res.write(bytes.subarray(0, bytes.length >> 1));
          } else {
            res.end(bytes);
          }
        },
        () => {
          res.writeHead(404).end();
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}/mirror`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(home, { recursive: true, force: true });
  });

  let n = 0;
  /** A fresh, empty user cache (XDG_CACHE_HOME) pointing at the local mirror. */
  async function freshEnv(mirror = base): Promise<{ env: NodeJS.ProcessEnv; cache: string }> {
    const xdg = join(home, `xdg-${++n}`);
    await mkdir(xdg);
    return { env: { XDG_CACHE_HOME: xdg, PEOPLE_PATHING_MODELS_URL: mirror }, cache: join(xdg, 'people-pathing', 'models') };
  }

  it('agrees with the shared model files on every size and sha256 it lists for them', async () => {
    for (const name of [...LOCAL_DEFAULT_MODELS, 'light_person_detector_192x192', 'nanodet_m_320', 'person-reidentification-retail-0287']) {
      const m = catalogueModel(name);
      const bytes = await readFile(join(MODELS, m.file));
      expect({ name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ name, bytes: m.bytes, sha256: m.sha256 });
    }
  });

  it('fetches a model on first use into the user cache, says so on the log, and reuses it without another request', async () => {
    const { env, cache } = await freshEnv();
    const lines: string[] = [];
    const path = await obtainModel(REID.name, { env, log: (l) => lines.push(l) });
    expect(path).toBe(join(cache, REID.file));
    expect(await sha256(path)).toBe(REID.sha256);
    expect(lines.join('\n')).toMatch(/fetching person-reidentification-retail-0288\.onnx \(0\.8 MB\) from 127\.0\.0\.1/);
    const before = requests.get(REID.file);
    expect(await obtainModel(REID.name, { env, log: (l) => lines.push(l) })).toBe(path);
    expect(requests.get(REID.file)).toBe(before);
    expect(await readdir(cache)).toEqual([REID.file]);
  });

  it('refuses bytes whose sha256 differs and leaves nothing in the cache; a damaged cached copy is fetched again', async () => {
    const { env, cache } = await freshEnv();
    modes.set(FACES.file, 'wrong');
    const err = await obtainModel(FACES.name, { env, log: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect((err as Error).message).toMatch(/sha256 [0-9a-f]{64} is not the catalogue's/);
    expect((err as Error).message).toContain(HINT);
    expect((err as Error).message).not.toContain('\n');
    expect(await readdir(cache)).toEqual([]);

    modes.set(FACES.file, 'other');
    await expect(obtainModel(FACES.name, { env, log: () => undefined })).rejects.toThrow(/offers 2454677 bytes, not the catalogue's 229738/);
    expect(await readdir(cache)).toEqual([]);

    modes.set(FACES.file, 'ok');
    const damaged = Buffer.from(await readFile(join(MODELS, FACES.file)));
    damaged[10] ^= 1;
    await writeFile(join(cache, FACES.file), damaged);
    const before = requests.get(FACES.file) ?? 0;
    const path = await obtainModel(FACES.name, { env, log: () => undefined });
    expect(requests.get(FACES.file)).toBe(before + 1);
    expect(await sha256(path)).toBe(FACES.sha256);
  });

  it('retries a download cut half-way cleanly, and refuses one that is always cut, leaving no partial file', async () => {
    const { env, cache } = await freshEnv();
    modes.set(REID.file, 'cut-once');
    served.delete(REID.file);
    const before = requests.get(REID.file) ?? 0;
    const lines: string[] = [];
    expect(await sha256(await obtainModel(REID.name, { env, log: (l) => lines.push(l) }))).toBe(REID.sha256);
    expect(requests.get(REID.file)).toBe(before + 2);
    expect(lines.some((l) => l.startsWith('models: retrying'))).toBe(true);
    expect(await readdir(cache)).toEqual([REID.file]);

    const other = await freshEnv();
    modes.set(REID.file, 'cut');
    await expect(obtainModel(REID.name, { env: other.env, log: () => undefined })).rejects.toThrow(/terminated|bytes/);
    expect(await readdir(other.cache)).toEqual([]);
    modes.set(REID.file, 'ok');
  });

  it('gives up on a server that stops sending, after the read timeout', async () => {
    const dir = join(home, 'stall');
    modes.set(FACES.file, 'stall');
    const started = Date.now();
    await expect(fetchModel(FACES, dir, { from: base, readTimeoutMs: 300 })).rejects.toThrow(/no data for 0\.3 s/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
    modes.set(FACES.file, 'ok');
  });

  it('gives up on a server that accepts the connection but never answers, after the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((socket) => sockets.push(socket.on('error', () => undefined)));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const dir = join(home, 'silent');
    try {
      const from = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      await expect(fetchModel(FACES, dir, { from, connectTimeoutMs: 300 })).rejects.toThrow(/no answer within 0\.3 s/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('models fetch --from DIR fills a folder from a local mirror folder, checked by the same checksums; list shows it', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t), env: {} };
    const dir = join(home, 'from-dir');
    expect(await runModels(['fetch', '--from', MODELS, '--dir', dir], io)).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(LOCAL_DEFAULT_MODELS.map((m) => catalogueModel(m).file).sort());
    out.length = 0;
    expect(await runModels(['list', '--dir', dir], io)).toBe(0);
    const listing = out.join('');
    expect(listing).toMatch(/\* yolox_nano_416x416\s+detector\s+3\.7 MB\s+Apache-2\.0\s+cached\s+person detector, the CPU default/);
    expect(listing).toMatch(/face_detection_yunet_2026may\s+faces\s+0\.2 MB\s+MIT\s+cached/);
    expect(listing).toMatch(/yolox_s\s+detector\s+35\.9 MB\s+Apache-2\.0\s+not cached/);

    // A mirror folder holding a damaged file: refused, nothing written, exit 1.
    const bad = join(home, 'bad-mirror');
    await mkdir(bad);
    const damaged = Buffer.from(await readFile(join(MODELS, REID.file)));
    damaged[99] ^= 1;
    await writeFile(join(bad, REID.file), damaged);
    const target = join(home, 'from-bad');
    out.length = 0;
    expect(await runModels(['fetch', REID.name, '--from', bad, '--dir', target], io)).toBe(1);
    expect(out.join('')).toMatch(/sha256 .* is not the catalogue's/);
    expect(await readdir(target)).toEqual([]);
    expect(await runModels(['fetch', 'no-such-model', '--dir', target], io)).toBe(2);
  });

  it('models fetch --from URL uses a mirror base', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, env: {} };
    const dir = join(home, 'from-url');
    expect(await runModels(['fetch', FACES.name, '--from', base, '--dir', dir], io)).toBe(0);
    expect(await sha256(join(dir, FACES.file))).toBe(FACES.sha256);
  });

  it('models fetch goes through the proxy HTTPS_PROXY names (CONNECT), and straight to a host NO_PROXY names', async () => {
    // An HTTPS mirror under a name only the proxy can resolve, with a certificate the child process is told to trust.
    const tls = join(home, 'tls');
    await mkdir(tls, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=models.mirror.test',
      '-addext', 'subjectAltName=DNS:models.mirror.test,IP:127.0.0.1', '-keyout', join(tls, 'key.pem'), '-out', join(tls, 'cert.pem')], { stdio: 'ignore' });
    const httpsMirror = createHttpsServer({ key: await readFile(join(tls, 'key.pem')), cert: await readFile(join(tls, 'cert.pem')) }, (req, res) => {
      readFile(join(MODELS, decodeURIComponent((req.url ?? '/').slice('/mirror/'.length)))).then(
        (bytes) => res.writeHead(200, { 'Content-Length': bytes.length }).end(bytes),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => httpsMirror.listen(0, '127.0.0.1', r));
    const mirrorPort = (httpsMirror.address() as { port: number }).port;
    // The proxy: CONNECT host:port is tunnelled to the mirror whatever the host (it stands in for the proxy's DNS).
    const tunnels: string[] = [];
    const proxy = createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: { url?: string }, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const upstream = connect(mirrorPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
        const e: NodeJS.ProcessEnv = { ...bareEnv(home, ''), NODE_EXTRA_CA_CERTS: join(tls, 'cert.pem'), ...extra };
        for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) if (!(k in extra)) delete e[k];
        return e;
      };
      const viaProxy = join(home, 'via-proxy');
      const fetched = await runCli(['models', 'fetch', FACES.name, '--from', `https://models.mirror.test:${mirrorPort}/mirror`, '--dir', viaProxy], env({ HTTPS_PROXY: proxyUrl }));
      expect(fetched.code).toBe(0);
      expect(await sha256(join(viaProxy, FACES.file))).toBe(FACES.sha256);
      expect(tunnels).toEqual([`models.mirror.test:${mirrorPort}`]);
      // The lower-case spelling too (curl's and most tools' convention).
      const lower = await runCli(['models', 'fetch', FACES.name, '--from', `https://models.mirror.test:${mirrorPort}/mirror`, '--dir', join(home, 'via-proxy-lower')], env({ https_proxy: proxyUrl }));
      expect(lower.code).toBe(0);
      expect(tunnels).toHaveLength(2);
      // NO_PROXY: the mirror on 127.0.0.1 is reached directly; the proxy sees nothing more.
      const direct = await runCli(['models', 'fetch', FACES.name, '--from', `https://127.0.0.1:${mirrorPort}/mirror`, '--dir', join(home, 'direct')], env({ HTTPS_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }));
      expect(direct.code).toBe(0);
      expect(tunnels).toHaveLength(2);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      httpsMirror.closeAllConnections();
      await new Promise((r) => httpsMirror.close(r));
    }
  }, 120_000);

  it('says in one line how to fetch from a folder when the mirror cannot be reached', async () => {
    const { env, cache } = await freshEnv(`http://127.0.0.1:${await closedPort()}`);
    const err = (await obtainModel(REID.name, { env, log: () => undefined }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).toContain(HINT);
    expect(err.message).not.toContain('\n');
    expect(await readdir(cache)).toEqual([]);
  });

  it('serve with an empty cache and an unreachable mirror exits 1 at once with the fetch line, before listening', async () => {
    const h = join(home, 'serve-offline');
    await mkdir(h);
    const r = await runCli(['serve', '--port', '0', '--data-dir', join(h, 'data')], bareEnv(h, `http://127.0.0.1:${await closedPort()}`), /endpoint on/);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/endpoint on/);
    const hintLines = r.stderr.split('\n').filter((l) => l.includes(HINT));
    expect(hintLines).toHaveLength(1);
    expect(hintLines[0]).toMatch(/^people-pathing serve: the model yolox_nano_416x416\.onnx is not in the model cache/);
    expect(r.ms).toBeLessThan(45_000);
  }, 60_000);

  it('track with an empty cache and an unreachable mirror exits 1 with the fetch line', async () => {
    const h = join(home, 'track-offline');
    await mkdir(h);
    const video = join(h, 'v.mp4');
    await copyFile(join(MODELS, FACES.file), video); // never read: the models are resolved first
    const r = await runCli(['track', video, '--quiet'], bareEnv(h, `http://127.0.0.1:${await closedPort()}`));
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.includes(HINT))).toHaveLength(1);
  }, 60_000);

  it('serve with an empty cache fetches what jobs need on first start, verified, then listens', async () => {
    const h = join(home, 'serve-first-start');
    await mkdir(h);
    const r = await runCli(['serve', '--port', '0', '--data-dir', join(h, 'data')], bareEnv(h, base), /endpoint on/);
    expect(r.stdout).toMatch(/endpoint on http:\/\/127\.0\.0\.1:\d+/);
    const cache = join(h, 'cache', 'people-pathing', 'models');
    for (const name of LOCAL_DEFAULT_MODELS) {
      const m = catalogueModel(name);
      expect(await sha256(join(cache, m.file))).toBe(m.sha256);
    }
    expect(r.stderr).toMatch(/models: fetching yolox_nano_416x416\.onnx \(3\.7 MB\) from 127\.0\.0\.1/);
  }, 60_000);
});
