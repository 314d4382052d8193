/**
 * The stitcher: joins the outputs of consecutive, overlapping segments (pipeline/segments.ts) into one set of
 * persons, as if the video had been tracked in one run. Plain TypeScript: no ffmpeg, no AWS.
 *
 * Two neighbours A and B both analysed the overlap frames, with the same detector output there, so the same person
 * has boxes in both that nearly coincide. For each boundary:
 *  1. Motion: the tracks of A and of B in the overlap are matched by optimal assignment (track/lap.ts) with the
 *     cost 1 − (sum of the two tracks' box IoU over the overlap frames) / (frames where either is present), so a
 *     pair must overlap well over the frames they share and be present in the same frames (CVAT's chunk merge,
 *     SUSHI's window merge).
 *  2. Appearance: a track left unmatched that ends within the tracker's lost-track buffer before the cut and one
 *     that begins within it after the cut are matched on the cosine distance of their smoothed re-ID features, with
 *     the tracker's own appearance-only re-attachment gates (distance, and how far the person can have walked).
 *  3. One box per person per sample: overlap frames before the cut (the overlap's middle) come from A, the rest
 *     from B. A has run longer there; B has had half the overlap to settle.
 * Indexes are renumbered 0..n-1 in order of first appearance as samples are emitted, in time order.
 *
 * Memory: samples are streamed. What is held is the overlap (plus the lost-track buffer after the cut) of two
 * segments, and a few numbers per person — never the detections of the whole video.
 */
import { costMatrix, linearAssignment } from '../track/lap.js';
import { cosineDistance } from '../track/matching.js';
import { iou, type Box } from '../geometry.js';

/** One person in one sample of a segment's output. `index` is the segment's own Index. */
export interface SegmentPerson {
  index: number;
  box: Box;
  score: number;
  interpolated?: boolean;
  /** Whatever else the segment recorded for this person in this sample (e.g. a FaceDetail), passed through. */
  extra?: unknown;
}

export interface SegmentSample {
  timestampMs: number;
  sourceIndex: number;
  /** By the segment's Index ascending. */
  persons: SegmentPerson[];
}

/** A segment's smoothed appearance of a person: the first one it had and the one at its last sighting. */
export interface TrackFeatures {
  first?: Float32Array;
  last?: Float32Array;
}

export interface StitchSegment {
  /** First source frame this segment analysed (the previous segment's overlap starts here). */
  startFrame: number;
  /** Samples in time order. Opened once. */
  samples(): AsyncIterable<SegmentSample>;
  /** Appearance by the segment's Index (empty when the run had no re-ID). Read only when a boundary needs it. */
  features(): Promise<Map<number, TrackFeatures>>;
}

export interface StitchOptions {
  /** A motion match needs cost below this: mean IoU over the frames either track is in above 1 − this (default 0.5). */
  maxMotionCost?: number;
  /** The tracker's lost-track buffer: how far from the cut a track may end or begin for an appearance match (s). */
  lostBufferSec?: number;
  /** Cosine distance / 2 (÷ embeddingScale) at most this for an appearance match (tracker's reattachMaxCost). */
  maxAppearanceCost?: number;
  embeddingScale?: number;
  /** Centre moved at most this many box heights per second plus reattachSlack heights (tracker's gates). */
  reattachMaxSpeed?: number;
  reattachSlack?: number;
}

export interface StitchedSample {
  timestampMs: number;
  sourceIndex: number;
  /** `index` renumbered: 0..n-1 over the whole video in order of first appearance; ascending. */
  persons: SegmentPerson[];
}

export interface StitchStats {
  samples: number;
  detections: number;
  persons: number;
  /** Per boundary: tracks joined by motion and by appearance. */
  boundaries: Array<{ motion: number; appearance: number }>;
}

const DEFAULTS: Required<StitchOptions> = {
  maxMotionCost: 0.5,
  lostBufferSec: 2.5,
  maxAppearanceCost: 0.1,
  embeddingScale: 1,
  reattachMaxSpeed: 2,
  reattachSlack: 1,
};

interface Seen {
  timestampMs: number;
  box: Box;
}

