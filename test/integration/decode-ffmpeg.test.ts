/**
 * Probe and decode with the real ffmpeg/ffprobe: VideoMetadata as Rekognition reports it, Rekognition's cadence
 * with real presentation times, full frames from the same decode, and clear, quick failures for bad inputs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, FrameDecoder, probeVideo, type DecodedFrame } from '../../containers/tracker/src/index.js';
import { DATA, describeWithData, ffmpegMake } from './engine-data.js';

const LB = { width: 416, height: 416, placement: 'top-left' as const, padValue: 114 };

async function decodeAll(input: string, step: number, fullFrameMaxWidth?: number): Promise<DecodedFrame[]> {
  const video = await probeVideo(input);
  const frames: DecodedFrame[] = [];
  const dec = new FrameDecoder({ video, letterbox: LB, step, hwaccel: 'none', ...(fullFrameMaxWidth ? { fullFrameMaxWidth } : {}) });
  for await (const f of dec) frames.push(f);
  return frames;
}

const describeData = describeWithData(
  ...['mmtracking_demo_8frames_1080p.mp4', 'pedestrians_topdown_720p_vtest.avi', 'pets09_s2l1_opencv_vtest.avi'].map((v) => join(DATA, 'videos', v)),
  join(DATA, 'mot', 'PETS09-S2L1'),
  join(DATA, 'mot', 'TUD-Campus', 'img1'),
);

describeData('probeVideo', () => {
  it('reports VideoMetadata like Rekognition (ffprobe names, float32 frame rate)', async () => {
    const mp4 = await probeVideo(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'));
    expect({ ...mp4 }).toMatchObject({
      Codec: 'mpeg4',
      Format: 'QuickTime / MOV',
      FrameRate: 3,
      FrameWidth: 1920,
      FrameHeight: 1080,
      DurationMillis: 2667,
      ColorRange: 'LIMITED',
      isSequence: false,
      frameCount: 8,
    });
    const avi = await probeVideo(join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'));
    // The AVI claims avg 50 fps (it counts empty packets); the real rate is 25 (341 frames in 13.64 s).
    expect(avi).toMatchObject({ Codec: 'h264', Format: 'AVI (Audio Video Interleaved)', FrameRate: 25, FrameWidth: 1280, FrameHeight: 720 });
    expect(avi.frameCount).toBe(341);
  });

  it('reads a MOTChallenge sequence from seqinfo.ini', async () => {
    const seq = await probeVideo(join(DATA, 'mot', 'PETS09-S2L1'));
    expect(seq).toMatchObject({ isSequence: true, Codec: 'mjpeg', FrameRate: 7, frameCount: 795, FrameWidth: 768, FrameHeight: 576, ColorRange: 'FULL' });
    expect(seq.DurationMillis).toBe(Math.round((795 / 7) * 1000));
    expect(seq.Format).toMatch(/image2/);
  });
});

describeData('decoding', () => {
  let dir: string;
  let ntsc: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-decode-'));
    // 2 s of 29.97 fps H.264, the rate of Rekognition's captured sample (spec §7).
    ntsc = ffmpegMake(join(dir, 'ntsc.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30000/1001', '-t', '2',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('samples a 29.97 fps video every 2nd frame at its presentation times (66–67 ms steps, like Rekognition)', async () => {
    const frames = await decodeAll(ntsc, 2);
    expect(frames).toHaveLength(30);
    const ms = frames.map((f) => Math.floor(f.timeSec * 1000 + 1e-6));
    expect(ms[0]).toBe(0);
    for (let i = 1; i < ms.length; i++) expect([66, 67]).toContain(ms[i] - ms[i - 1]);
    expect(frames.map((f) => f.sourceIndex)).toEqual(Array.from({ length: 30 }, (_, i) => i * 2));
    expect(frames[0].input.length).toBe(416 * 416 * 3);
  });

  it('uses real presentation times, including a non-zero first one', async () => {
    // This AVI's first frame is presented at 40 ms (B-frame delay): Timestamp 40, not 0.
    const frames = await decodeAll(join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'), 2);
    expect(frames).toHaveLength(171);
    expect(frames[0].timeSec).toBeCloseTo(0.04, 6);
    expect(frames[170].timeSec).toBeCloseTo(13.62, 6); // source frame 340: pts 681 × 1/50 s
  });

  it('letterboxes top-left with grey 114 padding, and delivers the full frame from the same decode', async () => {
    const frames = await decodeAll(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'), 1, 1280);
    expect(frames).toHaveLength(8);
    const f = frames[3];
    expect(f.full).toBeDefined();
    expect(f.full?.width).toBe(1280);
    expect(f.full?.height).toBe(720);
    expect(f.full?.data.length).toBe(1280 * 720 * 3);
    // 1920x1080 → 416x234 at the top; rows 235.. are padding.
    const px = (x: number, y: number): number[] => Array.from(f.input.subarray((y * 416 + x) * 3, (y * 416 + x) * 3 + 3));
    expect(px(10, 300)).toEqual([114, 114, 114]);
    expect(px(400, 415)).toEqual([114, 114, 114]);
    // The same picture: mean brightness of the letterboxed content and of the full frame agree.
    const mean = (data: Uint8Array, w: number, h: number, stride: number): number => {
      let s = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) s += data[y * stride * 3 + x];
      return s / (w * h * 3);
    };
    expect(Math.abs(mean(f.input, 416, 234, 416) - mean(f.full!.data, 1280, 720, 1280))).toBeLessThan(2);
  });

  it('decodes a MOTChallenge sequence in frame order with frame/fps times', async () => {
    const frames = await decodeAll(join(DATA, 'mot', 'TUD-Campus'), 1);
    expect(frames).toHaveLength(71);
    expect(frames[70].sourceIndex).toBe(70);
    expect(frames[70].timeSec).toBeCloseTo(70 / 25, 9);
  });

  it('stops ffmpeg when the consumer stops early or the job is aborted', async () => {
    const video = await probeVideo(join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'));
    const ac = new AbortController();
    const dec = new FrameDecoder({ video, letterbox: LB, step: 1, hwaccel: 'none', signal: ac.signal });
    let n = 0;
    const t0 = Date.now();
    await expect(
      (async () => {
        for await (const _f of dec) {
          if (++n === 5) ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(n).toBeLessThan(20);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

describeData('bad inputs fail fast with a clear message', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-bad-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const failure = async (input: string): Promise<EngineError> => {
    try {
      await decodeAll(input, 1);
    } catch (err) {
      expect(err).toBeInstanceOf(EngineError);
      return err as EngineError;
    }
    throw new Error(`${input} decoded without error`);
  };

  it('a missing file', async () => {
    const err = await failure(join(dir, 'nope.mp4'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/not found/);
  });

  it('a text file named .mp4', async () => {
    const path = join(dir, 'notes.mp4');
    await writeFile(path, 'this is not a video\n'.repeat(100));
    const err = await failure(path);
    expect(err.code).toBe('INVALID_VIDEO');
    expect(err.message).toMatch(/not a readable video/);
  });

  it('a truncated MP4 (index first, data cut off) and a truncated MP4 (index lost)', async () => {
    const src = ffmpegMake(join(dir, 'src.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart',
    ]);
    const bytes = await readFile(src);
    await writeFile(join(dir, 'cut.mp4'), bytes.subarray(0, bytes.length >> 1));
    const cut = await failure(join(dir, 'cut.mp4'));
    expect(cut.code).toBe('TRUNCATED');
    expect(cut.message).toMatch(/truncated/);
    const tail = ffmpegMake(join(dir, 'tail.mp4'), ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast']);
    const tb = await readFile(tail);
    await writeFile(join(dir, 'tailcut.mp4'), tb.subarray(0, tb.length >> 1));
    expect((await failure(join(dir, 'tailcut.mp4'))).message).toMatch(/not a readable video: .*moov atom not found/);
  });

  it('a truncated AVI (decodes half, with errors)', async () => {
    const bytes = await readFile(join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'));
    await writeFile(join(dir, 'cut.avi'), bytes.subarray(0, bytes.length >> 1));
    expect((await failure(join(dir, 'cut.avi'))).code).toBe('TRUNCATED');
  });

  it('an input that stalls (hung file system) instead of hanging the job', async () => {
    // A stalled network file system cannot be made here: a stand-in "ffmpeg" that prints nothing and sleeps plays it.
    const video = await probeVideo(join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'));
    const fake = join(dir, 'stalled-ffmpeg.sh');
    await writeFile(fake, '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
    const before = process.env.PEOPLE_PATHING_FFMPEG;
    process.env.PEOPLE_PATHING_FFMPEG = fake;
    const t0 = Date.now();
    try {
      const dec = new FrameDecoder({ video, letterbox: LB, step: 1, hwaccel: 'none', stallTimeoutMs: 1000 });
      await expect(
        (async () => {
          for await (const _f of dec) break;
        })(),
      ).rejects.toMatchObject({ code: 'DECODE_FAILED', message: expect.stringMatching(/produced nothing/) });
    } finally {
      if (before === undefined) delete process.env.PEOPLE_PATHING_FFMPEG;
      else process.env.PEOPLE_PATHING_FFMPEG = before;
    }
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('a video longer than 6 hours', async () => {
    const long = ffmpegMake(join(dir, 'long.mp4'), ['-f', 'lavfi', '-i', 'color=c=gray:s=64x64:r=1/3600', '-frames:v', '8', '-c:v', 'mpeg4']);
    await expect(probeVideo(long)).rejects.toMatchObject({ code: 'TOO_LONG', message: expect.stringMatching(/longer than 6 hours/) });
  });
});
