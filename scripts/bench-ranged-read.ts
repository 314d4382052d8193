/**
 * npm run bench:ranged-read — what a segment child reads: (a) the whole-file copy (downloadVideo); (b) ffmpeg reading
 * only its time range over HTTP (as it would over a presigned S3 URL: ranged GETs); (c) what the child does now, the
 * sparse copy (core/video/mp4-timing.ts readMp4Header + mp4RangeBytes: the header, ffprobe's first 6 MiB and its
 * range's byte span). One JSON object on stdout.
 *
 * The video: PETS09-S2L1's AVI looped 8× (636 s) re-encoded to H.264 (keyframe every 5 s), once with the moov at the
 * end and once faststart, in a temporary folder; or --video FILE. The plan is the AWS one for 4 segments
 * (core/segment-plan.ts). A local HTTP server serves the file with Range support and counts the bytes it sends and
 * the requests; each child's range is decoded by ffmpeg exactly as a range run seeks (rangeArgs: -ss before -i,
 * select, -frames:v), over http://127.0.0.1, from the sparse copy and from the local copy, and the decoded frames'
 * MD5s are compared.
 * Wall times are loopback times (no S3 latency): the bytes are the figure that carries over.
 *
 * Options: --video FILE (instead of the generated ones)  --workers N (segments; default 4)
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { planFor } from '../containers/tracker/src/pipeline/segment-run.js';
import { rangeArgs } from '../containers/tracker/src/pipeline/segments.js';
import { probeVideo, toVideoMetadata } from '../containers/tracker/src/video/probe.js';
import { mp4RangeBytes, readMp4Header } from '../core/video/mp4-timing.js';
import { fileByteRange, sparseCopy } from '../test/fixtures/file-byte-range.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));

function machine(): Record<string, unknown> {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
}

/** Serves one file with single-range support; counts bytes sent and requests. */
async function serve(path: string): Promise<{ server: Server; url: string; counter: { bytes: number; requests: number; ranges: string[] } }> {
  const size = statSync(path).size;
  const counter = { bytes: 0, requests: 0, ranges: [] as string[] };
  const server = createServer((req, res) => {
    counter.requests++;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    counter.ranges.push(req.headers.range ?? 'whole');
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(m ? 206 : 200, {
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'video/mp4',
      ...(m ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    const stream = createReadStream(path, { start, end });
    stream.on('data', (chunk) => (counter.bytes += chunk.length));
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/video.mp4`, counter };
}

/** ffmpeg decoding one range as a range run does; the decoded frames' MD5s (framemd5) and the wall time. */
async function decodeRange(input: string[], seek: string[], select: string | undefined, frames: number): Promise<{ md5: string; wallSec: number }> {
  const args = ['-v', 'error', ...seek, ...input, '-vf', `${select ?? ''}null`, '-frames:v', String(frames), '-f', 'framemd5', '-'];
  const t0 = performance.now();
  const out = await new Promise<string>((res, rej) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? res(text) : rej(new Error(`ffmpeg ${code}: ${err.slice(-300)}`))));
  });
  // framemd5 lines after the header: stream, dts, pts, duration, size, hash — keep pts and hash.
  const lines = out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').map((x) => x.trim()));
  return { md5: lines.map((f) => `${f[2]}:${f[5]}`).join('\n'), wallSec: (performance.now() - t0) / 1000 };
}

async function measure(path: string, workers: number): Promise<Record<string, unknown>> {
  const size = statSync(path).size;
  const video = await probeVideo(path);
  const { plan } = await planFor(path, {}, { workers });
  const { server, url, counter } = await serve(path);
  const dir = await mkdtemp(join(tmpdir(), 'pp-ranged-'));
  try {
    // Today's child: the whole file copied, then its range decoded from local disk.
    const t0 = performance.now();
    await new Promise<void>((res, rej) =>
      get(url, (answer) => pipeline(answer, createWriteStream(join(dir, 'copy.mp4'))).then(res, rej)).on('error', rej),
    );
    const downloadSec = (performance.now() - t0) / 1000;
    const children = [];
    for (const seg of plan.segments) {
      const { seek, select, frames } = rangeArgs(video, plan.step, seg.range);
      const before = { bytes: counter.bytes, requests: counter.requests };
      const ranged = await decodeRange(['-protocol_whitelist', 'http,tcp', '-format_whitelist', 'mov', '-i', url], seek, select, frames);
      const bytes = counter.bytes - before.bytes;
      const local = await decodeRange(['-protocol_whitelist', 'file', '-format_whitelist', 'mov', '-i', `file:${join(dir, 'copy.mp4')}`], seek, select, frames);
      // The sparse copy, as the child makes it (here from the local file; the child's reads are S3 ranged GetObjects).
      const src = await fileByteRange(path);
      const header = await readMp4Header(src);
      const ranges = 'header' in header ? mp4RangeBytes(header.header, seg.range) : undefined;
      let sparse: Record<string, unknown> = { sparse: 'undecided: whole copy' };
      if ('header' in header && ranges) {
        const sparsePath = join(dir, `sparse-${seg.index}.mp4`);
        const sparseBytes = header.bytesRead + (await sparseCopy(src, size, ranges, sparsePath));
        const fromSparse = await decodeRange(['-protocol_whitelist', 'file', '-format_whitelist', 'mov', '-i', `file:${sparsePath}`], seek, select, frames);
        const probeSame = JSON.stringify(toVideoMetadata(await probeVideo(sparsePath))) === JSON.stringify(toVideoMetadata(video));
        sparse = {
          sparseBytes,
          sparseRequests: header.reads + ranges.length,
          sparseFractionOfFile: Number((sparseBytes / size).toFixed(3)),
          sparseSameFrames: fromSparse.md5 === local.md5 && local.md5.length > 0,
          sparseSameProbe: probeSame,
        };
        await rm(sparsePath, { force: true });
      }
      await src.close();
      children.push({
        index: seg.index,
        frames,
        rangedBytes: bytes,
        rangedRequests: counter.requests - before.requests,
        fractionOfFile: Number((bytes / size).toFixed(3)),
        rangedWallSec: Number(ranged.wallSec.toFixed(2)),
        localDecodeWallSec: Number(local.wallSec.toFixed(2)),
        sameFrames: ranged.md5 === local.md5 && ranged.md5.length > 0,
        ranges: counter.ranges.slice(before.requests),
        ...sparse,
      });
    }
    const rangedTotal = children.reduce((n, c) => n + c.rangedBytes, 0);
    const sparseTotal = children.reduce((n, c) => n + Number((c as { sparseBytes?: number }).sparseBytes ?? size), 0);
    return {
      video: { bytes: size, durationSec: video.DurationMillis / 1000, fps: video.fps, moovAtStart: await moovFirst(path) },
      segments: plan.segments.length,
      download: { bytesPerChild: size, wallSec: Number(downloadSec.toFixed(2)), bytesAllChildren: size * plan.segments.length },
      ranged: { bytesAllChildren: rangedTotal, fractionOfDownloads: Number((rangedTotal / (size * plan.segments.length)).toFixed(3)) },
      sparse: { bytesAllChildren: sparseTotal, fractionOfDownloads: Number((sparseTotal / (size * plan.segments.length)).toFixed(3)) },
      children,
    };
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** True when moov comes before mdat (faststart). */
async function moovFirst(path: string): Promise<boolean> {
  const head = (await readFile(path)).subarray(0, 1 << 20);
  const moov = head.indexOf('moov', 0, 'latin1');
  const mdat = head.indexOf('mdat', 0, 'latin1');
  return moov >= 0 && (mdat < 0 || moov < mdat);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { video: { type: 'string' }, workers: { type: 'string' } } });
  const workers = Number(values.workers ?? 4);
  const dir = await mkdtemp(join(tmpdir(), 'pp-ranged-video-'));
  try {
    let videos: string[];
    if (values.video) videos = [resolve(values.video)];
    else {
      const end = join(dir, 'long-moov-end.mp4');
      const fast = join(dir, 'long-faststart.mp4');
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '7', '-i', join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'), '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-an', end]);
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', end, '-c', 'copy', '-movflags', '+faststart', fast]);
      videos = [end, fast];
    }
    const results = [];
    for (const v of videos) results.push(await measure(v, workers));
    process.stdout.write(JSON.stringify({ bench: 'ranged-read', machine: machine(), results }, null, 2) + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
