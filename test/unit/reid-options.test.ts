/** How the engine picks the re-ID model and decides on appearance, without running a model. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appearanceByDefault,
  DEFAULT_REID_MODEL_FILE,
  reidDistanceScale,
  resolveReidModel,
} from '../../containers/tracker/src/reid/index.js';
import { engineSettings, parseSwitch } from '../../containers/tracker/src/settings.js';

describe('re-ID options', () => {
  it('turns appearance on unless PEOPLE_PATHING_APPEARANCE says off', () => {
    expect(appearanceByDefault(engineSettings({}))).toBe(true);
    expect(appearanceByDefault(engineSettings({ PEOPLE_PATHING_APPEARANCE: 'auto' }))).toBe(true);
    expect(appearanceByDefault(engineSettings({ PEOPLE_PATHING_APPEARANCE: 'on' }))).toBe(true);
    expect(appearanceByDefault(engineSettings({ PEOPLE_PATHING_APPEARANCE: 'off' }))).toBe(false);
    expect(appearanceByDefault(engineSettings({ PEOPLE_PATHING_APPEARANCE: 'OFF' }))).toBe(false);
  });

  it('reads every on/off variable with one parser, and refuses a value it cannot read', () => {
    for (const on of ['on', 'ON', '1', 'true', 'yes']) expect(parseSwitch(on, 'X')).toBe('on');
    for (const off of ['off', '0', 'false', 'No']) expect(parseSwitch(off, 'X')).toBe('off');
    for (const auto of [undefined, '', 'auto']) expect(parseSwitch(auto, 'X')).toBe('auto');
    expect(() => engineSettings({ PEOPLE_PATHING_FACES: 'sometimes' })).toThrow("PEOPLE_PATHING_FACES must be on, off or auto (got 'sometimes')");
    expect(engineSettings({ PEOPLE_PATHING_REQUIRE_GPU: '1' }).requireGpu).toBe(true);
    expect(engineSettings({ PEOPLE_PATHING_REQUIRE_GPU: '1', PEOPLE_PATHING_ALLOW_CPU: '1' }).requireGpu).toBe(false);
    expect(engineSettings({ PEOPLE_PATHING_ORT_THREADS: '3' }).ortThreads).toBe(3);
    expect(engineSettings({ PEOPLE_PATHING_FFMPEG: '/opt/ffmpeg' }).ffmpeg).toBe('/opt/ffmpeg');
  });

  it('finds the default model in the models folder, an explicit one by env, and nothing when absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reid-'));
    expect(await resolveReidModel(dir, engineSettings({}))).toBeUndefined();
    expect(await resolveReidModel(undefined, engineSettings({ PEOPLE_PATHING_MODELS_DIR: dir }))).toBeUndefined();
    writeFileSync(join(dir, DEFAULT_REID_MODEL_FILE), 'x');
    expect(await resolveReidModel(dir, engineSettings({}))).toBe(join(dir, DEFAULT_REID_MODEL_FILE));
    expect(await resolveReidModel(undefined, engineSettings({ PEOPLE_PATHING_MODELS_DIR: dir }))).toBe(join(dir, DEFAULT_REID_MODEL_FILE));
    const other = join(dir, 'other.onnx');
    expect(await resolveReidModel(dir, engineSettings({ PEOPLE_PATHING_REID_MODEL: other }))).toBeUndefined();
    writeFileSync(other, 'x');
    expect(await resolveReidModel(dir, engineSettings({ PEOPLE_PATHING_REID_MODEL: other }))).toBe(other);
  });

  it('knows the 0288 model spreads its distances about a third as far as 0287', () => {
    expect(reidDistanceScale('/m/person-reidentification-retail-0287.onnx')).toBe(1);
    expect(reidDistanceScale('/m/person-reidentification-retail-0288.onnx')).toBeCloseTo(0.36, 2);
    expect(reidDistanceScale('/m/unknown.onnx')).toBe(1);
  });
});
