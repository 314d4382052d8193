/**
 * `people-pathing render --blur` on real footage with real ffmpeg and the real YuNet model: inside the blurred
 * regions the detail is gone (the variance of the Laplacian drops by a large factor against the same render without
 * blur), outside them the picture is the same (up to H.264 noise), and YuNet no longer finds the face it found before.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YuNet as YuNetClass } from '../../containers/tracker/src/faces/yunet.js';
import type { RawFace } from '../../containers/tracker/src/faces/yunet.js';
import type { PersonDetection } from '../../core/types.js';
import { DATA, MODELS, describeWithData } from './engine-data.js';

// onnxruntime's output arrays come from Node's main realm, jest's sandbox is another (see faces-yunet.test.ts):
// the sandbox takes the main realm's Float32Array before onnxruntime is first imported.
const mainRealm = (Buffer.constructor as FunctionConstructor)('return this')() as typeof globalThis;
globalThis.Float32Array = mainRealm.Float32Array;

const YUNET = join(MODELS, 'face_detection_yunet_2026may.onnx');
const PLAZA = join(DATA, 'videos', 'pedestrians_topdown_720p_vtest.avi');
const MESSI = join(DATA, 'images', 'messi5.jpg');

type Box = [number, number, number, number];

/** Frame n (0-based) of a video or a picture as RGB24. */
function rgbFrame(path: string, n: number, width: number, height: number): Buffer {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 64 << 20 });
  expect(buf.length).toBe(width * height * 3);
  return buf;
}

function luma(f: Buffer, width: number, x: number, y: number): number {
  const p = (y * width + x) * 3;
  return 0.299 * f[p] + 0.587 * f[p + 1] + 0.114 * f[p + 2];
}

/** Variance of the 4-neighbour Laplacian of luma inside [x1, x2) × [y1, y2). */
function laplacianVariance(f: Buffer, width: number, [x1, y1, x2, y2]: Box): number {
  const ls: number[] = [];
  for (let y = Math.round(y1) + 1; y < Math.round(y2) - 1; y++) {
    for (let x = Math.round(x1) + 1; x < Math.round(x2) - 1; x++) {
      ls.push(4 * luma(f, width, x, y) - luma(f, width, x - 1, y) - luma(f, width, x + 1, y) - luma(f, width, x, y - 1) - luma(f, width, x, y + 1));
    }
  }
  const mean = ls.reduce((a, b) => a + b, 0) / ls.length;
  return ls.reduce((a, b) => a + (b - mean) ** 2, 0) / ls.length;
}

/** Mean absolute difference of two RGB frames over [x1, x2) × [y1, y2). */
function meanDiff(a: Buffer, b: Buffer, width: number, [x1, y1, x2, y2]: Box): number {
  let sum = 0;
  let n = 0;
  for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) for (let c = 0; c < 3; c++, n++) sum += Math.abs(a[(y * width + x) * 3 + c] - b[(y * width + x) * 3 + c]);
  return sum / n;
}

function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

const describeData = describeWithData(YUNET, PLAZA, MESSI);

