/**
 * Colours on real crowds: the ground-truth tracks of the shared MOT sequences (real positions and real crowding, no
 * tracker involved), as GetPersonTracking samples. Persons on screen together never share a colour, and persons
 * close together differ by ΔE2000 ≥ 15, and no more close pairs fall under 25 than with colours by Index alone
 * (PETS09-S2L1: 6 of 77 close pairs by Index, none assigned).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assignColours, colourForIndex, deltaE, DISTINCT, DISTINCT_NEAR, NEAR_DISTANCE, type Rgb } from '../../containers/tracker/src/render/colors.js';
import { openInput } from '../../containers/tracker/src/render/input.js';
import { buildSamples, type Samples } from '../../containers/tracker/src/render/timeline.js';
import type { PersonDetection } from '../../core/types.js';
import { DATA, describeWithData } from './engine-data.js';

const SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'];

async function groundTruth(name: string): Promise<Samples> {
  const dir = join(DATA, 'mot', name);
  const { width: W, height: H, fps } = await openInput(dir); // seqinfo.ini, or the first image's size
  const persons: PersonDetection[] = readFileSync(join(dir, 'gt', 'gt.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number))
    .filter((r) => r[6] !== 0) // MOT17-style rows marked "ignore" are not persons
    .map((r) => ({ Timestamp: Math.floor(((r[0] - 1) * 1000) / fps), Person: { Index: r[1] - 1, BoundingBox: { Left: r[2] / W, Top: r[3] / H, Width: r[4] / W, Height: r[5] / H } } }));
  return buildSamples(persons);
}

/** Over all pairs of persons seen at the same sample: how many share a colour, and the colour differences of close ones. */
function measure(s: Samples, colour: (index: number) => Rgb): { pairs: number; same: number; close: number; closeBelowNear: number; closestClose: number } {
  const seen = new Map<string, { close: boolean; dE: number }>();
  for (let a = 0; a < s.count; a++) {
    for (let b = a + 1; b < s.count && s.ts[b] === s.ts[a]; b++) {
      const key = `${s.index[a]},${s.index[b]}`;
      const [al, at, aw, ah] = s.box.subarray(4 * a, 4 * a + 4);
      const [bl, bt, bw, bh] = s.box.subarray(4 * b, 4 * b + 4);
      const close = Math.hypot(al + aw / 2 - bl - bw / 2, at + ah / 2 - bt - bh / 2) / Math.max(aw, ah, bw, bh) <= NEAR_DISTANCE;
      const prev = seen.get(key);
      if (!prev) seen.set(key, { close, dE: deltaE(colour(s.index[a]), colour(s.index[b])) });
      else prev.close ||= close;
    }
  }
  const all = [...seen.values()];
  const close = all.filter((p) => p.close);
  return {
    pairs: all.length,
    same: all.filter((p) => p.dE < DISTINCT).length,
    close: close.length,
    closeBelowNear: close.filter((p) => p.dE < DISTINCT_NEAR).length,
    closestClose: Math.min(...close.map((p) => p.dE)),
  };
}

describeWithData(...SEQUENCES.flatMap((n) => [join(DATA, 'mot', n, 'gt', 'gt.txt'), join(DATA, 'mot', n, 'img1')]))('render colours on real crowds', () => {
  it.each(SEQUENCES)('%s: no two persons on screen together share a colour', async (name) => {
    const s = await groundTruth(name);
    const colours = assignColours(s);
    const assigned = measure(s, (i) => colours.get(i)!);
    const byIndex = measure(s, colourForIndex);
    process.stderr.write(`${name}: ${JSON.stringify({ byIndex, assigned })}\n`);
    expect(assigned.close).toBeGreaterThan(10);
    expect(assigned.same).toBe(0);
    expect(assigned.closestClose).toBeGreaterThanOrEqual(DISTINCT);
    expect(assigned.closeBelowNear).toBeLessThanOrEqual(byIndex.closeBelowNear);
    // and the same colours in a second run
    expect(assignColours(await groundTruth(name))).toEqual(colours);
  });
});
