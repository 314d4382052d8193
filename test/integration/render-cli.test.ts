/**
 * `people-pathing render` on real shared footage with real ffmpeg: the annotated video keeps the input's frame count
 * and duration, a known person's box is drawn in its colour, and --paths writes a PNG of the input's size.
 * The results come from TUD-Campus's ground truth converted to GetPersonTracking's shape (a real person with a known
 * box), so these tests do not depend on the tracker.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../cli/render.js';
import { colourForIndex } from '../../containers/tracker/src/render/colors.js';
import type { GetPersonTrackingResponse, PersonDetection } from '../../core/types.js';
import { describeWithData } from './engine-data.js';

const DATA = process.env.PEOPLE_PATHING_DATA_DIR ?? resolve(process.cwd(), '../shared/data');
const TUD = join(DATA, 'mot', 'TUD-Campus');
const W = 640;
const H = 480;

function ffprobeJson(path: string): { streams: { nb_read_frames?: string; width: number; height: number; codec_name: string }[]; format: { duration: string } } {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,codec_name:format=duration', '-of', 'json', path], {
      encoding: 'utf8',
    }),
  );
}

/** Frame n (0-based) of a video, or a picture, as RGB24. */
function rgbFrame(path: string, n: number, width: number, height: number): Buffer {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  expect(buf.length).toBe(width * height * 3);
  return buf;
}

const dist = (buf: Buffer, width: number, x: number, y: number, c: number[]): number => {
  const p = (Math.round(y) * width + Math.round(x)) * 3;
  return Math.hypot(buf[p] - c[0], buf[p + 1] - c[1], buf[p + 2] - c[2]);
};

const describeData = describeWithData(join(TUD, 'img1'), join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'), join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'));

