/**
 * Which execution provider a job runs on, and that it says so (issue: no silent CUDA→CPU fallback). This machine has
 * no GPU, which is exactly the case under test: with PEOPLE_PATHING_REQUIRE_GPU=1 (set in the GPU image) the models
 * do not open, with a clear message, unless PEOPLE_PATHING_ALLOW_CPU=1; and every job logs provider, hwaccel, model.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDetector, createEngineProcessor, gpuPresent } from '../../containers/tracker/src/index.js';
import { DATA, YOLOX } from './engine-data.js';

const saved = { require: process.env.PEOPLE_PATHING_REQUIRE_GPU, allow: process.env.PEOPLE_PATHING_ALLOW_CPU };
const setEnv = (require?: string, allow?: string): void => {
  for (const [k, v] of [['PEOPLE_PATHING_REQUIRE_GPU', require], ['PEOPLE_PATHING_ALLOW_CPU', allow]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
};
afterEach(() => setEnv(saved.require, saved.allow));

const onCpuMachine = !gpuPresent();
const itCpu = onCpuMachine ? it : it.skip;

describe('execution provider', () => {
  itCpu('with the GPU required and none present, the detector does not open (no silent CPU run)', async () => {
    setEnv('1', undefined);
    await expect(createDetector({ path: YOLOX, thread: 'inline' })).rejects.toMatchObject({
      code: 'MODEL',
      message: expect.stringMatching(/no GPU is visible to this container and PEOPLE_PATHING_REQUIRE_GPU=1; .*PEOPLE_PATHING_ALLOW_CPU=1/),
    });
  });

  itCpu('PEOPLE_PATHING_ALLOW_CPU=1 allows the CPU explicitly', async () => {
    setEnv('1', '1');
    const detector = await createDetector({ path: YOLOX, thread: 'inline' });
    try {
      expect(detector.executionProvider).toBe('cpu');
    } finally {
      await detector.close();
    }
  });

  it('a job logs the execution provider, hwaccel and model it ran on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pp-provider-'));
    const processor = createEngineProcessor({ modelPath: YOLOX, faces: false, appearance: false, hwaccel: 'none' });
    const logs: Array<{ event: string; fields: Record<string, unknown> }> = [];
    try {
      await processor.process({
        jobId: 'job-provider',
        videoPath: join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4'),
        resultsDir: join(dir, 'r'),
        log: (event, fields) => logs.push({ event, fields }),
      });
    } finally {
      await processor.close?.();
      await rm(dir, { recursive: true, force: true });
    }
    expect(logs).toEqual([
      {
        event: 'engine',
        // With a GPU, whichever provider opened (CUDA, or the CPU when its provider is not installed) is what is logged.
        fields: { executionProvider: onCpuMachine ? 'cpu' : expect.stringMatching(/^(cuda|cpu)$/), hwaccel: 'none', model: 'yolox_nano_416x416.onnx (yolox 416x416)', appearance: false, faces: false },
      },
    ]);
  });
});
