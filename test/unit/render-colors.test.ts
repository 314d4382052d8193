/**
 * Render colours: "distinct" is measured in CIEDE2000 (ΔE2000; about 2 is a just-noticeable difference side by side,
 * above 20 two colours are different colour names). Indexes within 4 of each other get colours at least
 * DISTINCT_NEAR (25) apart, any two of 24 consecutive Indexes at least DISTINCT (15) apart; persons on screen together
 * never share a colour when the palette allows it, and close ones are DISTINCT_NEAR apart where the crowd allows it.
 */
import { oklch } from 'culori';
import { buildSamples } from '../../containers/tracker/src/render/timeline.js';
import { assignColours, colourForIndex, deltaE, DISTINCT, DISTINCT_NEAR, NEAR_DISTANCE, PALETTE } from '../../containers/tracker/src/render/colors.js';
import type { PersonDetection } from '../../core/types.js';

const det = (ts: number, index: number, left: number, top: number, w = 0.04, h = 0.1): PersonDetection => ({
  Timestamp: ts,
  Person: { Index: index, BoundingBox: { Left: left, Top: top, Width: w, Height: h } },
});

describe('render colours by Index', () => {
  it('keeps Indexes close in number far apart in colour', () => {
    let minWithin4 = Infinity;
    let minWithin23 = Infinity;
    for (let i = 0; i < 300; i++) {
      for (let d = 1; d < PALETTE.length; d++) {
        const dE = deltaE(colourForIndex(i), colourForIndex(i + d));
        if (d <= 4) minWithin4 = Math.min(minWithin4, dE);
        minWithin23 = Math.min(minWithin23, dE);
      }
    }
    expect(PALETTE.length).toBeGreaterThanOrEqual(20);
    expect(minWithin4).toBeGreaterThanOrEqual(DISTINCT_NEAR);
    expect(minWithin23).toBeGreaterThanOrEqual(DISTINCT);
    // the pairs of the report: 2 and 10 were both green, 0 and 8 both orange
    expect(deltaE(colourForIndex(2), colourForIndex(10))).toBeGreaterThanOrEqual(DISTINCT);
    expect(deltaE(colourForIndex(0), colourForIndex(8))).toBeGreaterThanOrEqual(DISTINCT);
  });

  it('keeps colours bright and saturated enough to read on video', () => {
    for (const [r, g, b] of PALETTE) {
      const { l, c } = oklch(`rgb(${r},${g},${b})`)!;
      expect(l).toBeGreaterThanOrEqual(0.54); // OKLCH lightness: nothing dark
      expect(c).toBeGreaterThanOrEqual(0.099); // and chroma: no greys
    }
  });
});

describe('assignColours', () => {
  // A crowd of 20 whose preferred colours collide: Indexes 24 apart share a palette entry (0, 24, 48, 72, 1, 25, …).
  const indexes = Array.from({ length: 20 }, (_, k) => (k % 4) * PALETTE.length + Math.floor(k / 4));
  const crowd: PersonDetection[] = [];
  for (let t = 0; t <= 1000; t += 100) {
    indexes.forEach((idx, k) => crowd.push(det(t, idx, 0.3 + 0.05 * (k % 5) + t / 1e5, 0.3 + 0.11 * Math.floor(k / 5))));
  }

  function clashes(colour: (i: number) => number[]): { same: number; closeBelow: number; closePairs: number } {
    let same = 0;
    let closeBelow = 0;
    let closePairs = 0;
    for (let a = 0; a < indexes.length; a++) {
      for (let b = a + 1; b < indexes.length; b++) {
        const dE = deltaE(colour(indexes[a]) as [number, number, number], colour(indexes[b]) as [number, number, number]);
        const [pa, pb] = [a, b].map((k) => [0.3 + 0.05 * (k % 5) + 0.02, 0.3 + 0.11 * Math.floor(k / 5) + 0.05]);
        const close = Math.hypot(pa[0] - pb[0], pa[1] - pb[1]) / 0.1 <= NEAR_DISTANCE;
        if (dE < DISTINCT) same++;
        if (close) closePairs++;
        if (close && dE < DISTINCT_NEAR) closeBelow++;
      }
    }
    return { same, closeBelow, closePairs };
  }

  it('gives persons on screen together distinct colours, and nearly all close ones very distinct', () => {
    const colours = assignColours(buildSamples(crowd));
    expect(colours.size).toBe(20);
    // by Index alone, the crowd is full of identical colours
    expect(clashes(colourForIndex).same).toBeGreaterThanOrEqual(20);
    const assigned = clashes((i) => colours.get(i)!);
    expect(assigned.closePairs).toBeGreaterThan(50);
    expect(assigned.same).toBe(0);
    // a dense crowd cannot have every close pair 25 apart with 24 colours; nearly all are
    expect(assigned.closeBelow).toBeLessThanOrEqual(assigned.closePairs / 10);
    expect(clashes(colourForIndex).closeBelow).toBeGreaterThan(assigned.closePairs / 10);
  });

  it('is stable: one colour per Index, the same whatever the order of the results', () => {
    const a = assignColours(buildSamples(crowd));
    const b = assignColours(buildSamples([...crowd].reverse()));
    expect([...b].sort((x, y) => x[0] - y[0])).toEqual([...a].sort((x, y) => x[0] - y[0]));
  });

  it('keeps the preferred colour when nobody on screen clashes with it', () => {
    // 0 leaves before 24 (same palette entry) arrives: both keep their own colour
    const s = buildSamples([det(0, 0, 0.1, 0.1), det(100, 0, 0.1, 0.1), det(200, 24, 0.1, 0.1), det(200, 3, 0.12, 0.1)]);
    const colours = assignColours(s);
    expect(colours.get(0)).toEqual(colourForIndex(0));
    expect(colours.get(24)).toEqual(colourForIndex(24));
    expect(colours.get(3)).toEqual(colourForIndex(3));
  });
});