describeData('render --blur', () => {
  let dir: string;
  let run: (argv: string[]) => Promise<number>;
  let YuNet: typeof YuNetClass;
  let padToStride: typeof import('../../containers/tracker/src/faces/yunet.js').padToStride;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-blur-'));
    ({ run } = await import('../../cli/render.js'));
    ({ YuNet, padToStride } = await import('../../containers/tracker/src/faces/yunet.js'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function facesIn(rgb: Buffer, width: number, height: number, scoreThreshold: number): Promise<RawFace[]> {
    const bgr = new Uint8Array(rgb.length);
    for (let p = 0; p < rgb.length; p += 3) [bgr[p], bgr[p + 1], bgr[p + 2]] = [rgb[p + 2], rgb[p + 1], rgb[p]];
    const y = await YuNet.create(YUNET, { scoreThreshold, executionProvider: 'cpu' });
    try {
      return await y.detect(padToStride({ width, height, data: bgr }));
    } finally {
      await y.release();
    }
  }

  it('--blur persons: the person boxes of a real crowd video lose their detail, also where a box leaves the frame; the rest is unchanged', async () => {
    const W = 1280;
    const H = 720;
    const clip = join(dir, 'plaza.avi');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', PLAZA, '-t', '1', '-c', 'copy', '-an', clip]);
    // Two persons in the left half of the picture (below the paths legend): one inside, one cut by the frame's left
    // and bottom edges.
    const boxes = [
      { Index: 3, BoundingBox: { Left: 0.16, Top: 0.4, Width: 0.07, Height: 0.25 } },
      { Index: 9, BoundingBox: { Left: -0.03, Top: 0.8, Width: 0.09, Height: 0.3 } },
    ];
    const persons: PersonDetection[] = [];
    for (let t = 0; t <= 1000; t += 80) for (const b of boxes) persons.push({ Timestamp: t, Person: b });
    await writeFile(join(dir, 'plaza.json'), JSON.stringify({ Persons: persons }));
    const plain = join(dir, 'plain.mp4');
    const blurred = join(dir, 'blurred.mp4');
    expect(await run([clip, '--results', join(dir, 'plaza.json'), '--out', plain, '--paths', join(dir, 'plain.png')])).toBe(0);
    expect(await run([clip, '--results', join(dir, 'plaza.json'), '--out', blurred, '--paths', join(dir, 'blurred.png'), '--blur', 'persons'])).toBe(0);

    const px = (b: (typeof boxes)[number]['BoundingBox']): Box => [Math.max(0, b.Left * W), b.Top * H, (b.Left + b.Width) * W, Math.min(H, (b.Top + b.Height) * H)];
    // inside each box (its part in the frame), away from the drawn outline (6 px wide at 720p) and the trail's end dot
    const inner = (b: Box): Box => [b[0] + 12, b[1] + 12, b[2] - 12, b[3] - 16];
    for (const [a, b, width, height] of [[rgbFrame(plain, 12, W, H), rgbFrame(blurred, 12, W, H), W, H], [rgbFrame(join(dir, 'plain.png'), 0, W, H), rgbFrame(join(dir, 'blurred.png'), 0, W, H), W, H]] as const) {
      for (const { BoundingBox } of boxes) {
        const region = inner(px(BoundingBox));
        const before = laplacianVariance(a, width, region);
        expect(before).toBeGreaterThan(20); // there was detail to remove
        expect(laplacianVariance(b, width, region)).toBeLessThan(before / 20);
      }
      // the right 60 % of the picture has no box: the same picture, up to H.264's noise
      expect(meanDiff(a, b, width, [Math.round(0.4 * width), 0, width, height])).toBeLessThan(1);
    }
  });

  it('--blur faces on a real face: YuNet finds it in the plain render and nowhere near it in the blurred one', async () => {
    const W = 548;
    const H = 342;
    const video = join(dir, 'messi.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', MESSI, '-t', '1', '-r', '5', '-vf', 'format=yuv420p', '-c:v', 'libx264', '-crf', '10', video]);
    // The face as the engine's detector sees it (score ≥ 0.7), and a person box around it down to the frame's bottom.
    const faces = await facesIn(rgbFrame(video, 0, W, H), W, H, 0.7);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    const face = faces[0].box;
    const fw = face[2] - face[0];
    const fh = face[3] - face[1];
    const top = face[1] - fh / 2;
    const box = { Left: ((face[0] + face[2]) / 2 - 1.5 * fw) / W, Top: top / H, Width: (3 * fw) / W, Height: (H - top) / H };
    const persons: PersonDetection[] = [0, 200, 400, 600, 800].map((t) => ({ Timestamp: t, Person: { Index: 0, BoundingBox: box } }));
    await writeFile(join(dir, 'messi.json'), JSON.stringify({ Persons: persons }));
    const plain = join(dir, 'messi-plain.mp4');
    const blurred = join(dir, 'messi-blurred.mp4');
    expect(await run([video, '--results', join(dir, 'messi.json'), '--out', plain])).toBe(0);
    expect(await run([video, '--results', join(dir, 'messi.json'), '--out', blurred, '--blur', 'faces', '--face-model', YUNET])).toBe(0);

    const a = rgbFrame(plain, 2, W, H);
    const b = rgbFrame(blurred, 2, W, H);
    expect((await facesIn(a, W, H, 0.7)).some((f) => iou(f.box, face) > 0.5)).toBe(true);
    // not even a weak detection is left where the face was
    expect((await facesIn(b, W, H, 0.5)).filter((f) => iou(f.box, face) > 0.1)).toEqual([]);
    const faceBox = face.map(Math.round) as Box;
    expect(laplacianVariance(b, W, faceBox)).toBeLessThan(laplacianVariance(a, W, faceBox) / 20);
    // below the face, inside the person's box (shirt, legs), nothing changed
    const body: Box = [Math.round(face[0]), Math.round(face[3] + fh), Math.round(face[2]), Math.round(face[3] + 3 * fh)];
    expect(meanDiff(a, b, W, body)).toBeLessThan(1.5);

    // Results that carry Person.Face (as `track` writes them): that face is blurred and YuNet is not run.
    const withFace = persons.map((p) => ({ ...p, Person: { ...p.Person, Face: { BoundingBox: { Left: face[0] / W, Top: face[1] / H, Width: fw / W, Height: fh / H } } } }));
    const render = await import('../../containers/tracker/src/render/index.js');
    const blur = await render.createBlurrer('faces', { faceModel: YUNET });
    const fromResults = join(dir, 'messi-results-face.mp4');
    try {
      await render.renderVideo(video, render.buildSamples(withFace), fromResults, { blur });
    } finally {
      await blur.release();
    }
    expect(blur.stats).toEqual({ regions: 5, searches: 0 });
    const c = rgbFrame(fromResults, 2, W, H);
    expect((await facesIn(c, W, H, 0.5)).filter((f) => iou(f.box, face) > 0.1)).toEqual([]);
    expect(laplacianVariance(c, W, faceBox)).toBeLessThan(laplacianVariance(a, W, faceBox) / 20);
  });
});
