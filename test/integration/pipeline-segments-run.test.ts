/**
 * Segmented tracking with the real ffmpeg: a range run (fast seek with -ss before -i) analyses exactly the frames an
 * unsplit run analyses there — same source frames, same pts-based times, same pixels — on a file with sparse
 * keyframes, on a file whose cadence skips frames, and on an image sequence.
 */
import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisStep, FrameDecoder, probeVideo } from '../../containers/tracker/src/index.js';
import type { SourceRange } from '../../containers/tracker/src/pipeline/segments.js';
import { run } from '../../cli/track.js';
import type { GetPersonTrackingResponse, PersonDetection } from '../../core/types.js';
import { DATA, ffmpegMake } from './engine-data.js';

const LB = { width: 416, height: 416, placement: 'top-left' as const, padValue: 114 };

async function decoded(input: string, range?: SourceRange): Promise<string[]> {
  const video = await probeVideo(input);
  const step = analysisStep(video.fps, false);
  const dec = new FrameDecoder({ video, letterbox: LB, step, hwaccel: 'none', ...(range ? { range } : {}) });
  const out: string[] = [];
  for await (const f of dec) {
    out.push(`${f.sourceIndex} ${f.timeSec.toFixed(6)} ${createHash('sha1').update(f.input).digest('hex')}`);
  }
  return out;
}

function within(lines: string[], range: SourceRange): string[] {
  return lines.filter((l) => {
    const k = Number(l.split(' ')[0]);
    return k >= range.startFrame && (range.endFrame === undefined || k < range.endFrame);
  });
}

describe('FrameDecoder range', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-seg-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the unsplit run’s frames, times and pixels after a seek between keyframes (30 fps, step 2)', async () => {
    // Keyframes every 4 s: each range start lies mid-GOP, so the seek must decode from a keyframe and drop.
    const mp4 = ffmpegMake(join(dir, 'gop.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=12', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '120', '-pix_fmt', 'yuv420p',
    ]);
    const all = await decoded(mp4);
    expect(all).toHaveLength(180);
    for (const range of [{ startFrame: 0, endFrame: 100 }, { startFrame: 94, endFrame: 250 }, { startFrame: 250 }]) {
      const part = await decoded(mp4, range);
      expect(part.length).toBeGreaterThan(0);
      expect(part).toEqual(within(all, range));
    }
  }, 60_000);

  it('agrees between neighbouring ranges on a file with timestamp gaps, and matches the unsplit run on an image sequence', async () => {
    // This AVI has gaps in its timestamps (frame n is not at n/25 s): a range selects by time, so two neighbours
    // see the same frames, times and pixels in their overlap (what the stitcher needs); doc/segments.md says how
    // this differs from the unsplit run's count-based cadence on such files.
    const avi = join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi');
    const a = await decoded(avi, { startFrame: 0, endFrame: 200 });
    const b = await decoded(avi, { startFrame: 120, endFrame: 300 });
    const shared = { startFrame: 120, endFrame: 200 };
    expect(within(b, shared).length).toBeGreaterThan(30);
    expect(within(a, shared)).toEqual(within(b, shared));
    for (const line of a) {
      const [k, t] = line.split(' ').map(Number);
      expect(Math.round(t * 25)).toBe(k);
      expect(k % 2).toBe(0);
    }
    const seq = join(DATA, 'mot', 'TUD-Campus');
    const seqRange = { startFrame: 30, endFrame: 60 };
    const part = await decoded(seq, seqRange);
    expect(part).toHaveLength(15); // 25 fps: every 2nd image
    expect(part).toEqual(within(await decoded(seq), seqRange));
  }, 120_000);

  it('refuses a range that does not start on the cadence', async () => {
    const video = await probeVideo(join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'));
    const dec = new FrameDecoder({ video, letterbox: LB, step: 2, hwaccel: 'none', range: { startFrame: 121 } });
    expect(() => dec.args()).toThrow(/multiple of the step 2/);
  });
});

