/// <reference lib="dom" />
/**
 * npm run bench:console [-- --runs 7 --seconds 8]
 *
 * The console in Debian's Chromium (headless, playwright-core), JSON on stdout:
 *  - bundle: dist/console/app.js bytes, raw and gzip (run `npm run build:console` first);
 *  - firstPaint: first-contentful-paint of /console/ served by the local server on loopback, fresh browser context per
 *    run (median and max of --runs), for the sign-in page and for the jobs page after sign-in;
 *  - axe: axe-core violations by impact on the sign-in and jobs pages;
 *  - drawing: the overlay's own drawing code (console/src/overlay.ts) with 40 people moving, over a 1080p H.264 video
 *    playing at its own speed: milliseconds per drawn frame (median, p95, max) and the video frames Chromium dropped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { startLocalServer } from '../cli/local/server.js';
import { FileKeyStore } from '../cli/local/key-file-store.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.PEOPLE_PATHING_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** tsx compiles this file with esbuild's keepNames, whose __name helper the functions sent to the page then call. */
const KEEP_NAMES_SHIM = { content: 'globalThis.__name = (f) => f;' };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function firstContentfulPaint(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolveFcp) => {
        const found = performance.getEntriesByName('first-contentful-paint')[0];
        if (found) return resolveFcp(found.startTime);
        new PerformanceObserver((list) => {
          const e = list.getEntriesByName('first-contentful-paint')[0];
          if (e) resolveFcp(e.startTime);
        }).observe({ type: 'paint', buffered: true });
      }),
  );
}