/** A peekable pull over an async iterable. */
class Pull<T> {
  private readonly it: AsyncIterator<T>;
  private head: T[] = [];
  constructor(src: AsyncIterable<T>, lead: T[] = []) {
    this.it = src[Symbol.asyncIterator]();
    this.head = lead;
  }
  async next(): Promise<T | undefined> {
    if (this.head.length > 0) return this.head.shift();
    const r = await this.it.next();
    return r.done ? undefined : r.value;
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function centreDistanceInHeights(a: Box, b: Box): number {
  const h = Math.max(a[3] - a[1], 1e-6);
  return Math.hypot((a[0] + a[2]) / 2 - (b[0] + b[2]) / 2, (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2) / h;
}

/**
 * Motion assignment of A's to B's tracks over the common overlap frames; returns B Index → A Index.
 * Exported for tests.
 */
export function matchByMotion(aFrames: SegmentSample[], bFrames: SegmentSample[], maxCost: number): Map<number, number> {
  const bAt = new Map(bFrames.map((s) => [s.sourceIndex, s]));
  const presence = new Map<string, number>(); // 'a:<i>' / 'b:<j>' → frames present
  const pair = new Map<string, { both: number; iou: number }>();
  const aIds = new Set<number>();
  const bIds = new Set<number>();
  for (const sa of aFrames) {
    const sb = bAt.get(sa.sourceIndex);
    if (!sb) continue;
    for (const p of sa.persons) {
      aIds.add(p.index);
      presence.set(`a:${p.index}`, (presence.get(`a:${p.index}`) ?? 0) + 1);
    }
    for (const q of sb.persons) {
      bIds.add(q.index);
      presence.set(`b:${q.index}`, (presence.get(`b:${q.index}`) ?? 0) + 1);
    }
    for (const p of sa.persons) {
      for (const q of sb.persons) {
        const key = `${p.index}:${q.index}`;
        const e = pair.get(key) ?? { both: 0, iou: 0 };
        e.both++;
        e.iou += iou(p.box, q.box);
        pair.set(key, e);
      }
    }
  }
  const as = [...aIds].sort((x, y) => x - y);
  const bs = [...bIds].sort((x, y) => x - y);
  const m = costMatrix(as.length, bs.length, 1);
  as.forEach((a, i) =>
    bs.forEach((b, j) => {
      const e = pair.get(`${a}:${b}`);
      if (!e || e.iou === 0) return;
      const union = (presence.get(`a:${a}`) ?? 0) + (presence.get(`b:${b}`) ?? 0) - e.both;
      m.data[i * bs.length + j] = 1 - e.iou / union;
    }),
  );
  const out = new Map<number, number>();
  if (as.length === 0 || bs.length === 0) return out;
  for (const [i, j] of linearAssignment(m, maxCost).matches) out.set(bs[j], as[i]);
  return out;
}

/**
 * Joins the segments' samples into one stream of samples with renumbered Indexes and calls `onSample` for each,
 * in time order. The segments must be given in order, each starting inside the previous one's analysed frames.
 */
export async function stitchSegments(
  segments: readonly StitchSegment[],
  onSample: (sample: StitchedSample) => Promise<void> | void,
  options: StitchOptions = {},
): Promise<StitchStats> {
  const opt = { ...DEFAULTS, ...options };
  const stats: StitchStats = { samples: 0, detections: 0, persons: 0, boundaries: [] };
  let nextPid = 0;
  const finalOf = new Map<number, number>();
  let lastTs = -Infinity;

  const emit = async (s: SegmentSample, pidOf: (local: number) => number): Promise<void> => {
    if (s.timestampMs <= lastTs) throw new Error(`segments out of order: Timestamp ${s.timestampMs} after ${lastTs}`);
    lastTs = s.timestampMs;
    const persons = s.persons.map((p) => {
      const pid = pidOf(p.index);
      let f = finalOf.get(pid);
      if (f === undefined) {
        f = stats.persons++;
        finalOf.set(pid, f);
      }
      return { ...p, index: f };
    });
    persons.sort((a, b) => a.index - b.index);
    for (let i = 1; i < persons.length; i++) {
      if (persons[i].index === persons[i - 1].index) throw new Error(`Index ${persons[i].index} twice at ${s.timestampMs} ms`);
    }
    stats.samples++;
    stats.detections += persons.length;
    await onSample({ timestampMs: s.timestampMs, sourceIndex: s.sourceIndex, persons });
  };

  let pull = segments.length > 0 ? new Pull(segments[0].samples()) : undefined;
  // Segment-local Index → person id, for the segment being emitted.
  let map = new Map<number, number>();
  let features: Promise<Map<number, TrackFeatures>> | undefined;
  for (let k = 0; k < segments.length && pull; k++) {
    const A = pull;
    const aMap = map;
    const pidOfA = (local: number): number => {
      let pid = aMap.get(local);
      if (pid === undefined) {
        pid = nextPid++;
        aMap.set(local, pid);
      }
      return pid;
    };
    const next = segments[k + 1];
    const aLast = new Map<number, Seen>();
    const aOverlap: SegmentSample[] = [];
    for (let s = await A.next(); s; s = await A.next()) {
      if (next && s.sourceIndex >= next.startFrame) {
        aOverlap.push(s);
        continue;
      }
      for (const p of s.persons) aLast.set(p.index, { timestampMs: s.timestampMs, box: p.box });
      await emit(s, pidOfA);
    }
    await A.close();
    if (!next) break;

    // The cut: the middle analysed frame of the overlap.
    const cutFrame = aOverlap.length > 0 ? aOverlap[Math.floor(aOverlap.length / 2)].sourceIndex : next.startFrame;
    const cutMs = aOverlap.length > 0 ? aOverlap[Math.floor(aOverlap.length / 2)].timestampMs : lastTs + 1;
    const aEndFrame = aOverlap.length > 0 ? aOverlap[aOverlap.length - 1].sourceIndex : next.startFrame - 1;
    const horizonMs = cutMs + opt.lostBufferSec * 1000;
    const B = new Pull(next.samples());
    const bBuf: SegmentSample[] = [];
    for (;;) {
      const last = bBuf[bBuf.length - 1];
      if (last && last.sourceIndex >= aEndFrame && last.timestampMs >= horizonMs) break;
      const s = await B.next();
      if (!s) break;
      bBuf.push(s);
    }

    // Both must have analysed the same overlap frames, at the same times: else the runs did not share a cadence.
    const bOverlap = bBuf.filter((s) => s.sourceIndex <= aEndFrame);
    const misaligned =
      bOverlap.length !== aOverlap.length ||
      bOverlap.some((s, i) => s.sourceIndex !== aOverlap[i].sourceIndex || s.timestampMs !== aOverlap[i].timestampMs);
    if (misaligned) {
      throw new Error(
        `segments ${k} and ${k + 1} do not line up: they analysed ${aOverlap.length} and ${bOverlap.length} overlap frames ` +
          `(first ${aOverlap[0]?.sourceIndex ?? '-'} and ${bOverlap[0]?.sourceIndex ?? '-'})`,
      );
    }
    // 1. Motion over the frames both analysed.
    const bToA = matchByMotion(aOverlap, bOverlap, opt.maxMotionCost);
    const motion = bToA.size;

    // A's side up to the cut, as emitted.
    const aBeforeCut = aOverlap.filter((s) => s.sourceIndex < cutFrame);
    for (const s of aBeforeCut) for (const p of s.persons) aLast.set(p.index, { timestampMs: s.timestampMs, box: p.box });
    // B's side from the cut, as it will be emitted: each track's first sighting there.
    const bFirst = new Map<number, Seen>();
    for (const s of bBuf) {
      if (s.sourceIndex < cutFrame) continue;
      for (const p of s.persons) if (!bFirst.has(p.index)) bFirst.set(p.index, { timestampMs: s.timestampMs, box: p.box });
    }

    // 2. Appearance, for tracks ending / beginning within the lost-track buffer of the cut that motion left alone.
    const matchedA = new Set(bToA.values());
    const bufMs = opt.lostBufferSec * 1000;
    const endA = [...aLast].filter(([a, s]) => !matchedA.has(a) && s.timestampMs >= cutMs - bufMs);
    const beginB = [...bFirst].filter(([b, s]) => !bToA.has(b) && s.timestampMs <= cutMs + bufMs);
    let appearance = 0;
    if (endA.length > 0 && beginB.length > 0) {
      const fa = await (features ?? segments[k].features());
      const nextFeatures = segments[k + 1].features();
      const fb = await nextFeatures;
      const m = costMatrix(endA.length, beginB.length, 1);
      endA.forEach(([a, sa], i) =>
        beginB.forEach(([b, sb], j) => {
          const ea = fa.get(a)?.last;
          const eb = fb.get(b)?.first;
          const dt = (sb.timestampMs - sa.timestampMs) / 1000;
          if (!ea || !eb || !(dt > 0)) return;
          if (centreDistanceInHeights(sa.box, sb.box) > opt.reattachMaxSpeed * dt + opt.reattachSlack) return;
          const cost = cosineDistance(ea, eb) / 2 / opt.embeddingScale;
          if (cost <= opt.maxAppearanceCost) m.data[i * beginB.length + j] = cost;
        }),
      );
      // Feasible costs are ≤ maxAppearanceCost; infeasible ones stay at 1. Any limit between the two keeps exactly them.
      for (const [i, j] of linearAssignment(m, (1 + opt.maxAppearanceCost) / 2).matches) {
        bToA.set(beginB[j][0], endA[i][0]);
        appearance++;
      }
      features = nextFeatures;
    } else {
      features = undefined;
    }
    stats.boundaries.push({ motion, appearance });

    for (const s of aBeforeCut) await emit(s, pidOfA);
    map = new Map<number, number>();
    for (const [b, a] of bToA) map.set(b, pidOfA(a));
    pull = new Pull({ [Symbol.asyncIterator]: () => bIterator(B) }, bBuf.filter((s) => s.sourceIndex >= cutFrame));
  }
  return stats;
}

function bIterator(B: Pull<SegmentSample>): AsyncIterator<SegmentSample> {
  return {
    next: async () => {
      const v = await B.next();
      return v ? { value: v, done: false } : { value: undefined, done: true };
    },
    return: async () => {
      await B.close();
      return { value: undefined, done: true };
    },
  };
}
