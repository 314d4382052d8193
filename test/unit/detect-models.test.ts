/** Which detector model the engine loads: --model, then the production image's env, then the models folder, then the cache. */
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_FILE, resolveModel } from '../../containers/tracker/src/detect/models.js';
import { engineSettings } from '../../containers/tracker/src/settings.js';
import { CATALOGUE, DEFAULT_MODEL_NAMES, findModel } from '../../containers/tracker/src/models/catalogue.js';

/** A 127.0.0.1 port nothing listens on (a mirror that refuses connections). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('model resolution', () => {
  let dir: string;
  let offline: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-models-'));
    await mkdir(join(dir, 'models'));
    await mkdir(join(dir, 'cache'));
    await writeFile(join(dir, 'models', DEFAULT_MODEL_FILE), 'x');
    await writeFile(join(dir, 'prod.onnx'), 'x');
    await writeFile(join(dir, 'mine.onnx'), 'x');
    offline = { XDG_CACHE_HOME: join(dir, 'cache'), PEOPLE_PATHING_MODELS_URL: `http://127.0.0.1:${await closedPort()}` };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses --model over everything, and a folder given as --model holds the default file', async () => {
    const env = { ...offline, PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'nanodet' };
    expect(await resolveModel({ modelPath: join(dir, 'mine.onnx') }, engineSettings(env))).toEqual({ path: join(dir, 'mine.onnx') });
    expect((await resolveModel({ modelPath: join(dir, 'models') }, engineSettings(env))).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
  });

  it("honours the production image's PEOPLE_PATHING_MODEL and _KIND", async () => {
    const env = { ...offline, PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'nanodet', PEOPLE_PATHING_MODELS_DIR: join(dir, 'models') };
    expect(await resolveModel({}, engineSettings(env))).toEqual({ path: join(dir, 'prod.onnx'), kind: 'nanodet' });
  });

  it('takes the default model from --models-dir or PEOPLE_PATHING_MODELS_DIR', async () => {
    expect((await resolveModel({ modelsDir: join(dir, 'models') }, engineSettings(offline))).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
    expect((await resolveModel({}, engineSettings({ ...offline, PEOPLE_PATHING_MODELS_DIR: join(dir, 'models') }))).path).toBe(join(dir, 'models', DEFAULT_MODEL_FILE));
  });

  it('never looks in the test data: with only PEOPLE_PATHING_DATA_DIR set it goes to the model cache', async () => {
    await expect(resolveModel({}, engineSettings({ ...offline, PEOPLE_PATHING_DATA_DIR: dir }))).rejects.toThrow(/people-pathing models fetch --from DIR/);
    expect(await readdir(join(dir, 'cache', 'people-pathing', 'models'))).toEqual([]);
  });

  it('says how to fix a missing model or an unknown kind', async () => {
    await expect(resolveModel({}, engineSettings({ ...offline, PEOPLE_PATHING_MODELS_DIR: join(dir, 'nowhere') }))).rejects.toThrow(/detector model not found.*--model PATH/);
    expect(() => engineSettings({ ...offline, PEOPLE_PATHING_MODEL: join(dir, 'prod.onnx'), PEOPLE_PATHING_MODEL_KIND: 'yolo9000' })).toThrow(/unknown model kind/);
  });
});

describe('model catalogue', () => {
  it('pins every model by size, sha256 and a commit- or release-pinned https URL, with a licence and a purpose', () => {
    for (const m of CATALOGUE) {
      expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.bytes).toBeGreaterThan(100_000);
      expect(m.licence).toMatch(/^(Apache-2\.0|MIT)$/);
      expect(m.purpose.length).toBeGreaterThan(10);
      expect(m.file).toBe(`${m.name}.onnx`);
      expect(m.urls.length).toBeGreaterThan(0);
      for (const url of m.urls) expect(url).toMatch(/^https:\/\/(raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\/|github\.com\/[^/]+\/[^/]+\/releases\/download\/)/);
    }
    expect(new Set(CATALOGUE.map((m) => m.name)).size).toBe(CATALOGUE.length);
  });

  it('has a default for each role, the CPU default detector being the shared test data\'s YOLOX-nano and the GPU one YOLOX-S', () => {
    expect(findModel(DEFAULT_MODEL_NAMES.detector)?.file).toBe('yolox_nano_416x416.onnx');
    expect(findModel(DEFAULT_MODEL_NAMES.gpuDetector)).toMatchObject({ role: 'detector', kind: 'yolox', file: 'yolox_s.onnx' });
    expect(findModel(DEFAULT_MODEL_NAMES.reid)?.role).toBe('reid');
    expect(findModel(DEFAULT_MODEL_NAMES.faces)?.role).toBe('faces');
  });
});
