/**
 * The stitcher on synthetic segment outputs: two or three overlapping segments that track the same people with their
 * own Indexes (each numbered from 0), boxes that differ a little between the segments (each ran its own filter), and
 * people who cross a boundary, end or begin in the overlap, or vanish and come back across the cut.
 */
import { matchByMotion, stitchSegments, type SegmentSample, type StitchSegment, type StitchedSample, type TrackFeatures } from '../../core/stitch/index.js';
import type { Box } from '../../containers/tracker/src/track/types.js';

interface Walker {
  id: string;
  /** Frames [from, to) where this person is in view, per segment that sees them (default: always). */
  frames: Array<[number, number]>;
  x0: number;
  vx: number;
  y: number;
  feature: number[];
}

const FPS = 10;

function boxAt(w: Walker, f: number, jitter: number): Box {
  const x = w.x0 + w.vx * f + jitter;
  return [x, w.y + jitter, x + 40, w.y + 100 + jitter];
}

function unit(v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

/**
 * One segment's output over frames [start, end): Indexes in order of first appearance in this segment, like a fresh
 * tracker. `hide` lists walkers this segment does not see (ids) in some frames; `jitter` offsets its boxes.
 */
function segment(
  walkers: Walker[],
  start: number,
  end: number,
  jitter: number,
  hide: Record<string, [number, number]> = {},
  withFeatures = true,
): StitchSegment & { truth: Map<number, string> } {
  const samples: SegmentSample[] = [];
  const local = new Map<string, number>();
  const truth = new Map<number, string>();
  for (let f = start; f < end; f++) {
    const persons = [];
    for (const w of walkers) {
      if (!w.frames.some(([a, b]) => f >= a && f < b)) continue;
      const h = hide[w.id];
      if (h && f >= h[0] && f < h[1]) continue;
      let idx = local.get(w.id);
      if (idx === undefined) {
        idx = local.size;
        local.set(w.id, idx);
        truth.set(idx, w.id);
      }
      persons.push({ index: idx, box: boxAt(w, f, jitter), score: 0.9 });
    }
    persons.sort((a, b) => a.index - b.index);
    samples.push({ timestampMs: Math.floor((f * 1000) / FPS), sourceIndex: f, persons });
  }
  const features = new Map<number, TrackFeatures>();
  if (withFeatures) for (const [idx, id] of truth) {
    const w = walkers.find((x) => x.id === id) as Walker;
    features.set(idx, { first: unit(w.feature), last: unit(w.feature) });
  }
  return {
    startFrame: start,
    truth,
    samples: async function* () {
      yield* samples;
    },
    features: () => Promise.resolve(features),
  };
}

/** Runs the stitcher and collects its samples. */
async function stitch(segs: StitchSegment[]): Promise<{ out: StitchedSample[] }> {
  const out: StitchedSample[] = [];
  await stitchSegments(segs, (s) => {
    out.push(s);
  });
  return { out };
}

const W = (id: string, frames: Array<[number, number]>, x0: number, vx: number, y: number, feature: number[]): Walker => ({
  id,
  frames,
  x0,
  vx,
  y,
  feature,
});

function identities(out: StitchedSample[], walkers: Walker[]): Map<string, Set<number>> {
  const ids = new Map<string, Set<number>>();
  for (const s of out) {
    for (const p of s.persons) {
      const w = walkers.find((x) => Math.abs(boxAt(x, s.sourceIndex, 0)[0] - p.box[0]) <= 2 && Math.abs(boxAt(x, s.sourceIndex, 0)[1] - p.box[1]) <= 2);
      if (!w) throw new Error(`box at frame ${s.sourceIndex} belongs to nobody`);
      const set = ids.get(w.id) ?? new Set<number>();
      set.add(p.index);
      ids.set(w.id, set);
    }
  }
  return ids;
}

function expectWellFormed(out: StitchedSample[], frames: number): void {
  expect(out.map((s) => s.sourceIndex)).toEqual(Array.from({ length: frames }, (_, i) => i));
  const firstSeen: number[] = [];
  for (const s of out) {
    const idx = s.persons.map((p) => p.index);
    expect(new Set(idx).size).toBe(idx.length); // no Index twice in one sample
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    for (const i of idx) if (!firstSeen.includes(i)) firstSeen.push(i);
  }
  // Contiguous, numbered in order of first appearance.
  expect(firstSeen).toEqual(firstSeen.map((_, i) => i));
}

describe('stitchSegments', () => {
  // 40 s at 10 fps; segment A analyses [0, 250), B [200, 400): a 5 s overlap, cut at frame 225.
  const walkers = [
    W('cross', [[0, 400]], 0, 2, 0, [1, 0, 0, 0]),
    W('endsInOverlap', [[100, 220]], 300, -1, 150, [0, 1, 0, 0]),
    W('beginsInOverlap', [[210, 400]], 50, 1, 300, [0, 0, 1, 0]),
    W('late', [[300, 400]], 600, -1, 0, [1, 1, 0, 0]),
    W('early', [[0, 150]], 700, 0.5, 200, [0, 1, 1, 0]),
    // Lost by A before the cut and not found again there; B first sees them after the cut, close by.
    W('comesBack', [[0, 400]], 900, 0.2, 400, [0, 0, 0, 1]),
  ];

  it('gives each person who crosses a boundary one Index, numbered 0..n-1 in order of first appearance', async () => {
    const a = segment(walkers, 0, 250, 0, { comesBack: [215, 250] });
    const b = segment(walkers, 200, 400, 1.5, { comesBack: [200, 240] });
    const { out } = await stitch([a, b]);
    expectWellFormed(out, 400);
    const ids = identities(out, walkers);
    for (const w of walkers) expect([w.id, ids.get(w.id)?.size]).toEqual([w.id, 1]);
    expect(new Set([...ids.values()].flatMap((s) => [...s])).size).toBe(walkers.length);
    // One box per person per sample: before the cut A's boxes (no jitter), from it B's (jittered).
    const cross = (f: number): Box => out[f].persons.find((p) => Math.abs(p.box[0] - 2 * f) <= 2)?.box as Box;
    expect(cross(224)[1]).toBe(0);
    expect(cross(225)[1]).toBe(1.5);
  });

  it('joins a person across the cut by appearance only when the features agree', async () => {
    const a = segment(walkers, 0, 250, 0, { comesBack: [215, 250] });
    const b = segment(walkers, 200, 400, 1.5, { comesBack: [200, 240] });
    const noFeatures = segment(walkers, 200, 400, 1.5, { comesBack: [200, 240] }, false);
    const { out } = await stitch([a, noFeatures]);
    expect(identities(out, walkers).get('comesBack')?.size).toBe(2);
    // The same walk by someone who looks different: not joined.
    const other = walkers.map((w) => (w.id === 'comesBack' ? { ...w, feature: [1, -1, 0, 0] } : w));
    const b2 = segment(other, 200, 400, 1.5, { comesBack: [200, 240] });
    const joined = await stitch([a, b]);
    expect(identities(joined.out, walkers).get('comesBack')?.size).toBe(1);
    const apart = await stitch([a, b2]);
    expect(identities(apart.out, walkers).get('comesBack')?.size).toBe(2);
  });

  it('keeps identities through three segments whose trackers number people differently', async () => {
    // Segment B sees "late" first only because its own numbering starts over; C starts at 300.
    const segs = [segment(walkers, 0, 250, 0), segment(walkers, 200, 350, 1.5), segment(walkers, 300, 400, -1)];
    const { out } = await stitch(segs);
    expectWellFormed(out, 400);
    const ids = identities(out, walkers);
    for (const w of walkers) expect([w.id, ids.get(w.id)?.size]).toEqual([w.id, 1]);
  });

  it('matches two people who walk past each other in the overlap by their whole overlap, not one frame', () => {
    // At frame 225 they coincide; over the overlap, a0 follows b1 and a1 follows b0.
    const frames = (jitter: number, swap: boolean): SegmentSample[] =>
      Array.from({ length: 50 }, (_, k) => {
        const f = 200 + k;
        const left: Box = [f * 2 - 400 + jitter, 0, f * 2 - 360 + jitter, 100];
        const right: Box = [100 - (f * 2 - 400) + jitter, 0, 140 - (f * 2 - 400) + jitter, 100];
        const persons = swap
          ? [{ index: 0, box: right, score: 1 }, { index: 1, box: left, score: 1 }]
          : [{ index: 0, box: left, score: 1 }, { index: 1, box: right, score: 1 }];
        return { timestampMs: f * 100, sourceIndex: f, persons };
      });
    expect([...matchByMotion(frames(0, false), frames(1, true), 0.5)].sort()).toEqual([[0, 1], [1, 0]]);
  });

  it('fails loudly when the segments did not analyse the same overlap frames', async () => {
    const a = segment(walkers, 0, 250, 0);
    const shifted = segment(walkers, 201, 400, 0);
    shifted.startFrame = 200;
    await expect(stitchSegments([a, shifted], () => undefined)).rejects.toThrow(/segments 0 and 1 do not line up/);
    const late = segment(walkers, 0, 100, 0);
    late.startFrame = 240;
    await expect(stitchSegments([a, late], () => undefined)).rejects.toThrow(/do not line up/);
  });
});
