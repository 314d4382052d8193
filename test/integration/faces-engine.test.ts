/**
 * Faces through the whole engine: the real person detector and tracker give the body boxes, the real YuNet
 * attacher gives Person.Face. Input: messi5.jpg held for one second as a video (a real frame, repeated so the
 * tracker confirms its tracks).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FaceAttacherOptions, YuNetFaceAttacher } from '../../containers/tracker/src/faces/attach.js';
import type { TrackOptions } from '../../containers/tracker/src/index.js';
import { LocalFolderSource, ResultsReader } from '../../core/results-format.js';
import type { TrackingJobOutput } from '../../core/ports.js';
import { describeWithData, MODELS } from './engine-data.js';

const DATA = process.env.PEOPLE_PATHING_DATA_DIR ?? resolve(process.cwd(), '../shared/data');

// See faces-yunet.test.ts: onnxruntime-node's output arrays come from Node's main realm, not jest's sandbox.
const mainRealm = (Buffer.constructor as FunctionConstructor)('return this')() as typeof globalThis;
globalThis.Float32Array = mainRealm.Float32Array;
let createFaceAttacher: (model: string, options?: FaceAttacherOptions) => Promise<YuNetFaceAttacher>;
let resolveFaceModel: () => Promise<string | undefined>;
let trackToResults: (input: string, dir: string, options: TrackOptions) => Promise<TrackingJobOutput>;

const describeData = describeWithData(join(DATA, 'images', 'messi5.jpg'), join(MODELS, 'yolox_nano_416x416.onnx'), join(MODELS, 'face_detection_yunet_2026may.onnx'));

describeData('faces through the tracking engine', () => {
  let dir: string;
  beforeAll(async () => {
    ({ createFaceAttacher, resolveFaceModel } = await import('../../containers/tracker/src/faces/attach.js'));
    ({ trackToResults } = await import('../../containers/tracker/src/index.js'));
    dir = await mkdtemp(join(tmpdir(), 'pp-faces-engine-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the footballer a Face inside his own body box, and the crowd none', async () => {
    const video = join(dir, 'messi.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-framerate', '15', '-t', '1', '-i', join(DATA, 'images', 'messi5.jpg'),
      '-vf', 'pad=548:344,format=yuv420p', '-c:v', 'libx264', '-crf', '16', video]);
    const faces = await createFaceAttacher((await resolveFaceModel())!);
    try {
      const out = await trackToResults(video, join(dir, 'results'), { faces, detectorThread: 'inline', hwaccel: 'none' });
      expect(out.detections).toBeGreaterThan(0);
      const records = await new ResultsReader(new LocalFolderSource(join(dir, 'results'))).readPage('TIMESTAMP', 0, out.detections);
      const withFace = records.filter((r) => r.Person?.Face);
      expect(withFace.length).toBeGreaterThan(0);
      // the face is always the same person's: the one whose box holds the player's face at about (0.44, 0.3)
      const owners = new Set(withFace.map((r) => r.Person!.Index));
      expect(owners.size).toBe(1);
      for (const r of withFace) {
        const body = r.Person!.BoundingBox!;
        const face = r.Person!.Face!.BoundingBox!;
        const cx = face.Left! + face.Width! / 2;
        const cy = face.Top! + face.Height! / 2;
        expect(Math.abs(cx - 0.44)).toBeLessThan(0.03);
        expect(Math.abs(cy - 0.31)).toBeLessThan(0.06);
        expect(cx).toBeGreaterThan(body.Left!);
        expect(cx).toBeLessThan(body.Left! + body.Width!);
        expect(cy).toBeGreaterThan(body.Top!);
        expect(cy).toBeLessThan(body.Top! + body.Height! / 2);
        expect(r.Person!.Face!.Confidence!).toBeGreaterThan(70);
        // the face box is reported at float32 precision, like the person's box and like Rekognition
        for (const v of [face.Left!, face.Top!, face.Width!, face.Height!]) expect(Math.fround(v)).toBe(v);
      }
      // every sample of the player has the face (the frame does not change), no other person ever has one
      const player = [...owners][0];
      expect(records.filter((r) => r.Person!.Index === player).every((r) => r.Person!.Face)).toBe(true);
      expect(faces.stats.calls).toBeGreaterThan(0);
    } finally {
      await faces.release();
    }
  });
});
