/**
 * The tracked results as a timeline for drawing: samples sorted by time, each person's box at any video time
 * (interpolated between two samples of that person) and its recent trail.
 *
 * Accepts GetPersonTracking's shape ({VideoMetadata, Persons: [{Timestamp, Person: {Index, BoundingBox}}]}, as
 * written by `people-pathing track` and `people-pathing get`) in either sort order, or a bare Persons array.
 * Boxes are ratios of the frame, so they fit any rendition of the video.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { GetPersonTrackingResponse, PersonDetection } from '../../../../core/types.js';

export interface Samples {
  /** Parallel arrays, sorted by (timestamp, index). Boxes as ratios [left, top, width, height]. */
  ts: Float64Array;
  index: Int32Array;
  box: Float32Array;
  /** Face boxes (Person.Face.BoundingBox) as ratios [left, top, width, height], NaN where a sample has none; absent when no sample has one. */
  face?: Float32Array;
  /** Position of the same person's next sample, or -1. */
  next: Int32Array;
  count: number;
  /** Typical time between two samples of one person (ms): the sampling cadence. */
  stepMs: number;
}

/** Files up to this size are parsed whole; larger ones are read line by line (see loadResults). */
export const WHOLE_PARSE_MAX_BYTES = 256 << 20;

/**
 * Reads a results file. Small files are parsed as one JSON document (any layout). Larger ones, which a JSON string
 * could not hold, are streamed: `track` and `get` write one PersonDetection per line, and only those lines are kept,
 * in columns of about 32 bytes per detection.
 */
export async function loadResults(path: string, wholeParseMaxBytes = WHOLE_PARSE_MAX_BYTES): Promise<Samples> {
  const { size } = await stat(path);
  if (size <= wholeParseMaxBytes) {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as GetPersonTrackingResponse | PersonDetection[];
    const persons = Array.isArray(parsed) ? parsed : parsed.Persons;
    if (!Array.isArray(persons)) throw new Error(`${path} has no Persons list (expected GetPersonTracking's JSON)`);
    return buildSamples(persons);
  }
  const builder = new SampleBuilder();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const raw of lines) {
    const line = raw.trim().replace(/,$/, '');
    if (line.startsWith('{"Timestamp"') || line.startsWith('{"Person"')) builder.add(JSON.parse(line) as PersonDetection);
  }
  if (builder.length === 0) throw new Error(`${path} is too large to parse whole and has no one-detection-per-line Persons (write it with track or get)`);
  return builder.build();
}

export function buildSamples(persons: Iterable<PersonDetection>): Samples {
  const builder = new SampleBuilder();
  for (const p of persons) builder.add(p);
  return builder.build();
}

/** Collects detections with a body box into growable columns, then sorts them by (timestamp, index). */
class SampleBuilder {
  private ts = new Float64Array(1024);
  private index = new Int32Array(1024);
  private box = new Float32Array(4096);
  private face: Float32Array | undefined;
  length = 0;

  add(p: PersonDetection): void {
    const bb = p.Person?.BoundingBox;
    const idx = p.Person?.Index;
    if (typeof p.Timestamp !== 'number' || typeof idx !== 'number' || !bb) return;
    const values = [bb.Left, bb.Top, bb.Width, bb.Height];
    if (!values.every((v) => typeof v === 'number')) return;
    if (this.length === this.ts.length) {
      const grow = <T extends Float64Array | Int32Array | Float32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.ts = grow(this.ts, (n) => new Float64Array(n));
      this.index = grow(this.index, (n) => new Int32Array(n));
      this.box = grow(this.box, (n) => new Float32Array(n));
      if (this.face) this.face = grow(this.face, (n) => new Float32Array(n).fill(NaN));
    }
    this.ts[this.length] = p.Timestamp;
    this.index[this.length] = idx;
    this.box.set(values as number[], 4 * this.length);
    const fb = p.Person?.Face?.BoundingBox;
    const face = fb ? [fb.Left, fb.Top, fb.Width, fb.Height] : undefined;
    if (face?.every((v) => typeof v === 'number')) {
      this.face ??= new Float32Array(this.box.length).fill(NaN);
      this.face.set(face as number[], 4 * this.length);
    }
    this.length++;
  }

  build(): Samples {
    const n = this.length;
    const order = new Uint32Array(n).map((_, i) => i);
    order.sort((a, b) => this.ts[a] - this.ts[b] || this.index[a] - this.index[b]);
    const s: Samples = { ts: new Float64Array(n), index: new Int32Array(n), box: new Float32Array(4 * n), next: new Int32Array(n).fill(-1), count: n, stepMs: 0 };
    if (this.face) s.face = new Float32Array(4 * n);
    const last = new Map<number, number>();
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = order[i];
      s.ts[i] = this.ts[k];
      s.index[i] = this.index[k];
      s.box.set(this.box.subarray(4 * k, 4 * k + 4), 4 * i);
      if (s.face && this.face) s.face.set(this.face.subarray(4 * k, 4 * k + 4), 4 * i);
      const prev = last.get(s.index[i]);
      if (prev !== undefined) {
        s.next[prev] = i;
        if (gaps.length < 5000 && s.ts[i] > s.ts[prev]) gaps.push(s.ts[i] - s.ts[prev]);
      }
      last.set(s.index[i], i);
    }
    gaps.sort((a, b) => a - b);
    s.stepMs = gaps.length ? gaps[Math.floor(gaps.length / 2)] : 0;
    return s;
  }
}

