/**
 * The re-ID embedder on real PETS09-S2L1 frames (decoded by real ffmpeg) and the real OpenVINO 0288 model:
 * the same person a few frames later looks more like themself than like anyone else.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ReidEmbedder, ReidEmbedderOptions } from '../../containers/tracker/src/reid/index.js';
import type { FrameImage } from '../../containers/tracker/src/frame.js';
import type { Box } from '../../containers/tracker/src/track/types.js';
import { describeWithData } from './engine-data.js';

// Jest runs tests in its own JavaScript realm while onnxruntime-node's native code builds output arrays in Node's main
// realm, which onnxruntime-common then rejects. Use the main realm's Float32Array before onnxruntime is imported (as
// faces-yunet.test.ts does); outside jest there is a single realm (and the engine embeds on a worker thread).
const mainRealm = (Buffer.constructor as FunctionConstructor)('return this')() as typeof globalThis;
globalThis.Float32Array = mainRealm.Float32Array;
let createReidEmbedder: (model: string, options?: ReidEmbedderOptions) => Promise<ReidEmbedder>;

const dataDir = process.env.PEOPLE_PATHING_DATA_DIR ?? resolve(process.cwd(), '../shared/data');
const modelsDir = process.env.PEOPLE_PATHING_MODELS_DIR ?? join(dataDir, 'models');
const seqDir = join(dataDir, 'mot', 'PETS09-S2L1');
const SOURCE = { width: 768, height: 576 };

function decode(frame: number, width = SOURCE.width, height = SOURCE.height): FrameImage {
  const file = join(seqDir, 'img1', `${String(frame).padStart(6, '0')}.jpg`);
  const data = execFileSync(
    'ffmpeg',
    ['-loglevel', 'error', '-i', file, '-vf', `scale=${width}:${height}`, '-pix_fmt', 'bgr24', '-f', 'rawvideo', '-'],
    { maxBuffer: 64 << 20 },
  );
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** Ground-truth people (flag 1, fully inside the frame, at least 60 px tall) in one frame, by id. */
function people(frame: number): Map<number, Box> {
  const out = new Map<number, Box>();
  for (const line of readFileSync(join(seqDir, 'gt', 'gt.txt'), 'utf8').split('\n')) {
    const [f, id, x, y, w, h, flag] = line.split(',').map(Number);
    if (f !== frame || flag !== 1 || h < 60 || x < 0 || y < 0 || x + w > SOURCE.width || y + h > SOURCE.height) continue;
    out.set(id, [x, y, x + w, y + h]);
  }
  return out;
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

const describeData = describeWithData(join(modelsDir, 'person-reidentification-retail-0288.onnx'), join(seqDir, 'img1'), join(seqDir, 'gt', 'gt.txt'));

describeData('re-ID embedder (person-reidentification-retail-0288)', () => {
  let embedder: ReidEmbedder;
  const model = join(modelsDir, 'person-reidentification-retail-0288.onnx');

  beforeAll(async () => {
    ({ createReidEmbedder } = await import('../../containers/tracker/src/reid/index.js'));
    expect(existsSync(model)).toBe(true);
    embedder = await createReidEmbedder(model, { threads: 1 });
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it('recognises most people 10 frames (1.4 s) later among everyone in view', async () => {
    const a = people(100);
    const b = people(110);
    const ids = [...a.keys()].filter((id) => b.has(id));
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const ea = await embedder.embed(decode(100), SOURCE, ids.map((id) => a.get(id) as Box));
    const eb = await embedder.embed(decode(110), SOURCE, ids.map((id) => b.get(id) as Box));
    expect(ea).toHaveLength(ids.length);
    for (const e of [...ea, ...eb]) {
      expect(e).toHaveLength(256);
      expect(dot(e, e)).toBeCloseTo(1, 4);
    }
    let correct = 0;
    ids.forEach((_, i) => {
      const sims = eb.map((e) => dot(ea[i], e));
      if (sims.indexOf(Math.max(...sims)) === i) correct++;
    });
    expect(correct / ids.length).toBeGreaterThanOrEqual(0.75);
  });

  it('gives nearly the same embedding from a half-size decoded frame (boxes stay in source pixels)', async () => {
    const p = people(200);
    const boxes = [...p.values()].slice(0, 3);
    const full = await embedder.embed(decode(200), SOURCE, boxes);
    const half = await embedder.embed(decode(200, 384, 288), SOURCE, boxes);
    full.forEach((e, i) => expect(dot(e, half[i])).toBeGreaterThan(0.85));
  });

  it('returns nothing for no boxes', async () => {
    expect(await embedder.embed(decode(1), SOURCE, [])).toEqual([]);
  });
});
