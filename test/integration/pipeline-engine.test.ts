/**
 * The whole engine on real videos: decode → detect → track → results format / MOT rows, the VideoProcessor used by
 * local mode and the container, the faces hook, and the `people-pathing track` CLI as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderSource, ResultsReader } from '../../core/results-format.js';
import type { GetPersonTrackingResponse, PersonDetection } from '../../core/types.js';
import { evaluateSequence, parseMotText, readMotFile } from '../../containers/tracker/src/eval/index.js';
import { createEngineProcessor, trackToMot } from '../../containers/tracker/src/index.js';
import { DATA, describeWithData, ffmpegMake, MODELS, YOLOX } from './engine-data.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pp-engine-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const describeData = describeWithData(
  YOLOX,
  join(MODELS, 'light_person_detector_192x192.onnx'),
  join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'),
  join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'),
  join(DATA, 'mot', 'TUD-Campus', 'img1'),
);

describeData('VideoProcessor on the 25 fps top-down plaza video (341 frames, ~40 people)', () => {
  let records: PersonDetection[];
  let out: Awaited<ReturnType<ReturnType<typeof createEngineProcessor>['process']>>;
  const fractions: number[] = [];

  beforeAll(async () => {
    const resultsDir = join(dir, 'plaza');
    const processor = createEngineProcessor({ modelPath: YOLOX });
    try {
      out = await processor.process({
        jobId: 'job-1',
        videoPath: join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'),
        resultsDir,
        onProgress: (f) => fractions.push(f),
      });
    } finally {
      await processor.close?.();
    }
    const reader = new ResultsReader(new LocalFolderSource(resultsDir));
    records = await reader.readPage('TIMESTAMP', 0, (await reader.getManifest()).count);
  });

  it('reports the video as Rekognition does', () => {
    expect(out.videoMetadata).toEqual({
      Codec: 'h264',
      DurationMillis: 13640,
      Format: 'AVI (Audio Video Interleaved)',
      FrameRate: 25,
      FrameHeight: 720,
      FrameWidth: 1280,
      ColorRange: 'LIMITED',
    });
  });

  it("samples at Rekognition's cadence: every 2nd frame of 25 fps, Timestamps from presentation times", () => {
    const stamps = [...new Set(records.map((r) => r.Timestamp as number))];
    expect(stamps[0]).toBeGreaterThanOrEqual(40); // first frame is presented at 40 ms
    const steps = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
    // 80 ms apart (the last frame's pts comes 60 ms after the one before it); a gap only where nobody was tracked
    expect(steps[0]).toBeGreaterThanOrEqual(60);
    expect(steps[steps.length >> 1]).toBe(80);
    // People are in view all the time: nearly every sample has someone.
    expect(stamps.length).toBeGreaterThan(150);
  });

  // Measured 2026-11-25 (yolox_nano_416): 41–43 persons, ~3,000 records over 171 samples (17.4 a sample) without
  // re-ID; 38 persons, 3,017 records with it (the default).
  it('finds a plausible number of persons and detections, with contiguous Indexes and boxes inside the frame', () => {
    expect(out.detections).toBe(records.length);
    expect(out.persons).toBeGreaterThanOrEqual(20);
    expect(out.persons).toBeLessThanOrEqual(90);
    expect(out.detections / 171).toBeGreaterThanOrEqual(10);
    expect(out.detections / 171).toBeLessThanOrEqual(30);
    const indexes = new Set(records.map((r) => r.Person?.Index));
    expect([...indexes].sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: out.persons }, (_, i) => i));
    for (const r of records) {
      const b = r.Person?.BoundingBox;
      expect(b?.Left).toBeGreaterThan(-0.05);
      expect(b?.Top).toBeGreaterThan(-0.05);
      expect((b?.Left ?? 0) + (b?.Width ?? 0)).toBeLessThan(1.05);
      expect((b?.Top ?? 0) + (b?.Height ?? 0)).toBeLessThan(1.05);
      // a standing person seen from above: taller than wide, not the whole frame
      expect(b?.Height).toBeLessThan(0.5);
    }
  });

  it('reports progress as a rising fraction that reaches 1', () => {
    expect(fractions.length).toBeGreaterThan(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(fractions[fractions.length - 1]).toBe(1);
  });
});

describeData('MOTChallenge output', () => {
  // Measured 2026-11-25 (yolox_nano_416, tracker defaults, every frame): HOTA 0.438, MOTA 0.630, IDF1 0.583.
  it('tracks TUD-Campus every frame, frame numbers aligned with the ground truth', async () => {
    const seq = join(DATA, 'mot', 'TUD-Campus');
    const { rows, timings, videoMetadata } = await trackToMot(seq, { modelPath: YOLOX });
    expect(timings.frames).toBe(71);
    expect(videoMetadata.FrameRate).toBe(25);
    const parsed = parseMotText(rows);
    expect(Math.min(...parsed.map((r) => r.frame))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...parsed.map((r) => r.frame))).toBe(71);
    expect(Math.min(...parsed.map((r) => r.id))).toBe(1);
    const ev = evaluateSequence(await readMotFile(join(seq, 'gt', 'gt.txt')), parsed, { numFrames: 71, name: 'TUD-Campus' });
    expect(ev.summary.MOTA).toBeGreaterThanOrEqual(0.55);
    expect(ev.summary.HOTA).toBeGreaterThanOrEqual(0.38);
  });
});

// The faces hook end to end (real YuNet on the engine's full frames) is tested in faces-engine.test.ts.

describeData('people-pathing track (CLI)', () => {
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'track', ...args], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('writes a GetPersonTracking-shaped JSON and shows progress on stderr', async () => {
    const outFile = join(dir, 'street.json');
    const r = cli([join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'), '--out', outFile, '--model', YOLOX]);
    expect(r.stderr).toMatch(/8\/8 frames/);
    expect(r.status).toBe(0);
    const doc = JSON.parse(await readFile(outFile, 'utf8')) as GetPersonTrackingResponse;
    expect(doc.JobStatus).toBe('SUCCEEDED');
    expect(doc.VideoMetadata).toMatchObject({ Codec: 'mpeg4', Format: 'QuickTime / MOV', FrameRate: 3, FrameWidth: 1920 });
    const persons = doc.Persons ?? [];
    expect(persons.length).toBeGreaterThan(20);
    // every frame of a 3 fps video is a sample: timestamps are multiples of 333 ms
    for (const p of persons) expect([0, 333, 666, 1000, 1333, 1666, 2000, 2333]).toContain(p.Timestamp);
    for (let i = 1; i < persons.length; i++) expect(persons[i].Timestamp as number).toBeGreaterThanOrEqual(persons[i - 1].Timestamp as number);
  });

  it('writes MOT rows with --format mot', () => {
    const r = cli([join(DATA, 'mot', 'TUD-Campus'), '--format', 'mot', '--quiet', '--model', join(MODELS, 'light_person_detector_192x192.onnx')]);
    expect(r.status).toBe(0);
    const rows = parseMotText(r.stdout);
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.every((x) => x.frame >= 1 && x.frame <= 71 && x.id >= 1)).toBe(true);
  });

  it.each([
    ['a missing file', async () => join(dir, 'missing.mp4'), /^people-pathing track: no video or MOT sequence at \S+missing\.mp4 \(no such file or folder\): give a video file/],
    [
      'a text file named .mp4',
      async () => {
        await writeFile(join(dir, 'readme.mp4'), 'hello\n');
        return join(dir, 'readme.mp4');
      },
      /not a readable video/,
    ],
    [
      'a truncated video',
      async () => {
        const src = ffmpegMake(join(dir, 'whole.mp4'), [
          '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart',
        ]);
        const bytes = await readFile(src);
        await writeFile(join(dir, 'half.mp4'), bytes.subarray(0, bytes.length >> 1));
        return join(dir, 'half.mp4');
      },
      /truncated/,
    ],
  ])('exits non-zero with a clear message for %s', async (_what, make, message) => {
    const r = cli([await make(), '--out', join(dir, 'never.json'), '--model', YOLOX]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
