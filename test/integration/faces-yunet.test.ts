/**
 * Real YuNet on real frames: a visible face lands inside the right person; a person walking away gets none.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { YuNetFaceAttacher, FaceAttacherOptions } from '../../containers/tracker/src/faces/attach.js';
import type { FrameImage } from '../../containers/tracker/src/frame.js';
import type { Box } from '../../containers/tracker/src/track/types.js';
import type { FaceDetail } from '../../core/types.js';
import { describeWithData } from './engine-data.js';

const DATA = process.env.PEOPLE_PATHING_DATA_DIR ?? resolve(process.cwd(), '../shared/data');
const MODELS = process.env.PEOPLE_PATHING_MODELS_DIR ?? join(DATA, 'models');
const YUNET = join(MODELS, 'face_detection_yunet_2026may.onnx');

// Jest runs tests in a separate JavaScript realm, while onnxruntime-node's native code makes its output arrays in
// Node's main realm; onnxruntime-common then rejects them ("A float32 tensor's data must be type of Float32Array").
// Outside jest (the CLI, the container) there is one realm. Here the sandbox uses the main realm's Float32Array, set
// before onnxruntime is first imported (it captures the constructor at import time).
const mainRealm = (Buffer.constructor as FunctionConstructor)('return this')() as typeof globalThis;
globalThis.Float32Array = mainRealm.Float32Array;
let createFaceAttacher: (model: string, options?: FaceAttacherOptions) => Promise<YuNetFaceAttacher>;
beforeAll(async () => {
  ({ createFaceAttacher } = await import('../../containers/tracker/src/faces/attach.js'));
});

function readBgr(path: string, width: number, height: number): FrameImage {
  const data = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'], { maxBuffer: 64 << 20 });
  expect(data.length).toBe(width * height * 3);
  return { data: new Uint8Array(data), width, height };
}

function expectInRekognitionRanges(face: FaceDetail): void {
  const bb = face.BoundingBox!;
  for (const v of [bb.Left!, bb.Top!, bb.Width!, bb.Height!]) expect(v).toBeGreaterThanOrEqual(-0.1);
  for (const v of [bb.Left! + bb.Width!, bb.Top! + bb.Height!]) expect(v).toBeLessThanOrEqual(1.1);
  expect(face.Confidence!).toBeGreaterThan(0);
  expect(face.Confidence!).toBeLessThanOrEqual(100);
  expect(face.Landmarks!.map((l) => l.Type)).toEqual(['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight']);
  for (const l of face.Landmarks!) {
    // every landmark lies in (or at the edge of) the face box
    expect(l.X!).toBeGreaterThanOrEqual(bb.Left! - 0.02);
    expect(l.X!).toBeLessThanOrEqual(bb.Left! + bb.Width! + 0.02);
    expect(l.Y!).toBeGreaterThanOrEqual(bb.Top! - 0.02);
    expect(l.Y!).toBeLessThanOrEqual(bb.Top! + bb.Height! + 0.02);
  }
  for (const a of [face.Pose!.Roll!, face.Pose!.Yaw!, face.Pose!.Pitch!]) {
    expect(a).toBeGreaterThanOrEqual(-180);
    expect(a).toBeLessThanOrEqual(180);
  }
  for (const q of [face.Quality!.Brightness!, face.Quality!.Sharpness!]) {
    expect(q).toBeGreaterThanOrEqual(0);
    expect(q).toBeLessThanOrEqual(100);
  }
}

const describeData = describeWithData(YUNET, join(DATA, 'images', 'messi5.jpg'), join(DATA, 'mot', 'TUD-Campus', 'img1'));

describeData('faces on real frames (YuNet)', () => {
  const attachers: YuNetFaceAttacher[] = [];
  afterAll(async () => {
    for (const a of attachers) await a.release();
  });

  // messi5.jpg (548×342): one footballer in full view, his face near (0.44, 0.3) of the frame, a crowd behind.
  // His body box was measured by hand on the picture: the outstretched left hand at x≈70, the head top at y≈60,
  // the right boot at x≈455, the feet at y≈335. A second box covers crowd heads at the top-left, which are too
  // small and blurred to be faces at the default threshold.
  const MESSI: Box = [70, 60, 455, 335];
  const CROWD: Box = [0, 0, 60, 120];

  it.each(['crops', 'frame'] as const)('attaches the visible face to the player, inside his body box (%s mode)', async (mode) => {
    const attacher = await createFaceAttacher(YUNET, { mode });
    attachers.push(attacher);
    const frame = readBgr(join(DATA, 'images', 'messi5.jpg'), 548, 342);
    const faces = await attacher.attach(frame, { width: 548, height: 342 }, [
      { index: 0, box: CROWD },
      { index: 1, box: MESSI },
    ]);
    expect([...faces.keys()]).toEqual([1]);
    const face = faces.get(1)!;
    expectInRekognitionRanges(face);
    const bb = face.BoundingBox!;
    const cx = bb.Left! + bb.Width! / 2;
    const cy = bb.Top! + bb.Height! / 2;
    expect(Math.abs(cx - 0.44)).toBeLessThan(0.03);
    expect(cy).toBeGreaterThan(0.22);
    expect(cy).toBeLessThan(0.38);
    // inside his body box, in its top third (where a head is)
    expect(cx * 548).toBeGreaterThan(MESSI[0]);
    expect(cx * 548).toBeLessThan(MESSI[2]);
    expect(cy * 342).toBeLessThan(MESSI[1] + (MESSI[3] - MESSI[1]) / 3);
    expect(face.Confidence!).toBeGreaterThan(70);
    // eyes level, eyeLeft on the image's left
    expect(Math.abs(face.Pose!.Roll!)).toBeLessThan(10);
    expect(face.Landmarks![0].X!).toBeLessThan(face.Landmarks![1].X!);
    // the face is seen frontally enough that yaw is moderate, and it is a night game under floodlights: mid brightness
    expect(Math.abs(face.Pose!.Yaw!)).toBeLessThan(60);
    expect(face.Quality!.Brightness!).toBeGreaterThan(20);
    expect(face.Quality!.Brightness!).toBeLessThan(80);
  });

  it('works on a resized copy of the frame: boxes are ratios of the frame either way', async () => {
    const attacher = await createFaceAttacher(YUNET);
    attachers.push(attacher);
    const full = await attacher.attach(readBgr(join(DATA, 'images', 'messi5.jpg'), 548, 342), { width: 548, height: 342 }, [{ index: 4, box: MESSI }]);
    // the same frame at 2× (person boxes stay in source pixels, as the engine hands them)
    const big = execFileSync('ffmpeg', ['-v', 'error', '-i', join(DATA, 'images', 'messi5.jpg'), '-vf', 'scale=1096:684', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-'], { maxBuffer: 64 << 20 });
    const scaled = await attacher.attach({ data: new Uint8Array(big), width: 1096, height: 684 }, { width: 548, height: 342 }, [{ index: 4, box: MESSI }]);
    const a = full.get(4)!.BoundingBox!;
    const b = scaled.get(4)!.BoundingBox!;
    expect(Math.abs(a.Left! - b.Left!)).toBeLessThan(0.01);
    expect(Math.abs(a.Top! - b.Top!)).toBeLessThan(0.01);
  });

  // TUD-Campus (640×480, MOT15 ground truth). Ground-truth id 4 is the man in the orange-brown jacket who walks
  // away from the camera along the building for the whole sequence: only the back of his head and his scarf are
  // visible (checked by eye on frames 1, 6, 40, 56). Ids 1, 3 and 7 walk across in profile or towards the camera
  // with their faces visible, so the same frames prove the detector is awake.
  it('gives no face to a person seen from behind, while people facing the camera in the same frames get one', async () => {
    const attacher = await createFaceAttacher(YUNET);
    attachers.push(attacher);
    const gt = readFileSync(join(DATA, 'mot', 'TUD-Campus', 'gt', 'gt.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    let backFaces = 0;
    let backSeen = 0;
    const frontFaces: Record<number, number> = { 1: 0, 3: 0, 7: 0 };
    const frontSeen: Record<number, number> = { 1: 0, 3: 0, 7: 0 };
    for (let f = 1; f <= 71; f += 5) {
      const frame = readBgr(join(DATA, 'mot', 'TUD-Campus', 'img1', `${String(f).padStart(6, '0')}.jpg`), 640, 480);
      const persons = gt.filter((r) => r[0] === f).map((r) => ({ index: r[1], box: [r[2], r[3], r[2] + r[4], r[3] + r[5]] as Box }));
      const faces = await attacher.attach(frame, { width: 640, height: 480 }, persons);
      for (const [, face] of faces) expectInRekognitionRanges(face);
      if (persons.some((p) => p.index === 4)) {
        backSeen++;
        if (faces.has(4)) backFaces++;
      }
      for (const id of [1, 3, 7]) {
        if (!persons.some((p) => p.index === id)) continue;
        frontSeen[id]++;
        if (faces.has(id)) frontFaces[id]++;
      }
      // no face is ever attached to an index that is not in the frame
      for (const id of faces.keys()) expect(persons.some((p) => p.index === id)).toBe(true);
    }
    expect(backSeen).toBe(15);
    expect(backFaces).toBe(0);
    for (const id of [1, 3, 7]) expect(frontFaces[id]).toBeGreaterThanOrEqual(frontSeen[id] * 0.6);
  });
});
