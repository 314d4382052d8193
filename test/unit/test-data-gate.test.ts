/** What a data-needing integration suite does when the shared test data is not there (test/integration/engine-data.ts). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataGate } from '../integration/engine-data.js';

describe('test data gate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pp-gate-'));
  const present = join(dir, 'here.onnx');
  writeFileSync(present, 'x');
  const missing = join(dir, 'videos', 'gone.mp4');

  it('runs the suite when every file is there', () => {
    expect(dataGate([present], {})).toEqual({ action: 'run' });
  });

  it('skips with one line naming the missing file and PEOPLE_PATHING_DATA_DIR', () => {
    const gate = dataGate([present, missing, join(dir, 'also-gone')], {});
    expect(gate.action).toBe('skip');
    const line = (gate as { line: string }).line;
    expect(line).toContain(missing);
    expect(line).toContain('(and 1 more)');
    expect(line).toContain('PEOPLE_PATHING_DATA_DIR');
    expect(line).not.toContain('\n');
  });

  it('fails instead of skipping with CI=true, so CI cannot pass by skipping', () => {
    expect(() => dataGate([missing], { CI: 'true' })).toThrow(/test data missing: .*gone\.mp4.*CI=true/);
    expect(dataGate([present], { CI: 'true' })).toEqual({ action: 'run' });
  });
});
