/** Which detector model the engine loads: --model, then the production image's env, then the models folder. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_FILE, resolveModel } from '../../containers/tracker/src/detect/models.js';

describe('model resolution', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-models-'));
    await mkdir(join(dir, 'models'));
    await writeFile(join(dir, 'models', DEFAULT_MODEL_FILE), 'x');
    await writeFile(join(dir, 'prod.onnx'), 'x');
    await writeFile(join(dir, 'mine.onnx'), 'x');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses --model over everything, and a folder given as --model holds the default file', () => {
    const env = { PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'nanodet' };
    expect(resolveModel({ modelPath: join(dir, 'mine.onnx') }, env)).toEqual({ path: join(dir, 'mine.onnx') });
    expect(resolveModel({ modelPath: join(dir, 'models') }, env).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
  });

  it("honours the production image's PEOPLE_PATHING_MODEL and _KIND", () => {
    const env = { PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'nanodet', PEOPLE_PATHING_MODELS_DIR: join(dir, 'models') };
    expect(resolveModel({}, env)).toEqual({ path: join(dir, 'prod.onnx'), kind: 'nanodet' });
  });

  it('falls back to the default model in PEOPLE_PATHING_MODELS_DIR, then in PEOPLE_PATHING_DATA_DIR/models', () => {
    expect(resolveModel({}, { PEOPLE_PATHING_MODELS_DIR: join(dir, 'models') }).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
    expect(resolveModel({}, { PEOPLE_PATHING_DATA_DIR: dir }).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
  });

  it('says how to fix a missing model or an unknown kind', () => {
    expect(() => resolveModel({}, { PEOPLE_PATHING_MODELS_DIR: join(dir, 'nowhere') })).toThrow(/--model PATH or set PEOPLE_PATHING_MODELS_DIR/);
    expect(() => resolveModel({}, { PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'yolo9000' })).toThrow(/unknown model kind/);
  });
});
