/**
 * The count evaluation's visit-by-visit dwell (scripts/counts/evaluate.ts): a measured visit is paired with the
 * reference visit of the person its boxes follow, so a zone's median can be told apart from the visits under it.
 */
import { analyse, type PersonSample, type ZoneFile } from '../../core/analytics/index.js';
import { compare, identityByOverlap, overlapTakes, pool, sameIndex, withinDwell, type Comparison } from '../../scripts/counts/evaluate.js';

const STEP = 100; // ms between samples
const ZONES: ZoneFile = { lines: [], zones: [{ name: 'box', points: [[0.4, 0], [0.6, 0], [0.6, 1], [0.4, 1]] }] };

/** A person walking left to right along y = 0.5 (box bottom-centre at x), one sample per STEP from t0. */
function walk(index: number, t0: number, xs: number[], dx = 0): PersonSample[] {
  return xs.map((x, k) => ({ Timestamp: t0 + k * STEP, Index: index, BoundingBox: { Left: x + dx - 0.02, Top: 0.3, Width: 0.04, Height: 0.2 } }));
}
const steps = (from: number, to: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + ((to - from) * k) / (n - 1));

describe('count evaluation: dwell visit by visit', () => {
  const reference = [...walk(1, 1000, steps(0.1, 0.9, 41)), ...walk(2, 1000, steps(0.9, 0.1, 41))];

  it('pairs each of our visits with the reference person its boxes follow, whatever our Index, and measures the length difference', () => {
    // Ours: the same two people under other Indexes; person 1's boxes slightly ahead, so its visit is one sample shorter.
    const ours = [...walk(7, 1000, steps(0.1, 0.9, 41), 0.012), ...walk(9, 1000, steps(0.9, 0.1, 41))];
    const ref = analyse(reference, ZONES, { raw: true, aspectRatio: 1 });
    const mine = analyse(ours, ZONES, { raw: true, aspectRatio: 1 });
    const c = compare(ref, mine, identityByOverlap(reference, ours));
    expect(c.visitDwell.reference).toBe(2);
    expect(c.visitDwell.pairs.length).toBe(2);
    const lengths = ref.Zones[0].VisitList.map((v) => v.ExitTimestamp - v.EnterTimestamp);
    expect(c.visitDwell.pairs.map((p) => p.difference).sort((a, b) => a - b)).toEqual([-STEP, 0]);
    expect(c.visitDwell.pairs.map((p) => p.reference).sort()).toEqual(lengths.sort());
    const p = pool([c]);
    expect(p.visitDwell).toMatchObject({ reference: 2, paired: 2, medianAbsMillis: STEP, withinTarget: 2 });
  });

  it('gives a box two reference persons overlap to the one it overlaps more', () => {
    // Reference persons 1 and 2 side by side, ours a box over both but closer to 1 (listed first): it follows 1 only.
    const refs = [...walk(1, 0, [0.5, 0.5, 0.5]), ...walk(2, 0, [0.51, 0.51, 0.51])];
    const ours = walk(5, 0, [0.503, 0.503, 0.503]);
    expect(identityByOverlap(refs, ours)(5, 0, 2 * STEP)).toBe(1);
    expect(overlapTakes(refs, ours).get(STEP)).toEqual(new Map([[5, 1]]));
  });

  it('does not pair a visit whose boxes follow someone else, nor visits of the same person that do not overlap in time', () => {
    // Our Index 7 sits on reference person 2's boxes: its visit must not be taken as person 1's.
    const ours = walk(7, 1000, steps(0.9, 0.1, 41));
    const ref = analyse(reference, ZONES, { raw: true, aspectRatio: 1 });
    const c = compare(ref, analyse(ours, ZONES, { raw: true, aspectRatio: 1 }), (index, from, to) => (index === 7 ? identityByOverlap(reference, ours)(index, from, to) : undefined));
    expect(c.visitDwell.pairs.length).toBe(1);
    expect(c.visitDwell.pairs[0].difference).toBe(0);
    // The same person, later: no overlap in time with the reference visit.
    const later = walk(1, 9000, steps(0.1, 0.9, 41));
    const c2 = compare(ref, analyse(later, ZONES, { raw: true, aspectRatio: 1 }), sameIndex);
    expect(c2.visitDwell.pairs.length).toBe(0);
  });

  it('counts a zone within 10 % on whole milliseconds as it would on exact times, and a median of 0 ms only when ours is 0 too', () => {
    // 7 fps: 20 intervals are 2857.14 ms, 22 are 3142.86 ms, exactly 10 % more; stored as 2857 and 3143.
    expect(withinDwell(2857, 3143)).toBe(true);
    expect(withinDwell(2857, 3145)).toBe(false);
    expect(withinDwell(0, 0)).toBe(true);
    expect(withinDwell(0, 143)).toBe(false);
    const zone = (reference: number, measured: number): Comparison => {
      const c = compare(analyse([], ZONES, { raw: true }), analyse([], ZONES, { raw: true }), sameIndex);
      return { ...c, medianDwell: [{ zone: 'box', visits: 5, reference, measured, error: reference > 0 ? Math.abs(measured - reference) / reference : 0 }] };
    };
    const within = (cs: Comparison[]): [number, number] => [pool(cs).medianDwellWithinMin5, pool(cs).medianDwellZonesMin5];
    expect(within([zone(2857, 3143), zone(1000, 1200)])).toEqual([1, 2]);
    expect(within([zone(0, 143)])).toEqual([0, 1]);
  });
});
