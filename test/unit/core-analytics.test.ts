/**
 * The analytics module on hand-made tracks whose crossings, visits and dwell are known by construction.
 */
import { analyse, FootfallAnalyser, heatmapGrid, LiveCounter, parseZoneFile, ZoneFileError, type PersonSample, type ZoneFile } from '../../core/analytics/index.js';

const H = 0.2; // box height (ratio)
/** A sample whose bottom-centre anchor is at (x, y). */
const at = (Index: number, Timestamp: number, x: number, y: number): PersonSample => ({
  Index,
  Timestamp,
  BoundingBox: { Left: x - 0.05, Top: y - H, Width: 0.1, Height: H },
});
/** A straight walk from (x0,y0) to (x1,y1) in `n` samples, 40 ms apart, starting at t0. */
function walk(Index: number, t0: number, x0: number, y0: number, x1: number, y1: number, n: number): PersonSample[] {
  return Array.from({ length: n }, (_, i) => at(Index, t0 + 40 * i, x0 + ((x1 - x0) * i) / (n - 1), y0 + ((y1 - y0) * i) / (n - 1)));
}
const byTime = (s: PersonSample[]): PersonSample[] => [...s].sort((a, b) => a.Timestamp - b.Timestamp || a.Index - b.Index);
const byIndex = (s: PersonSample[]): PersonSample[] => [...s].sort((a, b) => a.Index - b.Index || a.Timestamp - b.Timestamp);

// A horizontal door line at y = 0.5 from x 0.2 to 0.8, A→B left to right: moving down (y grows) is side +1 → IN.
const ZONES: ZoneFile = {
  lines: [{ name: 'door', points: [[0.2, 0.5], [0.8, 0.5]] }],
  zones: [{ name: 'queue', points: [[0.1, 0.6], [0.5, 0.6], [0.5, 0.9], [0.1, 0.9]] }],
};

