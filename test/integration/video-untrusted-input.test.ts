/**
 * Hostile and odd inputs with the real ffmpeg/ffprobe (doc/architecture/0013-untrusted-input.md): a `.mp4` that is
 * an HLS playlist pointing at local files, a PNG renamed `.mp4`, Matroska written live (no duration in its header)
 * and longer than the limit, and a job that fails half way (no open file, no partial results left behind).
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRgba, openInput } from '../../containers/tracker/src/render/input.js';
import { EngineError, FrameDecoder, probeVideo, trackToResults, type DecodedFrame } from '../../containers/tracker/src/index.js';
import { DATA, ffmpegMake, YOLOX } from './engine-data.js';

const LB = { width: 416, height: 416, placement: 'top-left' as const, padValue: 114 };
const PLAZA = join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi');
const NO_EXTRAS = { modelPath: YOLOX, appearance: false, hwaccel: 'none' as const };

let dir: string;
let playlist: string;
let segment: string;
let png: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pp-untrusted-'));
  // A real, decodable video segment outside the "bucket", and a playlist named .mp4 that points at it and at a
  // secret: without restrictions ffmpeg's HLS demuxer opens both (and the job SUCCEEDS on the segment's frames).
  segment = ffmpegMake(join(dir, 'outside.ts'), ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '2', '-c:v', 'mpeg2video', '-f', 'mpegts']);
  await writeFile(join(dir, 'secret.txt'), 'db-password=hunter2\n');
  await mkdir(join(dir, 'bucket'));
  playlist = join(dir, 'bucket', 'clip.mp4');
  await writeFile(
    playlist,
    ['#EXTM3U', '#EXT-X-TARGETDURATION:2', '#EXTINF:2,', `file:${segment}`, '#EXTINF:2,', `file:${join(dir, 'secret.txt')}`, '#EXT-X-ENDLIST', ''].join('\n'),
  );
  png = join(dir, 'bucket', 'picture.mp4');
  ffmpegMake(join(dir, 'picture.png'), ['-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1']);
  await writeFile(png, await readFile(join(dir, 'picture.png')));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const refusal = /not a readable video: its format \((hls|png)\) is not a supported video container \(MP4, MOV, Matroska \(MKV\/WebM\) or AVI\)/;

describe('an HLS playlist named .mp4', () => {
  it('is refused by the probe, before any segment is opened', async () => {
    await expect(probeVideo(playlist)).rejects.toMatchObject({ code: 'INVALID_VIDEO', message: expect.stringMatching(refusal) });
  });

  it('is refused by the decoder too (its input is restricted on its own, not only behind the probe)', async () => {
    // The probe of a real video, pointed at the playlist: what a swapped file between probe and decode would give.
    const real = await probeVideo(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'));
    const dec = new FrameDecoder({ video: { ...real, input: playlist }, letterbox: LB, step: 1, hwaccel: 'none' });
    const frames: DecodedFrame[] = [];
    await expect(
      (async () => {
        for await (const f of dec) frames.push(f);
      })(),
    ).rejects.toMatchObject({ code: 'DECODE_FAILED', message: expect.stringMatching(/its format \(hls\) is not a supported video container/) });
    expect(frames).toHaveLength(0);
  });

  it('fails the job with a clear message that names no path', async () => {
    const resultsDir = join(dir, 'results-playlist');
    const err = await trackToResults(playlist, resultsDir, NO_EXTRAS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toMatch(refusal);
    expect((err as EngineError).message).not.toContain(dir);
  });

  it('is refused by render (probe and decode)', async () => {
    await expect(openInput(playlist)).rejects.toThrow(/its format \(hls\) is not a supported video container/);
    const real = await openInput(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'));
    const swapped = { ...real, args: real.args.map((a) => (a.startsWith('file:') ? `file:${playlist}` : a)) };
    await expect(
      (async () => {
        for await (const _f of decodeRgba(swapped)) break;
      })(),
    ).rejects.toThrow(/its format \(hls\) is not a supported video container/);
  });

  it('render runs the ffmpeg and ffprobe named by PEOPLE_PATHING_FFMPEG / _FFPROBE', async () => {
    const calls = join(dir, 'calls.txt');
    const wrap = async (name: string, real: string): Promise<string> => {
      const path = join(dir, name);
      await writeFile(path, `#!/bin/sh\necho ${name} >> '${calls}'\nexec ${real} "$@"\n`);
      await chmod(path, 0o755);
      return path;
    };
    const saved = { ffmpeg: process.env.PEOPLE_PATHING_FFMPEG, ffprobe: process.env.PEOPLE_PATHING_FFPROBE };
    process.env.PEOPLE_PATHING_FFMPEG = await wrap('my-ffmpeg', 'ffmpeg');
    process.env.PEOPLE_PATHING_FFPROBE = await wrap('my-ffprobe', 'ffprobe');
    try {
      const input = await openInput(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'));
      for await (const _f of decodeRgba(input, ['-frames:v', '1'])) break;
    } finally {
      for (const [k, v] of [['PEOPLE_PATHING_FFMPEG', saved.ffmpeg], ['PEOPLE_PATHING_FFPROBE', saved.ffprobe]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect((await readFile(calls, 'utf8')).split('\n').filter(Boolean).sort()).toEqual(['my-ffmpeg', 'my-ffprobe']);
  });
});

describe('a PNG renamed .mp4', () => {
  it('fails (it is not a video), instead of SUCCEEDED with DurationMillis 0', async () => {
    await expect(probeVideo(png)).rejects.toMatchObject({ code: 'INVALID_VIDEO', message: expect.stringMatching(refusal) });
    await expect(trackToResults(png, join(dir, 'results-png'), NO_EXTRAS)).rejects.toMatchObject({ code: 'INVALID_VIDEO' });
  });
});

describe('Matroska written live (no duration in the header)', () => {
  let live20: string;
  beforeAll(() => {
    live20 = ffmpegMake(join(dir, 'live20.mkv'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=5', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'matroska', '-live', '1',
    ]);
  });

  it('gets its DurationMillis from the stream', async () => {
    const v = await probeVideo(live20);
    expect(v.DurationMillis).toBeGreaterThanOrEqual(19_800);
    expect(v.DurationMillis).toBeLessThanOrEqual(20_200);
    expect(v.frameCount).toBe(100);
  });

  it('stops decoding and fails once decoded stream time passes the limit, whatever the header says', async () => {
    // The probe as a header without a duration gave it before (DurationMillis 0), and a 10 s limit.
    const v = { ...(await probeVideo(live20)), DurationMillis: 0, frameCount: 0 };
    const dec = new FrameDecoder({ video: v, letterbox: LB, step: 1, hwaccel: 'none', maxDurationMs: 10_000 });
    let last = 0;
    await expect(
      (async () => {
        for await (const f of dec) last = f.timeSec;
      })(),
    ).rejects.toMatchObject({ code: 'TOO_LONG', message: expect.stringMatching(/runs past 10 seconds/) });
    expect(last).toBeLessThanOrEqual(10);
    expect(last).toBeGreaterThan(9);
  });

  it('a 7-hour stream is refused as too long (default 6 h limit), with no results', async () => {
    // One 16x16 frame a minute: 420 frames, 7 hours of stream time, made in well under a second.
    const long = ffmpegMake(join(dir, 'long7h.mkv'), [
      '-f', 'lavfi', '-i', 'color=c=gray:s=16x16:r=1/60', '-t', String(7 * 3600), '-c:v', 'libx264', '-f', 'matroska', '-live', '1',
    ]);
    const resultsDir = join(dir, 'results-long');
    await expect(trackToResults(long, resultsDir, NO_EXTRAS)).rejects.toMatchObject({
      code: 'TOO_LONG',
      message: 'the video is 7 hours long; videos longer than 6 hours are not supported',
    });
    await expect(stat(resultsDir)).rejects.toMatchObject({ code: 'ENOENT' });
    // And on decoded stream time with the real default limit, were the duration unknown.
    const v = { ...(await probeVideo(long, { maxDurationMs: Infinity })), DurationMillis: 0, frameCount: 0 };
    let frames = 0;
    await expect(
      (async () => {
        for await (const _f of new FrameDecoder({ video: v, letterbox: LB, step: 1, hwaccel: 'none' })) frames++;
      })(),
    ).rejects.toMatchObject({ code: 'TOO_LONG', message: expect.stringMatching(/runs past 6 hours/) });
    expect(frames).toBe(361); // 0:00 ... 6:00 inclusive
  });
});

describe('a job that fails half way', () => {
  const openUnder = (folder: string): string[] =>
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      })
      .filter((target) => target.startsWith(folder));

  it('closes its results files and removes its partial results', async () => {
    const resultsDir = join(dir, 'results-aborted');
    const controller = new AbortController();
    let written = false;
    await expect(
      trackToResults(PLAZA, resultsDir, {
        ...NO_EXTRAS,
        signal: controller.signal,
        onProgress: (p) => {
          // Stop once detections have been written (the plaza has people from its first frames).
          if (p.frames >= 40) {
            written = true;
            controller.abort();
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(written).toBe(true);
    expect(openUnder(resultsDir)).toEqual([]);
    await expect(stat(resultsDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('people-pathing track on the 12 s 720p plaza clip', () => {
  it('prints nothing on stderr with --quiet (no MaxListenersExceededWarning from the output writer)', async () => {
    const out = join(dir, 'plaza.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'track', PLAZA, '--out', out, '--quiet', '--model', YOLOX], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ JobStatus: 'SUCCEEDED' });
  });
});