export interface PersonAt {
  index: number;
  /** Pixels: [x1, y1, x2, y2]. */
  box: [number, number, number, number];
  /** Foot points (bottom centre of the box) in pixels, oldest first, ending at the current position. */
  trail: number[];
  /**
   * The face from the results (Person.Face), in pixels: [x1, y1, x2, y2]. Taken from the sample being drawn (else the
   * next one), kept at the same place relative to the person's box as the box moves between samples.
   */
  face?: [number, number, number, number];
}

/**
 * Walks the samples forwards in time. `at(tMs)` must be called with non-decreasing times; memory is the open
 * trails only.
 */
export class Timeline {
  private cursor = 0;
  /** Most recent sample position per person. */
  private readonly lastOf = new Map<number, number>();
  private readonly trails = new Map<number, { t: number[]; x: number[]; y: number[] }>();
  /** A person is drawn up to this long after its last sample, and two samples further apart than this are not joined. */
  readonly holdMs: number;

  constructor(
    private readonly s: Samples,
    private readonly width: number,
    private readonly height: number,
    private readonly trailMs = 2000,
    frameMs = 40,
  ) {
    this.holdMs = Math.max(1.5 * (s.stepMs || frameMs), frameMs) + 1;
  }

  at(tMs: number): PersonAt[] {
    const s = this.s;
    // 0.5 ms of slack: Timestamps are frame times rounded down to the millisecond.
    while (this.cursor < s.count && s.ts[this.cursor] <= tMs + 0.5) {
      const i = this.cursor++;
      const idx = s.index[i];
      this.lastOf.set(idx, i);
      const [x, y] = this.foot(i);
      let tr = this.trails.get(idx);
      if (!tr) this.trails.set(idx, (tr = { t: [], x: [], y: [] }));
      if (tr.t.length && s.ts[i] - tr.t[tr.t.length - 1] > this.holdMs) tr.t.length = tr.x.length = tr.y.length = 0;
      tr.t.push(s.ts[i]);
      tr.x.push(x);
      tr.y.push(y);
    }
    const out: PersonAt[] = [];
    for (const [idx, i] of this.lastOf) {
      if (tMs - s.ts[i] > this.holdMs) {
        this.lastOf.delete(idx);
        this.trails.delete(idx);
        continue;
      }
      let [l, t, w, h] = [s.box[4 * i], s.box[4 * i + 1], s.box[4 * i + 2], s.box[4 * i + 3]];
      const j = s.next[i];
      if (j >= 0 && s.ts[j] - s.ts[i] <= this.holdMs && s.ts[j] > s.ts[i]) {
        const a = Math.min(1, Math.max(0, (tMs - s.ts[i]) / (s.ts[j] - s.ts[i])));
        l += a * (s.box[4 * j] - l);
        t += a * (s.box[4 * j + 1] - t);
        w += a * (s.box[4 * j + 2] - w);
        h += a * (s.box[4 * j + 3] - h);
      }
      const box: [number, number, number, number] = [l * this.width, t * this.height, (l + w) * this.width, (t + h) * this.height];
      const tr = this.trails.get(idx)!;
      let k = 0;
      while (k < tr.t.length && tr.t[k] < tMs - this.trailMs) k++;
      if (k > 0) {
        tr.t.splice(0, k);
        tr.x.splice(0, k);
        tr.y.splice(0, k);
      }
      const trail: number[] = [];
      for (let m = 0; m < tr.t.length; m++) trail.push(tr.x[m], tr.y[m]);
      trail.push((box[0] + box[2]) / 2, box[3]);
      const face = this.faceAt(i, j, box);
      out.push(face ? { index: idx, box, trail, face } : { index: idx, box, trail });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  private faceAt(i: number, j: number, box: [number, number, number, number]): [number, number, number, number] | undefined {
    const f = this.s.face;
    if (!f) return undefined;
    const k = !Number.isNaN(f[4 * i]) ? i : j >= 0 && !Number.isNaN(f[4 * j]) && this.s.ts[j] - this.s.ts[i] <= this.holdMs ? j : -1;
    if (k < 0) return undefined;
    const b = this.s.box;
    const [bl, bt, bw, bh] = [b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]];
    if (!(bw > 0 && bh > 0)) return undefined;
    // The face relative to its sample's person box, applied to the box being drawn.
    const rel = (v: number, o: number, size: number): number => (v - o) / size;
    const [x1, y1, x2, y2] = box;
    const W = x2 - x1;
    const H = y2 - y1;
    return [
      x1 + rel(f[4 * k], bl, bw) * W,
      y1 + rel(f[4 * k + 1], bt, bh) * H,
      x1 + rel(f[4 * k] + f[4 * k + 2], bl, bw) * W,
      y1 + rel(f[4 * k + 1] + f[4 * k + 3], bt, bh) * H,
    ];
  }

  private foot(i: number): [number, number] {
    const b = this.s.box;
    return [(b[4 * i] + b[4 * i + 2] / 2) * this.width, (b[4 * i + 1] + b[4 * i + 3]) * this.height];
  }
}

/** Each person's whole path (foot points in pixels) and first/last sample time, for the paths picture. */
export function pathsOf(s: Samples, width: number, height: number): Map<number, { first: number; last: number; points: number[][] }> {
  const out = new Map<number, { first: number; last: number; points: number[][] }>();
  const hold = Math.max(1.5 * (s.stepMs || 40), 1000);
  for (let i = 0; i < s.count; i++) {
    const idx = s.index[i];
    let p = out.get(idx);
    if (!p) out.set(idx, (p = { first: s.ts[i], last: s.ts[i], points: [[]] }));
    if (s.ts[i] - p.last > hold) p.points.push([]);
    p.last = s.ts[i];
    p.points[p.points.length - 1].push((s.box[4 * i] + s.box[4 * i + 2] / 2) * width, (s.box[4 * i + 1] + s.box[4 * i + 3]) * height);
  }
  return out;
}