async function axeSummary(page: Page): Promise<Record<string, number>> {
  await page.evaluate(await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (d: Document) => Promise<{ violations: { impact: string }[] }> } };
    return (await w.axe.run(document)).violations.map((v) => v.impact);
  });
  const out: Record<string, number> = { minor: 0, moderate: 0, serious: 0, critical: 0 };
  for (const i of violations) out[i] = (out[i] ?? 0) + 1;
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, seconds: { type: 'string', default: '8' } } });
  const runs = Number(values.runs);
  const seconds = Number(values.seconds);
  const app = join(REPO, 'dist', 'console', 'app.js');
  const appBytes = await readFile(app).catch(() => {
    throw new Error('dist/console/app.js is missing: run `npm run build:console` first');
  });
  const work = await mkdtemp(join(tmpdir(), 'pp-bench-console-'));
  const server = await startLocalServer({
    port: 0,
    dataDir: join(work, 'data'),
    processor: { process: async () => Promise.reject(new Error('the console benchmark runs no jobs')) },
  });
  const key = await new FileKeyStore(server.dataDir).create('000000000000');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const result: Record<string, unknown> = {
    benchmark: 'console',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, chromium: browser.version(), node: process.version },
    bundle: { file: 'dist/console/app.js', bytes: appBytes.length, gzipBytes: gzipSync(appBytes).length, cssBytes: (await stat(join(REPO, 'dist/console/app.css'))).size },
  };
  try {
    // First paint, sign-in page and jobs page, each in a fresh context (no cache).
    const signIn: number[] = [];
    const jobs: number[] = [];
    let axe: Record<string, Record<string, number>> = {};
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      await context.addInitScript(KEEP_NAMES_SHIM);
      const page = await context.newPage();
      await page.goto(server.consoleUrl);
      signIn.push(await firstContentfulPaint(page));
      await page.getByLabel('Access key ID').waitFor();
      if (i === 0) axe.signIn = await axeSummary(page);
      await page.getByLabel('Access key ID').fill(key.accessKeyId);
      await page.getByLabel('Secret access key').fill(key.secretAccessKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Start a job' }).waitFor();
      // Reload with the session: the jobs page is the first thing painted.
      await page.reload();
      jobs.push(await firstContentfulPaint(page));
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      if (i === 0) axe = { ...axe, jobs: await axeSummary(page) };
      await context.close();
    }
    result.firstPaintMs = {
      signIn: { median: round(median(signIn), 1), max: round(Math.max(...signIn), 1) },
      jobs: { median: round(median(jobs), 1), max: round(Math.max(...jobs), 1) },
      runs,
      target: '< 1000',
    };
    result.axe = axe;
    result.drawing = await drawingBench(browser, work, seconds);
  } finally {
    await browser.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

/** 40 people over a playing 1080p video, drawn by the console's overlay code, timed per frame. */
async function drawingBench(browser: import('playwright-core').Browser, work: string, seconds: number): Promise<Record<string, unknown>> {
  const video = join(work, 'bench-1080p.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=25:duration=${seconds + 2}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', video]);
  const bundle = await build({
    stdin: {
      contents: "export { attachOverlay, drawPersons } from './overlay.js'; export { Tracks } from './tracks.js';",
      resolveDir: join(REPO, 'console', 'src'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'overlayBench',
    write: false,
    platform: 'browser',
  });
  const files: Record<string, [string, Buffer]> = {
    '/': ['text/html', Buffer.from('<!doctype html><html><body style="margin:0"><div style="position:relative;width:1280px"><video id="v" muted playsinline src="/v.mp4" style="width:100%;display:block"></video><canvas id="c" width="1920" height="1080" style="position:absolute;inset:0;width:100%;height:100%"></canvas></div><script src="/o.js"></script></body></html>')],
    '/o.js': ['text/javascript', Buffer.from(bundle.outputFiles[0].text)],
    '/v.mp4': ['video/mp4', await readFile(video)],
  };
  const http = createServer((req, res) => {
    const f = files[req.url ?? '/'];
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': f[0], 'Content-Length': f[1].length });
    res.end(f[1]);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(KEEP_NAMES_SHIM);
  const page = await context.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    return await page.evaluate(async (secs) => {
      type Bench = {
        Tracks: new (p: unknown[]) => unknown;
        drawPersons: (ctx: CanvasRenderingContext2D, t: unknown, ms: number, sel: number | undefined) => number;
      };
      const { Tracks, drawPersons } = (window as unknown as { overlayBench: Bench }).overlayBench;
      // 40 people walking across the frame, a sample every 40 ms (25 fps), over the whole clip.
      const persons: unknown[] = [];
      for (let i = 0; i < 40; i++) {
        for (let t = 0; t <= (secs + 2) * 1000; t += 40) {
          const phase = (t / 1000) * 0.05 + i / 40;
          persons.push({ Timestamp: t, Person: { Index: i, BoundingBox: { Left: (phase % 1) * 0.93, Top: 0.1 + (i % 8) * 0.1, Width: 0.05, Height: 0.12 } } });
        }
      }
      const tracks = new Tracks(persons);
      const v = document.getElementById('v') as HTMLVideoElement;
      const c = document.getElementById('c') as HTMLCanvasElement;
      const ctx = c.getContext('2d')!;
      await new Promise((r) => (v.readyState >= 2 ? r(undefined) : v.addEventListener('loadeddata', r, { once: true })));
      // Baseline: the same video playing with nothing drawn, so dropped frames can be told apart from the drawing.
      const played = async () => {
        await new Promise<void>((done) => {
          const tick = () => (v.currentTime >= secs ? done() : v.requestVideoFrameCallback(tick));
          v.requestVideoFrameCallback(tick);
          void v.play();
        });
        v.pause();
      };
      const q0 = v.getVideoPlaybackQuality();
      await played();
      const q1 = v.getVideoPlaybackQuality();
      await new Promise((r) => {
        v.addEventListener('seeked', r, { once: true });
        v.currentTime = 0;
      });
      const times: number[] = [];
      let drawn = 0;
      await new Promise<void>((done) => {
        const onFrame = (_now: number, meta: { mediaTime: number }) => {
          const t0 = performance.now();
          drawn = drawPersons(ctx, tracks, meta.mediaTime * 1000, undefined);
          ctx.getImageData(0, 0, 1, 1); // wait for the canvas work to be done, not only queued
          times.push(performance.now() - t0);
          if (v.currentTime >= secs) done();
          else v.requestVideoFrameCallback(onFrame);
        };
        v.requestVideoFrameCallback(onFrame);
        void v.play();
      });
      v.pause();
      const q = v.getVideoPlaybackQuality();
      times.sort((a, b) => a - b);
      return {
        people: drawn,
        canvas: `${c.width}x${c.height}`,
        video: '1920x1080 H.264 25 fps',
        framesDrawn: times.length,
        msPerFrame: { median: Math.round(times[Math.floor(times.length / 2)] * 100) / 100, p95: Math.round(times[Math.floor(times.length * 0.95)] * 100) / 100, max: Math.round(times[times.length - 1] * 100) / 100 },
        budgetMs: 40,
        videoFramesWithDrawing: { total: q.totalVideoFrames - q1.totalVideoFrames, dropped: q.droppedVideoFrames - q1.droppedVideoFrames },
        videoFramesAlone: { total: q1.totalVideoFrames - q0.totalVideoFrames, dropped: q1.droppedVideoFrames - q0.droppedVideoFrames },
      };
    }, seconds);
  } finally {
    await context.close();
    http.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:console: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
