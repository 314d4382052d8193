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

describe('re-ID options', () => {
  it('turns appearance on unless PEOPLE_PATHING_APPEARANCE says off', () => {
    expect(appearanceByDefault({})).toBe(true);
    expect(appearanceByDefault({ PEOPLE_PATHING_APPEARANCE: 'auto' })).toBe(true);
    expect(appearanceByDefault({ PEOPLE_PATHING_APPEARANCE: 'on' })).toBe(true);
    expect(appearanceByDefault({ PEOPLE_PATHING_APPEARANCE: 'off' })).toBe(false);
    expect(appearanceByDefault({ PEOPLE_PATHING_APPEARANCE: 'OFF' })).toBe(false);
  });

  it('finds the default model in the models folder, an explicit one by env, and nothing when absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reid-'));
    expect(await resolveReidModel(dir, {})).toBeUndefined();
    expect(await resolveReidModel(undefined, { PEOPLE_PATHING_MODELS_DIR: dir })).toBeUndefined();
    writeFileSync(join(dir, DEFAULT_REID_MODEL_FILE), 'x');
    expect(await resolveReidModel(dir, {})).toBe(join(dir, DEFAULT_REID_MODEL_FILE));
    expect(await resolveReidModel(undefined, { PEOPLE_PATHING_MODELS_DIR: dir })).toBe(join(dir, DEFAULT_REID_MODEL_FILE));
    const other = join(dir, 'other.onnx');
    expect(await resolveReidModel(dir, { PEOPLE_PATHING_REID_MODEL: other })).toBeUndefined();
    writeFileSync(other, 'x');
    expect(await resolveReidModel(dir, { PEOPLE_PATHING_REID_MODEL: other })).toBe(other);
  });

  it('knows the 0288 model spreads its distances about a third as far as 0287', () => {
    expect(reidDistanceScale('/m/person-reidentification-retail-0287.onnx')).toBe(1);
    expect(reidDistanceScale('/m/person-reidentification-retail-0288.onnx')).toBeCloseTo(0.36, 2);
    expect(reidDistanceScale('/m/unknown.onnx')).toBe(1);
  });
});