describe('track --segment-seconds', () => {
  let dir: string;
  let clip: string;
  const quiet = ['--quiet', '--no-faces'];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-segtrack-'));
    // 24 s of the PETS09 walk as H.264 with a keyframe every 5 s: 3 segments of 8 s with 2 s overlaps.
    clip = ffmpegMake(join(dir, 'pets24.mp4'), [
      '-i', join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'), '-t', '24', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-an',
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function track(args: string[]): Promise<GetPersonTrackingResponse> {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}.json`);
    expect(await run([clip, ...quiet, '--out', out, ...args])).toBe(0);
    return JSON.parse(await readFile(out, 'utf8')) as GetPersonTrackingResponse;
  }

  it('writes the same format as the unsplit run, with its Timestamps and one Index per person', async () => {
    const whole = await track([]);
    const split = await track(['--segment-seconds', '8', '--overlap-seconds', '2', '--workers', '2']);
    expect(split.VideoMetadata).toEqual(whole.VideoMetadata);
    const persons = (r: GetPersonTrackingResponse): PersonDetection[] => r.Persons ?? [];
    const stamps = (r: GetPersonTrackingResponse): number[] => [...new Set(persons(r).map((p) => p.Timestamp as number))];
    // Every sample the unsplit run has people in, the split run has too (and no other).
    expect(stamps(split)).toEqual(stamps(whole));
    const seen: number[] = [];
    const perSample = new Map<number, number[]>();
    for (const p of persons(split)) {
      const i = p.Person?.Index as number;
      if (!seen.includes(i)) seen.push(i);
      perSample.set(p.Timestamp as number, [...(perSample.get(p.Timestamp as number) ?? []), i]);
    }
    expect(seen).toEqual(seen.map((_, k) => k)); // contiguous, in order of first appearance
    for (const ids of perSample.values()) expect(new Set(ids).size).toBe(ids.length);
    const count = (r: GetPersonTrackingResponse): number => new Set(persons(r).map((p) => p.Person?.Index)).size;
    expect(Math.abs(count(split) - count(whole))).toBeLessThanOrEqual(Math.ceil(0.1 * count(whole)));
  }, 240_000);

  it('writes MOT rows too, and runs a video of one segment unsplit', async () => {
    const out = join(dir, 'split.txt');
    expect(await run([clip, ...quiet, '--format', 'mot', '--segment-seconds', '10', '--overlap-seconds', '2', '--out', out])).toBe(0);
    const frames = new Set((await readFile(out, 'utf8')).trim().split('\n').map((l) => Number(l.split(',')[0])));
    expect(Math.min(...frames)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...frames)).toBeLessThanOrEqual(240);
    expect(frames.size).toBeGreaterThan(200);
    const one = await track(['--segment-seconds', '60']);
    expect(one.Persons?.length).toBeGreaterThan(0);
  }, 240_000);

  it('fails a truncated video with the unsplit run’s message (how far into the whole video it got)', async () => {
    // moov first, then only 60 % of the data: the probe is fine, one segment runs off the end of the file.
    const fast = ffmpegMake(join(dir, 'fast.mp4'), ['-i', clip, '-c', 'copy', '-movflags', '+faststart']);
    const bytes = await readFile(fast);
    const truncated = join(dir, 'truncated.mp4');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    try {
      expect(await run([truncated, ...quiet, '--out', join(dir, 'unsplit.json')])).toBe(1);
      expect(await run([truncated, ...quiet, '--out', join(dir, 'split.json'), '--segment-seconds', '8', '--overlap-seconds', '2', '--workers', '2'])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const [whole, split] = errors.filter((e) => e.startsWith('people-pathing track:'));
    expect(whole).toMatch(/truncated/);
    expect(split).toBe(whole);
  }, 240_000);

  it('carries Person.Face through the segments like the unsplit run', async () => {
    // 2 s of the shared photo of a footballer facing the camera, 10 fps: two 1 s segments with a 0.5 s overlap.
    const player = ffmpegMake(join(dir, 'player.mp4'), [
      '-loop', '1', '-i', join(DATA, 'images', 'messi5.jpg'), '-t', '2', '-r', '10', '-vf', 'scale=548:342,format=yuv420p', '-c:v', 'libx264',
    ]);
    const faces = async (args: string[]): Promise<number[]> => {
      const out = join(dir, `faces-${args.length}.json`);
      expect(await run([player, '--quiet', '--out', out, ...args])).toBe(0);
      const r = JSON.parse(await readFile(out, 'utf8')) as GetPersonTrackingResponse;
      return (r.Persons ?? []).filter((p) => p.Person?.Face).map((p) => p.Timestamp as number);
    };
    const whole = await faces([]);
    expect(whole.length).toBeGreaterThanOrEqual(15);
    expect(await faces(['--segment-seconds', '1', '--overlap-seconds', '0.5', '--workers', '2'])).toEqual(whole);
  }, 240_000);

  it('refuses options it cannot use', async () => {
    expect(await run([clip, '--quiet', '--segment-seconds', '0'])).toBe(2);
    expect(await run([clip, '--quiet', '--workers', '2'])).toBe(2);
    expect(await run([clip, '--quiet', '--segment-seconds', '8', '--overlap-seconds=-1'])).toBe(2);
  });
});
