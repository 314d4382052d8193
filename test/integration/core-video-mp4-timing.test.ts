/**
 * The planning Lambda's header reader (core/video/mp4-timing.ts) against the engine's own probe (real ffprobe): on
 * every MP4/MOV made here with real ffmpeg — moov at the end and at the start, B-frames (an edit list), frame rates
 * from 3 to 60 and NTSC's 30000/1001, an audio track first, variable frame rate — the timing and the segment plan are
 * exactly what `planFor` gives. Where the header cannot decide (AVI, text, a cut-off upload, fragmented MP4, an edit
 * list that trims), it says so, and the job runs unsplit.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { mp4RangeBytes, PROBE_BYTES, readMp4Header, readMp4Timing, reduceRational } from '../../core/video/mp4-timing.js';
import { rangeArgs } from '../../containers/tracker/src/pipeline/segments.js';
import { toVideoMetadata } from '../../containers/tracker/src/video/probe.js';
import { analysisStep, planSegments, splitPlan } from '../../core/segment-plan.js';
import { planFor } from '../../containers/tracker/src/pipeline/segment-run.js';
import { probeVideo } from '../../containers/tracker/src/video/probe.js';
import { DATA, describeWithData, ffmpegMake } from './engine-data.js';
import { fileByteRange, sparseCopy } from '../fixtures/file-byte-range.js';

const PETS = join(DATA, 'mot', 'PETS09-S2L1');
const TUD = join(DATA, 'mot', 'TUD-Campus');
const SHARED_MP4 = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');
const AVI = join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi');

async function timingOf(path: string) {
  const src = await fileByteRange(path);
  try {
    return await readMp4Timing(src);
  } finally {
    await src.close();
  }
}

describeWithData(PETS, TUD, SHARED_MP4, AVI)('MP4 header timing equals the probe, and the plan equals planFor', () => {
  let dir: string;
  const made: Record<string, string> = {};
  const seq = (d: string, fps: string) => ['-framerate', fps, '-i', join(d, 'img1', '%06d.jpg')];
  const x264 = ['-vf', 'scale=320:-2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-mp4-timing-'));
    const out = (name: string) => join(dir, name);
    made.moovAtEnd = ffmpegMake(out('pets-7fps-moov-end.mp4'), [...seq(PETS, '7'), ...x264]);
    // B-frames: the muxer writes an edit list whose media_time skips the decoder delay.
    made.faststartBframes = ffmpegMake(out('pets-25fps-faststart-bframes.mp4'), [
      ...seq(PETS, '25'), '-vf', 'scale=320:-2', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '3', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
    ]);
    made.ntscAudioFirst = ffmpegMake(out('tud-ntsc-audio-first.mov'), [
      ...seq(TUD, '30000/1001'), '-f', 'lavfi', '-i', 'sine=d=30', '-map', '1:a', '-map', '0:v', ...x264, '-c:a', 'aac', '-shortest',
    ]);
    made.fps60 = ffmpegMake(out('pets-60fps.mp4'), [...seq(PETS, '60'), ...x264]);
    made.fps24000 = ffmpegMake(out('pets-23.976fps.mp4'), [...seq(PETS, '24000/1001'), ...x264, '-movflags', '+faststart']);
    made.vfr = ffmpegMake(out('pets-vfr.mp4'), [...seq(PETS, '7'), '-vf', "scale=320:-2,setpts='if(lt(N,300),PTS,PTS*1.5)'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast']);
    // Zero padding after moov (as some uploaders leave): ffprobe reads it; so must the header reader.
    made.padded = join(dir, 'pets-padded.mp4');
    await writeFile(made.padded, Buffer.concat([await readFile(made.moovAtEnd), Buffer.alloc(4096)]));
    made.shared = join(dir, 'shared.mp4');
    await copyFile(SHARED_MP4, made.shared);
    // What the header cannot decide.
    made.fragmented = ffmpegMake(out('pets-fragmented.mp4'), [...seq(PETS, '7'), ...x264, '-movflags', 'frag_keyframe+empty_moov']);
    // A stream copy cut out of the middle: an edit list that trims the copied samples (ffmpeg shortens the stream).
    made.streamCopyCut = ffmpegMake(out('pets-cut-copy.mp4'), ['-ss', '3.3', '-i', made.faststartBframes, '-c', 'copy', '-t', '10']);
    const whole = await readFile(made.moovAtEnd);
    made.cutOff = join(dir, 'cut-off-upload.mp4');
    await writeFile(made.cutOff, whole.subarray(0, Math.floor(whole.length / 2)));
    made.text = join(dir, 'notes.mp4');
    await writeFile(made.text, 'this is a text file, not an MP4\n'.repeat(64));
    made.avi = AVI;
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const decided = ['moovAtEnd', 'faststartBframes', 'ntscAudioFirst', 'fps60', 'fps24000', 'vfr', 'shared', 'padded'];

  test.each(decided)('%s: fps, frame count and duration are the probe\'s; every plan is planFor\'s', async (name) => {
    const path = made[name];
    const result = await timingOf(path);
    if (!('timing' in result)) throw new Error(`${name}: undecided (${result.undecided})`);
    const probed = await probeVideo(path);
    expect(result.timing).toEqual({ fps: probed.fps, frameCount: probed.frameCount, durationMillis: probed.DurationMillis });
    for (const run of [{ workers: 4 }, { workers: 4, segmentSec: 5, overlapSec: 2 }, { workers: 3, segmentSec: 7, overlapSec: 2 }, { workers: 2, minSegmentSec: 5 }]) {
      const { plan } = await planFor(path, {}, run);
      expect(planSegments(result.timing, analysisStep(result.timing.fps, false), { ...run, parallelism: run.workers })).toEqual(plan);
    }
    // The AWS rule on top (threshold, parallelism): the same plan from either timing.
    const settings = { parallelism: 4, segmentSec: 5, overlapSec: 2, minSplitSec: 10 };
    const fromProbe = splitPlan({ fps: probed.fps, frameCount: probed.frameCount, durationMillis: probed.DurationMillis }, settings);
    expect(splitPlan(result.timing, settings)).toEqual(fromProbe);
    // Only the header was read: moov plus a head of at most 256 KiB and a few box headers.
    const size = (await readFile(path)).length;
    if (size > 1024 * 1024) expect(result.bytesRead).toBeLessThan(size / 4);
    expect(result.reads).toBeLessThanOrEqual(4);
  });

  test('a long video of 30000/1001 fps: the plan cuts it into the probe\'s four segments', async () => {
    // 12 minutes of 4 repeated frames: little to encode, a long sample table.
    const long = ffmpegMake(join(dir, 'long-ntsc.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=30000/1001:d=720', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '300', '-pix_fmt', 'yuv420p',
    ]);
    const result = await timingOf(long);
    if (!('timing' in result)) throw new Error(`undecided (${result.undecided})`);
    const { plan } = await planFor(long, {}, { workers: 4 });
    expect(plan.segments).toHaveLength(4);
    expect(splitPlan(result.timing, { parallelism: 4, minSplitSec: 600 })).toEqual(plan);
    expect(result.bytesRead).toBeLessThan((await readFile(long)).length / 4);
  }, 300_000);

  test.each([
    ['avi', /not an MP4\/MOV file/],
    ['text', /not an MP4\/MOV file/],
    ['cutOff', /larger than the file|no moov/],
    ['fragmented', /fragmented/],
    ['streamCopyCut', /edit list that trims/],
  ])('%s: undecided, with the reason (the job runs unsplit)', async (name, reason) => {
    const result = await timingOf(made[name]);
    expect('undecided' in result ? result.undecided : 'decided').toMatch(reason);
  });

  test('undecided costs one read for a file that is not ISO-BMFF', async () => {
    const result = await timingOf(made.text);
    expect(result.reads).toBe(1);
  });

  test('a QuickTime header with boxes mp4box cannot parse is read, and nothing is printed (box types are the file\'s text)', () => {
    // In a process of its own, as the planning Lambda runs it: what reaches stderr reaches the function's log.
    const script = `import { readMp4Header } from ${JSON.stringify(join(process.cwd(), 'core', 'video', 'mp4-timing.ts'))};
      import { fileByteRange } from ${JSON.stringify(join(process.cwd(), 'test', 'fixtures', 'file-byte-range.ts'))};
      const r = await readMp4Header(await fileByteRange(${JSON.stringify(made.ntscAudioFirst)}));
      process.stdout.write('header' in r ? 'header' : 'undecided');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, 'header', '']);
  });
});

/** The decoded frames of one range run's seek and select (pts and MD5 per frame), video only as the engine decodes. */
function rangeFrames(path: string, seek: string[], select: string | undefined, frames: number): string {
  const out = execFileSync('ffmpeg', ['-v', 'error', ...seek, '-i', path, '-map', '0:v', '-vf', `${select ?? ''}null`, '-frames:v', String(frames), '-f', 'framemd5', '-'], {
    maxBuffer: 1 << 28,
  });
  return out
    .toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .join('\n');
}

