/**
 * What the console shows of a job's video, made server-side with the engine's own restrictions on ffmpeg inputs
 * (doc/input-safety.md: local file protocol, accepted containers only):
 *  - the video itself, or — when a browser cannot play it (AVI, MPEG-4 Part 2, Matroska, ...) — an H.264/MP4 copy
 *    that ffmpeg makes once and caches beside the job's results (<results>/<jobId>/console/video.mp4);
 *  - one frame as PNG (the background of the line and zone editor);
 *  - the paths picture of `render --paths`, cached the same way.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { ffmpegBinary, videoFileInput } from '../../../containers/tracker/src/index.js';
import { buildSamples, renderPaths } from '../../../containers/tracker/src/render/index.js';
import type { PersonDetection, VideoMetadata } from '../../../core/types.js';

/** Codecs and containers Chromium, Firefox and Safari all play; anything else gets the H.264 copy. */
export function browserPlayable(meta: VideoMetadata | undefined): boolean {
  if (!meta?.Codec || !meta.Format) return false;
  const codec = meta.Codec.toLowerCase();
  const format = meta.Format.toLowerCase();
  if (/quicktime|mp4/.test(format)) return codec === 'h264' || codec === 'av1' || codec === 'vp9';
  return false;
}

function runFfmpeg(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(ffmpegBinary(), ['-v', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
  });
}

const inFlight = new Map<string, Promise<string>>();

/** Runs `make(tmp)` once per target file; later calls reuse the file, concurrent ones wait for the same run. */
async function cached(target: string, make: (tmp: string) => Promise<void>): Promise<string> {
  if (await stat(target).then((s) => s.isFile(), () => false)) return target;
  let run = inFlight.get(target);
  if (!run) {
    run = (async () => {
      await mkdir(join(target, '..'), { recursive: true });
      const tmp = `${target}.${process.pid}.tmp${target.slice(target.lastIndexOf('.'))}`;
      try {
        await make(tmp);
        await rename(tmp, target);
        return target;
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    })().finally(() => inFlight.delete(target));
    inFlight.set(target, run);
  }
  return run;
}

/** The browser-playable H.264/MP4 copy of `source`, made once into `cacheDir`. Timestamps are kept (no offset). */
export function playableCopy(source: string, cacheDir: string): Promise<string> {
  return cached(join(cacheDir, 'video.mp4'), async (tmp) => {
    const r = await runFfmpeg([
      '-y', ...videoFileInput(source), '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
      '-fps_mode', 'passthrough', '-movflags', '+faststart', '-f', 'mp4', tmp,
    ]);
    if (r.code !== 0) throw new Error('the video could not be converted for the browser');
  });
}

/** One frame of `source` at `ms` as PNG bytes. */
export async function framePng(source: string, ms: number): Promise<Buffer> {
  const r = await runFfmpeg([
    '-ss', (Math.max(0, ms) / 1000).toFixed(3), ...videoFileInput(source), '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1',
  ]);
  if (r.code !== 0 || r.stdout.length === 0) throw new Error('no frame at that time');
  return r.stdout;
}

/** The paths picture (`render --paths`) of a finished job, made once into `cacheDir`. */
export function pathsPng(source: string, persons: PersonDetection[], cacheDir: string): Promise<string> {
  return cached(join(cacheDir, 'paths.png'), async (tmp) => {
    await renderPaths(source, buildSamples(persons), tmp);
  });
}

/** Sends a file with single-range support (what <video> needs to seek). */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, type: string, headers: Record<string, string>): Promise<void> {
  const size = (await stat(file)).size;
  const base = { 'Content-Type': type, 'Accept-Ranges': 'bytes', ...headers };
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  let start = 0;
  let end = size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { ...base, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    res.writeHead(206, { ...base, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) });
  } else {
    res.writeHead(200, { ...base, 'Content-Length': String(size) });
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