describeData('people-pathing render', () => {
  let dir: string;
  let gt: number[][];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-render-'));
    gt = (await readFile(join(TUD, 'gt', 'gt.txt'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    // Ground truth as GetPersonTracking output, sampled every second frame like the tracker (25 fps → 12.5 Hz):
    // frame f is at (f−1)·40 ms, person id k becomes Index k−1.
    const persons: PersonDetection[] = gt
      .filter((r) => (r[0] - 1) % 2 === 0)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map((r) => ({ Timestamp: (r[0] - 1) * 40, Person: { Index: r[1] - 1, BoundingBox: { Width: r[4] / W, Height: r[5] / H, Left: r[2] / W, Top: r[3] / H } } }));
    const results: GetPersonTrackingResponse = {
      JobStatus: 'SUCCEEDED',
      VideoMetadata: { Codec: 'mjpeg', DurationMillis: 2840, Format: 'image2', FrameRate: 25, FrameWidth: W, FrameHeight: H },
      Persons: persons,
    };
    await writeFile(join(dir, 'results.json'), JSON.stringify(results));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('annotates a real MOT sequence: same frame count, duration and size, the person box in its colour', async () => {
    const out = join(dir, 'annotated.mp4');
    expect(await run([TUD, '--results', join(dir, 'results.json'), '--out', out])).toBe(0);
    const probe = ffprobeJson(out);
    expect(probe.streams[0].codec_name).toBe('h264');
    expect(Number(probe.streams[0].nb_read_frames)).toBe(71); // seqinfo.ini: seqLength=71
    expect([probe.streams[0].width, probe.streams[0].height]).toEqual([W, H]);
    expect(Math.abs(Number(probe.format.duration) - 71 / 25)).toBeLessThanOrEqual(1 / 25 + 1e-6);

    // Frame 41 (0-based 40, t = 1600 ms, a sample time): ground-truth id 3 → Index 2.
    const row = gt.find((r) => r[0] === 41 && r[1] === 3)!;
    const [x, y, w, h] = row.slice(2, 6);
    const frame = rgbFrame(out, 40, W, H);
    const original = rgbFrame(join(TUD, 'img1', '000041.jpg'), 0, W, H);
    const mine = colourForIndex(2);
    const other = colourForIndex(0);
    const edge: [number, number][] = [];
    for (let k = 0.3; k <= 0.9; k += 0.05) {
      edge.push([x, y + k * h]); // left edge, below the label
      edge.push([x + w, y + k * h]); // right edge
    }
    for (let k = 0.2; k <= 0.8; k += 0.1) edge.push([x + k * w, y + h]); // bottom edge
    const near = edge.filter(([px, py]) => dist(frame, W, px, py, mine) < 60).length;
    expect(near / edge.length).toBeGreaterThan(0.8);
    // it is the drawing, not the scene: the original frame does not have that colour there, nor is it another Index's
    expect(edge.filter(([px, py]) => dist(original, W, px, py, mine) < 60).length).toBe(0);
    expect(edge.filter(([px, py]) => dist(frame, W, px, py, other) < 60).length).toBe(0);
    // and inside the box (away from the trail at the feet) the picture is the original one
    const inside = [[x + w / 2, y + h / 3]];
    for (const [px, py] of inside) expect(dist(frame, W, px, py, Array.from(original.subarray((Math.round(py) * W + Math.round(px)) * 3, (Math.round(py) * W + Math.round(px)) * 3 + 3)))).toBeLessThan(30);
  });

  it('--paths writes a PNG of the input size with each path in its colour', async () => {
    const png = join(dir, 'paths.png');
    expect(await run([TUD, '--results', join(dir, 'results.json'), '--paths', png])).toBe(0);
    const bytes = await readFile(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([W, H]);
    // Index 2's foot point at frame 41 is on its path: its colour is within a few pixels of it
    const row = gt.find((r) => r[0] === 41 && r[1] === 3)!;
    const fx = row[2] + row[4] / 2;
    const fy = row[3] + row[5];
    const pic = rgbFrame(png, 0, W, H);
    let best = Infinity;
    for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) best = Math.min(best, dist(pic, W, Math.min(W - 1, fx + dx), Math.min(H - 1, fy + dy), colourForIndex(2)));
    expect(best).toBeLessThan(40);
  });

  it('annotates a video file too, keeping its frame count and duration', async () => {
    const video = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');
    const input = ffprobeJson(video);
    // A box we place ourselves (this clip has no ground truth): Index 5 from 0 to the end, in the frame's middle.
    const persons: PersonDetection[] = [0, 333, 666, 1000, 1333, 1666, 2000, 2333].map((t) => ({ Timestamp: t, Person: { Index: 5, BoundingBox: { Left: 0.4, Top: 0.3, Width: 0.2, Height: 0.4 } } }));
    await writeFile(join(dir, 'clip.json'), JSON.stringify({ Persons: persons }));
    const out = join(dir, 'clip.mp4');
    expect(await run([video, '--results', join(dir, 'clip.json'), '--out', out])).toBe(0);
    const probe = ffprobeJson(out);
    expect(probe.streams[0].nb_read_frames).toBe(input.streams[0].nb_read_frames);
    expect([probe.streams[0].width, probe.streams[0].height]).toEqual([input.streams[0].width, input.streams[0].height]);
    expect(Math.abs(Number(probe.format.duration) - Number(input.format.duration))).toBeLessThan(0.34);
    const frame = rgbFrame(out, 7, 1920, 1080);
    expect(dist(frame, 1920, 0.4 * 1920, 0.5 * 1080, colourForIndex(5))).toBeLessThan(60);
  });

  it('times an AVI whose avg_frame_rate is twice the real rate as the engine does (boxes on the right frames)', async () => {
    // The plaza AVI reports avg_frame_rate 50/1 and r_frame_rate 25/1 for 25 frames a second; a 1-second copy keeps that.
    const clip = join(dir, 'plaza.avi');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi'), '-t', '1', '-c', 'copy', '-an', clip]);
    await writeFile(join(dir, 'plaza.json'), JSON.stringify({ Persons: [{ Timestamp: 0, Person: { Index: 1, BoundingBox: { Left: 0.1, Top: 0.1, Width: 0.1, Height: 0.2 } } }] }));
    const out = join(dir, 'plaza.mp4');
    expect(await run([clip, '--results', join(dir, 'plaza.json'), '--out', out])).toBe(0);
    const probe = ffprobeJson(out);
    expect(Number(probe.streams[0].nb_read_frames)).toBe(25);
    expect(Math.abs(Number(probe.format.duration) - 1)).toBeLessThan(0.05);
  });

  it('refuses to run without results or without an output', async () => {
    expect(await run([TUD, '--out', join(dir, 'x.mp4')])).toBe(2);
    expect(await run([TUD, '--results', join(dir, 'results.json')])).toBe(2);
  });
});