describe('parseZoneFile', () => {
  it('accepts the issue\'s example and names the bad field otherwise', () => {
    expect(parseZoneFile({ lines: [{ name: 'door', points: [[0, 0.5], [1, 0.5]] }], zones: [{ name: 'q', points: [[0, 0], [1, 0], [1, 1]] }] }).zones).toHaveLength(1);
    const bad: [unknown, string][] = [
      [[], '(top level)'],
      [{ lines: [{ name: 'a', points: [[0, 0], [1, 1]] }], zones: [{ name: 'b', points: [[0, 0], [1, 0]] }] }, 'zones[0].points'],
      [{ zones: [{ name: 'a', points: [[0, 0], [1, 0], [1, 1]] }, { name: 'b', points: [[0, 0], [1, 0], [0.5, 'x']] }] }, 'zones[1].points[2]'],
      [{ lines: [{ name: 'a', points: [[0, 0], [1.5, 1]] }] }, 'lines[0].points[1]'],
      [{ lines: [{ name: '', points: [[0, 0], [1, 1]] }] }, 'lines[0].name'],
      [{ lines: [{ name: 'a', points: [[0, 0], [1, 1]] }], zones: [{ name: 'a', points: [[0, 0], [1, 0], [1, 1]] }] }, 'zones[0].name'],
      [{ lines: [], zones: [] }, 'lines'],
      [{ lines: [], polygons: [] }, 'polygons'],
    ];
    for (const [value, field] of bad) {
      let err: unknown;
      try {
        parseZoneFile(value);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ZoneFileError);
      expect((err as ZoneFileError).field).toBe(field);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});

describe('the raw rule', () => {
  it('counts IN going down through the segment, OUT coming back, nothing past the segment\'s end', () => {
    const samples = [
      ...walk(1, 0, 0.5, 0.3, 0.5, 0.7, 21), // IN at the sample where y first exceeds 0.5
      ...walk(2, 0, 0.4, 0.8, 0.4, 0.3, 26), // OUT
      ...walk(3, 0, 0.9, 0.3, 0.9, 0.7, 21), // beside the segment: no crossing
    ];
    const a = analyse(samples, ZONES, { raw: true });
    expect(a.Lines[0]).toMatchObject({ In: 1, Out: 1 });
    // y passes 0.5 at sample 10 (on the line: skipped) and is past it at sample 11 (440 ms); person 2 at sample 16 (640 ms)
    expect(a.Lines[0].Crossings).toEqual([
      { Index: 1, Timestamp: 440, Direction: 'IN' },
      { Index: 2, Timestamp: 640, Direction: 'OUT' },
    ]);
  });

  it('counts every jitter across the line; the default rule counts none', () => {
    const jitter = Array.from({ length: 50 }, (_, i) => at(7, i * 40, 0.5, 0.5 + (i % 2 ? 0.004 : -0.004)));
    const raw = analyse(jitter, ZONES, { raw: true });
    expect(raw.Lines[0].In + raw.Lines[0].Out).toBe(49);
    const def = analyse(jitter, ZONES);
    expect(def.Lines[0].In + def.Lines[0].Out).toBe(0);
  });

  it('a visit runs from the first sample inside to the last inside; dwell and occupancy follow', () => {
    // person 1: outside → inside for samples 5..14 → outside; person 2 starts inside and ends inside.
    const p1 = Array.from({ length: 20 }, (_, i) => at(1, i * 100, 0.3, i >= 5 && i < 15 ? 0.7 : 0.3));
    const p2 = Array.from({ length: 5 }, (_, i) => at(2, 800 + i * 100, 0.2, 0.8));
    const a = analyse(byTime([...p1, ...p2]), ZONES, { raw: true });
    const z = a.Zones[0];
    expect(z.VisitList).toEqual([
      { Index: 1, EnterTimestamp: 500, ExitTimestamp: 1400 },
      { Index: 2, EnterTimestamp: 800, ExitTimestamp: 1200 },
    ]);
    expect(z).toMatchObject({ Visits: 2, Persons: 2 });
    expect(z.DwellMillis.Median).toBe(650);
    expect(z.DwellMillis.Mean).toBe(650);
    // occupancy: 1 at 500, 2 at 800, 1 when person 2's track ends (1200 + one sample interval), 0 at 1500
    expect(z.Occupancy).toEqual([
      { Timestamp: 500, Count: 1 },
      { Timestamp: 800, Count: 2 },
      { Timestamp: 1300, Count: 1 },
      { Timestamp: 1500, Count: 0 },
    ]);
  });
});

describe('the default rule', () => {
  it('counts a clean crossing once, and gives the same result for TIMESTAMP and INDEX order', () => {
    const samples = [...walk(1, 0, 0.5, 0.3, 0.5, 0.7, 40), ...walk(2, 200, 0.3, 0.75, 0.6, 0.2, 50), ...walk(3, 100, 0.3, 0.7, 0.4, 0.8, 30)];
    const t = analyse(byTime(samples), ZONES);
    const i = analyse(byIndex(samples), ZONES);
    expect(t).toEqual(i);
    expect(t.Lines[0]).toMatchObject({ In: 1, Out: 1 });
    expect(t.Zones[0].Visits).toBe(2);
  });

  it('joins an identity break: a track that ends and a new Index that starts where it was counts as one visit and keeps its crossing', () => {
    // person 1 walks down to just above the line and vanishes; Index 9 appears there 0.4 s later and walks on into the zone.
    const a1 = walk(1, 0, 0.3, 0.3, 0.3, 0.49, 20);
    const b1 = walk(9, 1160, 0.3, 0.51, 0.3, 0.8, 30);
    const def = analyse(byTime([...a1, ...b1]), ZONES);
    expect(def.Links).toBe(1);
    expect(def.Lines[0]).toMatchObject({ In: 1, Out: 0 });
    const raw = analyse(byTime([...a1, ...b1]), ZONES, { raw: true });
    expect(raw.Lines[0]).toMatchObject({ In: 0, Out: 0 }); // the raw rule misses the crossing across the break
    // the same walk into the zone and out, broken inside the zone: one visit in the default rule, two raw
    const a2 = walk(3, 0, 0.3, 0.55, 0.3, 0.75, 20);
    const b2 = walk(4, 1000, 0.3, 0.76, 0.3, 0.95, 20);
    expect(analyse([...a2, ...b2], ZONES, { raw: true }).Zones[0].Visits).toBe(2);
    const joined = analyse([...a2, ...b2], ZONES);
    expect(joined.Zones[0].VisitList).toHaveLength(1);
    expect(joined.Zones[0].VisitList[0].Index).toBe(3);
    expect(joined.Zones[0].Persons).toBe(1);
  });

  it('puts events in time buckets', () => {
    const samples = [...walk(1, 0, 0.5, 0.3, 0.5, 0.7, 40), ...walk(2, 61_000, 0.5, 0.3, 0.5, 0.7, 40), ...walk(3, 62_000, 0.5, 0.3, 0.5, 0.7, 40)];
    const a = analyse(samples, ZONES, { bucketSeconds: 60 });
    expect(a.Buckets.map((b) => [b.Start, b.End, b.Lines[0].In])).toEqual([
      [0, 60_000, 1],
      [60_000, 120_000, 2],
    ]);
  });

  it('rejects add() after finish()', () => {
    const f = new FootfallAnalyser(ZONES);
    f.finish();
    expect(() => f.add(at(1, 0, 0.5, 0.5))).toThrow();
  });
});

describe('the default rule at the ends of a track, and across impossible moves', () => {
  // The door's margin is 0.025 box heights = 0.005 here: a track that starts or ends closer than that to the line.
  const count = (samples: PersonSample[], raw = false): [number, number] => {
    const l = analyse(samples, ZONES, { raw }).Lines[0];
    return [l.In, l.Out];
  };

  it('counts a crossing by a person first seen just before the line (within the margin) who walks through it', () => {
    expect(count(walk(1, 0, 0.5, 0.498, 0.5, 0.7, 40))).toEqual([1, 0]);
    expect(count(walk(1, 0, 0.5, 0.498, 0.5, 0.7, 40), true)).toEqual([1, 0]);
    // first seen within the margin but walking away from the line: nothing crossed
    expect(count(walk(2, 0, 0.5, 0.498, 0.5, 0.3, 40))).toEqual([0, 0]);
    // first seen within the margin, jittering across it, then walking away on the side it started: nothing
    const jitterThenAway = [
      ...[0.498, 0.502, 0.498, 0.502, 0.498].map((y, i) => at(3, i * 40, 0.5, y)),
      ...walk(3, 200, 0.5, 0.497, 0.5, 0.3, 30),
    ];
    expect(count(jitterThenAway)).toEqual([0, 0]);
  });

  it('counts a crossing by a person last seen just past the line (within the margin)', () => {
    expect(count(walk(1, 0, 0.5, 0.3, 0.5, 0.502, 40))).toEqual([1, 0]);
    expect(count(walk(1, 0, 0.5, 0.7, 0.5, 0.498, 40))).toEqual([0, 1]);
    // ending just before the line: nothing
    expect(count(walk(1, 0, 0.5, 0.3, 0.5, 0.498, 40))).toEqual([0, 0]);
  });

  it('counts a crossing at a joined identity break once, whichever side of the break it falls', () => {
    // person 1 crosses just past the line and vanishes (within the margin); Index 9 appears there and walks on
    const a = walk(1, 0, 0.3, 0.3, 0.3, 0.503, 20);
    const b = walk(9, 1160, 0.3, 0.504, 0.3, 0.8, 30);
    const joined = analyse(byTime([...a, ...b]), ZONES);
    expect(joined.Links).toBe(1);
    expect([joined.Lines[0].In, joined.Lines[0].Out]).toEqual([1, 0]);
    // person 2 stops just before the line (within the margin); Index 8 appears there and crosses
    const c = walk(2, 0, 0.3, 0.3, 0.3, 0.497, 20);
    const d = walk(8, 1160, 0.3, 0.498, 0.3, 0.8, 30);
    const joined2 = analyse(byTime([...c, ...d]), ZONES);
    expect(joined2.Links).toBe(1);
    expect([joined2.Lines[0].In, joined2.Lines[0].Out]).toEqual([1, 0]);
  });

  it('counts no crossing across a jump no person makes (an identity switch), but counts a fast run', () => {
    // 0.15 of the frame (0.75 box heights) in 40 ms, from above the line to below it: an identity switch
    const switched = [...walk(1, 0, 0.3, 0.45, 0.4, 0.45, 20), ...walk(1, 800, 0.4, 0.6, 0.5, 0.6, 20)];
    expect(count(switched, true)).toEqual([1, 0]);
    expect(count(switched)).toEqual([0, 0]);
    // the same path at 4 box heights per second (a run): one crossing
    const run = walk(2, 0, 0.45, 0.45, 0.45, 0.6, 6);
    expect(count(run)).toEqual([1, 0]);
    // the zone state goes on across the jump: a jump within the zone is one visit
    const inZone = [...walk(3, 0, 0.15, 0.62, 0.2, 0.62, 20), ...walk(3, 800, 0.35, 0.85, 0.4, 0.85, 20)];
    expect(analyse(inZone, ZONES).Zones[0].Visits).toBe(1);
  });

  it('marks visits the video cut and leaves them out of the dwell statistics', () => {
    // person 1 is inside from the first frame, person 2 makes a whole visit, person 3 is inside at the last frame;
    // person 4 is seen from the first frame but outside, and enters later: a whole visit.
    const p1 = Array.from({ length: 10 }, (_, i) => at(1, i * 100, 0.3, i < 6 ? 0.7 : 0.3));
    const p2 = Array.from({ length: 20 }, (_, i) => at(2, i * 100, 0.3, i >= 5 && i < 15 ? 0.7 : 0.3));
    const p3 = Array.from({ length: 10 }, (_, i) => at(3, 1000 + i * 100, 0.45, i >= 3 ? 0.7 : 0.3)); // away from where 1 ended: no identity break
    const p4 = Array.from({ length: 12 }, (_, i) => at(4, i * 100, 0.2, i >= 2 && i < 9 ? 0.8 : 0.3));
    for (const raw of [true, false]) {
      const z = analyse(byTime([...p1, ...p2, ...p3, ...p4]), ZONES, { raw }).Zones[0];
      expect(z.Visits).toBe(4);
      const byIndex = new Map(z.VisitList.map((v) => [v.Index, v]));
      expect(byIndex.get(1)?.Censored).toBe('START');
      expect(byIndex.get(2)?.Censored).toBeUndefined();
      expect(byIndex.get(3)?.Censored).toBe('END');
      expect(byIndex.get(4)?.Censored).toBeUndefined();
      // dwell over persons 2 (900 ms) and 4 (600 ms) only
      expect(z.DwellMillis).toEqual({ Median: 750, P90: 870, Mean: 750, Visits: 2 });
    }
  });
});

describe('LiveCounter and heatmap', () => {
  it('gives running counts at increasing times', () => {
    const a = analyse([...walk(1, 0, 0.5, 0.3, 0.5, 0.7, 21), ...walk(2, 1000, 0.5, 0.3, 0.5, 0.7, 21)], ZONES, { raw: true });
    const live = new LiveCounter(a);
    expect(live.at(0).lines[0].in).toBe(0);
    expect(live.at(999).lines[0].in).toBe(1);
    expect(live.at(5000).lines[0].in).toBe(2);
  });

  it('puts the heat where people stood', () => {
    const samples = Array.from({ length: 100 }, (_, i) => at(1, i * 40, 0.25, 0.75));
    const g = heatmapGrid(samples, 40, 20, { sigmaCells: 1 });
    let best = 0;
    for (let i = 1; i < g.length; i++) if (g[i] > g[best]) best = i;
    expect([best % 40, Math.floor(best / 40)]).toEqual([10, 15]);
    expect(g[best]).toBe(1);
  });
});
