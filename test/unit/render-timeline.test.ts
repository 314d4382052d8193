import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSamples, loadResults, pathsOf, Timeline } from '../../containers/tracker/src/render/timeline.js';
import { colourForIndex } from '../../containers/tracker/src/render/colors.js';
import type { PersonDetection } from '../../core/types.js';

const det = (ts: number, index: number, left: number, top = 0.5): PersonDetection => ({
  Timestamp: ts,
  Person: { Index: index, BoundingBox: { Left: left, Top: top, Width: 0.1, Height: 0.2 } },
});

describe('render timeline', () => {
  // person 0 walks right every 100 ms for 3 s; person 1 appears at 1 s and leaves at 1.5 s
  const records: PersonDetection[] = [];
  for (let t = 0; t <= 3000; t += 100) records.push(det(t, 0, t / 10000));
  for (let t = 1000; t <= 1500; t += 100) records.push(det(t, 1, 0.8));
  // given in INDEX order, as `get --sort-by INDEX` writes it
  const samples = buildSamples([...records].sort((a, b) => a.Person!.Index! - b.Person!.Index!));

  it('finds the sampling step and orders samples by time', () => {
    expect(samples.stepMs).toBe(100);
    expect(samples.count).toBe(records.length);
    for (let i = 1; i < samples.count; i++) expect(samples.ts[i]).toBeGreaterThanOrEqual(samples.ts[i - 1]);
  });

  it('interpolates a box between two samples and keeps two seconds of trail', () => {
    const tl = new Timeline(samples, 1000, 100, 2000, 40);
    let at = tl.at(0);
    for (let t = 40; t <= 2550; t += 40) at = tl.at(t);
    at = tl.at(2550);
    const p0 = at.find((p) => p.index === 0)!;
    // left at 2550 ms is 0.255 of the width (between the 2500 and 2600 samples)
    expect(p0.box[0]).toBeCloseTo(255, 0);
    // trail: foot points from (2550−2000) ms on, ending at the current foot point
    const xs = p0.trail.filter((_, k) => k % 2 === 0);
    expect(xs[0]).toBeCloseTo((0.06 + 0.05) * 1000, 3); // the 600 ms sample is the oldest one kept
    expect(xs[xs.length - 1]).toBeCloseTo(p0.box[0] + 50, 3);
    expect(p0.trail[1]).toBeCloseTo(70, 3); // feet at top + height = 0.7 of 100 px
  });

  it('drops a person shortly after its last sample', () => {
    const tl = new Timeline(samples, 1000, 100, 2000, 40);
    expect(tl.at(1200).map((p) => p.index)).toEqual([0, 1]);
    expect(tl.at(1560).map((p) => p.index)).toEqual([0, 1]); // within 1.5 steps of the 1500 sample
    expect(tl.at(1700).map((p) => p.index)).toEqual([0]);
    expect(tl.at(3200).map((p) => p.index)).toEqual([]);
  });

  it('reports each whole path with first and last seen', () => {
    const paths = pathsOf(samples, 1000, 100);
    expect(paths.get(0)!.first).toBe(0);
    expect(paths.get(0)!.last).toBe(3000);
    expect(paths.get(1)!.points).toHaveLength(1);
    expect(paths.get(1)!.points[0]).toHaveLength(2 * 6);
  });

  it('gives each Index its own stable colour', () => {
    expect(colourForIndex(3)).toEqual(colourForIndex(3));
    const colours = new Set(Array.from({ length: 12 }, (_, i) => colourForIndex(i).join(',')));
    expect(colours.size).toBe(12);
  });
});

describe('loading results', () => {
  it('reads a large file line by line to the same samples as a whole parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pp-timeline-'));
    try {
      const persons = [det(200, 1, 0.3), det(0, 0, 0.1), det(0, 1, 0.2), det(200, 0, 0.15)];
      // the layout `track` and `get` write: header line, then one detection per line
      const text = `{"JobStatus":"SUCCEEDED","VideoMetadata":{"FrameRate":25},"Persons":[${persons.map((p, k) => (k ? ',\n' : '\n') + JSON.stringify(p)).join('')}\n]}\n`;
      const file = join(dir, 'results.json');
      await writeFile(file, text);
      const whole = await loadResults(file);
      const streamed = await loadResults(file, 0);
      expect(streamed).toEqual(whole);
      expect(Array.from(whole.ts)).toEqual([0, 0, 200, 200]);
      expect(Array.from(whole.index)).toEqual([0, 1, 0, 1]);
      await writeFile(join(dir, 'pretty.json'), JSON.stringify({ Persons: persons }, null, 2));
      await expect(loadResults(join(dir, 'pretty.json'), 0)).rejects.toThrow(/one-detection-per-line/);
      expect((await loadResults(join(dir, 'pretty.json'))).count).toBe(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