describe('a segment child\'s sparse copy (only its range\'s bytes) probes and decodes as the whole file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-mp4-sparse-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // 5 minutes, ~46 MB: an audio track first and interleaved; B-frames (an edit list) or not; moov at the end or start.
  test.each([
    ['audio first, moov at the end', ['-bf', '0'], []],
    ['B-frames, faststart', ['-bf', '2'], ['-movflags', '+faststart']],
  ])('%s: every segment of a 4-segment plan', async (_name, codec, mux) => {
    const path = ffmpegMake(join(dir, `big-${codec[1]}.mov`), [
      '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=300', '-f', 'lavfi', '-i', 'sine=d=300', '-map', '1:a', '-map', '0:v',
      '-c:v', 'libx264', '-preset', 'ultrafast', ...codec, '-qp', '12', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', ...mux,
    ]);
    const src = await fileByteRange(path);
    try {
      const result = await readMp4Header(src);
      if (!('header' in result)) throw new Error(`undecided (${result.undecided})`);
      const video = await probeVideo(path);
      const { plan } = await planFor(path, {}, { workers: 4 });
      expect(plan.segments).toHaveLength(4);
      const size = result.header.size;
      for (const seg of plan.segments) {
        const ranges = mp4RangeBytes(result.header, seg.range);
        if (!ranges) throw new Error('no ranges');
        const sparse = join(dir, `sparse-${seg.index}.mov`);
        const bytes = await sparseCopy(src, size, ranges, sparse);
        // A quarter of the file plus the overlap and margins, and ffprobe's share of the start.
        expect(bytes).toBeLessThan(size * 0.25 + PROBE_BYTES + size * 0.06);
        expect(toVideoMetadata(await probeVideo(sparse))).toEqual(toVideoMetadata(video));
        const { seek, select, frames } = rangeArgs(video, plan.step, seg.range);
        const expected = rangeFrames(path, seek, select, frames);
        expect(expected.split('\n')).toHaveLength(frames);
        expect(rangeFrames(sparse, seek, select, frames)).toBe(expected);
      }
    } finally {
      await src.close();
    }
  }, 300_000);

  test('a variable frame rate gives no ranges (the child copies the whole file)', async () => {
    const path = ffmpegMake(join(dir, 'vfr.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10:d=20', '-vf', "setpts='if(lt(N,100),PTS,PTS*1.5)'", '-fps_mode', 'vfr', '-c:v', 'libx264', '-preset', 'ultrafast',
    ]);
    const src = await fileByteRange(path);
    try {
      const result = await readMp4Header(src);
      if (!('header' in result)) throw new Error(`undecided (${result.undecided})`);
      expect(mp4RangeBytes(result.header, { startFrame: 60, endFrame: 120 })).toBeUndefined();
    } finally {
      await src.close();
    }
  });
});

describe('reduceRational (ffmpeg av_reduce)', () => {
  test('reduces exactly when the terms fit, approximates within INT_MAX otherwise', () => {
    expect(reduceRational(30000n * 795n, 795795n)).toEqual([30000n, 1001n]);
    expect(reduceRational(14336n * 795n, 2441216n)).toEqual([5565n, 1192n]);
    // 90 kHz × 648,000 frames over ~6 h of ticks: the terms exceed INT_MAX and are approximated.
    const [n, d] = reduceRational(90000n * 648001n, 1944003003n * 10n + 7n);
    expect(n <= 2147483647n && d <= 2147483647n).toBe(true);
    expect(Math.abs(Number(n) / Number(d) - (90000 * 648001) / (19440030037))).toBeLessThan(1e-12);
  });
});
