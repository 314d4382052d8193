/**
 * Footfall counting: line crossings, zone visits, dwell, occupancy and time buckets from a stream of person samples.
 *
 * One code path serves both rules. Each person's samples (one Index) are followed on their own, in time order, so
 * input sorted by TIMESTAMP (persons interleaved) and by INDEX (one person after another) give the same result;
 * memory holds one small state per person per line and zone, plus the events the output lists anyway.
 *
 *  - `raw`: the rule of issue 22 exactly, on the boxes as they are (no smoothing, no margin, no linking).
 *  - default: the anchor path is smoothed (centred moving average, a window in seconds), a side of a line or of a zone edge
 *    is only taken once the anchor is a margin (a fraction of the person's box height) past it (hysteresis), and a
 *    track that ends is joined to a new Index that starts close by soon after (identity break), so the pair counts
 *    as one person. See doc/architecture/0022-counting-rule.md for the choice and its measurements.
 */
import { distanceToEdges, insidePolygon, moveMeetsSegment, polygonScale, type ZoneFile } from './zones.js';

export interface PersonSample {
  Timestamp: number;
  Index: number;
  BoundingBox: { Left: number; Top: number; Width: number; Height: number };
}

export interface AnalyseOptions {
  /** Which point of the box is the person's position: bottom-centre (feet, default) or centre. */
  anchor?: 'bottom' | 'center';
  /** Apply the plain rule to the boxes as they are: no smoothing, hysteresis or identity-break joining. */
  raw?: boolean;
  /** Width of the time buckets, in seconds (default 60). */
  bucketSeconds?: number;
  /** Frame width / frame height (VideoMetadata), so distances are isotropic; default 16/9. */
  aspectRatio?: number;
  /** Default rule: half-width of the centred moving average of the anchor's path, seconds. */
  smoothingSeconds?: number;
  /** Default rule: how far past a line or zone edge the anchor must be to take that side, in box heights. */
  marginHeights?: number;
  /** Default rule: the longest gap between a track's end and a new Index's start that joins them, seconds (0: off). */
  linkSeconds?: number;
  /** Default rule: the farthest a new Index may start from where a track ended and still join it, in box heights. */
  linkDistanceHeights?: number;
  /**
   * Default rule: an anchor move faster than this (box heights per second, of the smaller box of the two samples) is
   * no walk but an identity switch or a box that jumped: no line is crossed by it (0: off).
   */
  maxSpeedHeights?: number;
}

/** The default rule's parameters (chosen in ADR 0022). */
export const DEFAULT_RULE = {
  smoothingSeconds: 0.15,
  marginHeights: 0.025,
  linkSeconds: 4,
  linkDistanceHeights: 0.5,
  maxSpeedHeights: 6,
} as const;

export interface Crossing {
  Index: number;
  Timestamp: number;
  Direction: 'IN' | 'OUT';
}
export interface Visit {
  Index: number;
  EnterTimestamp: number;
  ExitTimestamp: number;
  /**
   * Present when the video cut the visit: the person was already inside when the video started (START: the visit
   * begins with the person's first sample, at most one sample interval after 0 ms), was still inside at its end
   * (END: the visit ends with the person's last sample, at most one interval before the last sample of all), or BOTH.
   * Such a dwell is only a lower bound, so DwellMillis leaves it out.
   */
  Censored?: 'START' | 'END' | 'BOTH';
}
export interface LineResult {
  Name: string;
  In: number;
  Out: number;
  Crossings: Crossing[];
}
export interface ZoneResult {
  Name: string;
  Visits: number;
  Persons: number;
  /** Over the visits the video did not cut (`Visits` of them; all 0 when there are none). */
  DwellMillis: { Median: number; P90: number; Mean: number; Visits: number };
  VisitList: Visit[];
  Occupancy: { Timestamp: number; Count: number }[];
}
export interface Bucket {
  Start: number;
  End: number;
  Lines: { Name: string; In: number; Out: number }[];
  Zones: { Name: string; Visits: number; Persons: number; MaxOccupancy: number }[];
}
export interface Analysis {
  Lines: LineResult[];
  Zones: ZoneResult[];
  Buckets: Bucket[];
  /** The options in force, with the defaults filled in. */
  Options: {
    Anchor: 'bottom' | 'center';
    Raw: boolean;
    BucketSeconds: number;
    AspectRatio: number;
    SmoothingSeconds: number;
    MarginHeights: number;
    LinkSeconds: number;
    LinkDistanceHeights: number;
    MaxSpeedHeights: number;
  };
  /** The last sample's timestamp, ms. */
  DurationMillis: number;
  /** Samples counted, and samples skipped (not later than the same Index's previous sample, or no usable box). */
  Detections: number;
  SkippedDetections: number;
  /** Distinct Index values, and how many identity breaks were joined (default rule). */
  Tracks: number;
  Links: number;
}

// ---------------------------------------------------------------------------------------------------------------

interface PendingVisit {
  track: Track;
  enter: number;
  exit: number;
  /** The first sample after `exit` (outside), when the track had one. */
  leave: number | undefined;
  dropped: boolean;
}

interface LineState {
  /** Confirmed side: −1, +1, or 0 before the first confirmation. */
  side: number;
  /** Direction (+1 IN, −1 OUT) of the latest move across the segment since the last confirmation, and its time. */
  crossDir: number;
  crossT: number;
  /** The last anchor position strictly off the line, and its side. */
  offSide: number;
  offX: number;
  offY: number;
  /** The first confirmation: its side and the segment crossing seen before it (for joining identity breaks). */
  firstSide: number;
  firstCrossDir: number;
  firstCrossT: number;
  firstOffSide: number;
  firstOffX: number;
  firstOffY: number;
  firstOffT: number;
}

interface ZoneState {
  conf: number;
  runStart: number | undefined;
  lastInside: number;
  afterInside: number | undefined;
  open: PendingVisit | undefined;
  firstConf: number;
  firstVisit: PendingVisit | undefined;
}

interface Track {
  index: number;
  root: number;
  firstT: number;
  lastT: number;
  sx: number;
  sy: number;
  sh: number;
  firstX: number;
  firstY: number;
  firstH: number;
  /** Whether the first / latest box touches the frame's border (the person entered or left the view). */
  firstAtEdge: boolean;
  lastAtEdge: boolean;
  /** Start of the current stretch of path (after the last impossible jump): smoothing does not reach before it. */
  segT: number;
  /** The previous raw sample, for the speed check, and whether the next smoothed sample starts a new stretch. */
  prevX: number;
  prevY: number;
  prevH: number;
  jumped: boolean;
  /** Raw samples still inside a smoothing window; `head` is the next one to smooth. */
  buf: { t: number[]; x: number[]; y: number[]; h: number[]; head: number };
  lines: LineState[];
  zones: ZoneState[];
  successor: Track | undefined;
  predecessor: Track | undefined;
}

interface LineGeom {
  name: string;
  ax: number;
  ay: number;
  bx: number;
  by: number;
  len: number;
  crossings: { track: Track; t: number; dir: number }[];
}
interface ZoneGeom {
  name: string;
  xs: Float64Array;
  ys: Float64Array;
  maxMargin: number;
  visits: PendingVisit[];
}

/** A box this close to the frame's border (ratio) touches it. */
const EDGE = 0.01;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export class FootfallAnalyser {
  private readonly options: Analysis['Options'];
  private readonly lines: LineGeom[];
  private readonly zoneGeoms: ZoneGeom[];
  private readonly tracks = new Map<number, Track>();
  private detections = 0;
  private skipped = 0;
  private maxT = 0;
  private minGap = Infinity;
  private finished = false;

  constructor(zones: ZoneFile, options: AnalyseOptions = {}) {
    const raw = options.raw === true;
    const aspect = options.aspectRatio ?? 16 / 9;
    const bucketSeconds = options.bucketSeconds ?? 60;
    if (!(aspect > 0 && Number.isFinite(aspect))) throw new RangeError('aspectRatio must be a positive number');
    if (!(bucketSeconds > 0 && Number.isFinite(bucketSeconds))) throw new RangeError('bucketSeconds must be a positive number');
    const pick = (v: number | undefined, d: number, name: string): number => {
      if (raw) return 0;
      const x = v ?? d;
      if (!(x >= 0 && Number.isFinite(x))) throw new RangeError(`${name} must be 0 or more`);
      return x;
    };
    this.options = {
      Anchor: options.anchor ?? 'bottom',
      Raw: raw,
      BucketSeconds: bucketSeconds,
      AspectRatio: aspect,
      SmoothingSeconds: pick(options.smoothingSeconds, DEFAULT_RULE.smoothingSeconds, 'smoothingSeconds'),
      MarginHeights: pick(options.marginHeights, DEFAULT_RULE.marginHeights, 'marginHeights'),
      LinkSeconds: pick(options.linkSeconds, DEFAULT_RULE.linkSeconds, 'linkSeconds'),
      LinkDistanceHeights: pick(options.linkDistanceHeights, DEFAULT_RULE.linkDistanceHeights, 'linkDistanceHeights'),
      MaxSpeedHeights: pick(options.maxSpeedHeights, DEFAULT_RULE.maxSpeedHeights, 'maxSpeedHeights'),
    };
    // Geometry runs in "frame heights": x scaled by the aspect ratio, so a box height and a distance in any
    // direction share one unit. Scaling x by a positive constant changes no side and no intersection of the rule.
    this.lines = zones.lines.map((l) => {
      const [[ax, ay], [bx, by]] = l.points;
      return { name: l.name, ax: ax * aspect, ay, bx: bx * aspect, by, len: Math.hypot((bx - ax) * aspect, by - ay), crossings: [] };
    });
    this.zoneGeoms = zones.zones.map((z) => {
      const xs = Float64Array.from(z.points, (p) => p[0] * aspect);
      const ys = Float64Array.from(z.points, (p) => p[1]);
      return { name: z.name, xs, ys, maxMargin: 0.5 * polygonScale(xs, ys), visits: [] };
    });
  }

  /** Adds one sample. Each Index's samples must come in time order; persons may interleave. */
  add(sample: PersonSample): void {
    if (this.finished) throw new Error('FootfallAnalyser: add() after finish()');
    const b = sample.BoundingBox;
    const t = sample.Timestamp;
    if (!b || !Number.isFinite(t) || !Number.isFinite(b.Left) || !Number.isFinite(b.Top) || !Number.isFinite(b.Width) || !Number.isFinite(b.Height) || !Number.isFinite(sample.Index)) {
      this.skipped++;
      return;
    }
    const o = this.options;
    const x = (b.Left + b.Width / 2) * o.AspectRatio;
    const y = o.Anchor === 'bottom' ? b.Top + b.Height : b.Top + b.Height / 2;
    const h = b.Height;
    const atEdge = b.Left <= EDGE || b.Top <= EDGE || b.Left + b.Width >= 1 - EDGE || b.Top + b.Height >= 1 - EDGE;
    let tr = this.tracks.get(sample.Index);
    if (tr === undefined) {
      tr = this.newTrack(sample.Index, t, x, y, h);
      tr.firstAtEdge = atEdge;
      this.tracks.set(sample.Index, tr);
    } else {
      if (!(t > tr.lastT)) {
        this.skipped++;
        return;
      }
      const dt = t - tr.lastT;
      if (dt < this.minGap) this.minGap = dt;
      // A move no person makes (faster than a sprinter) is an identity switch or a jumped box: the path before it is
      // smoothed on its own (as if the track ended there) and the next smoothed sample takes its sides afresh.
      if (o.MaxSpeedHeights > 0 && Math.hypot(x - tr.prevX, y - tr.prevY) > (o.MaxSpeedHeights * Math.min(h, tr.prevH) * dt) / 1000) {
        while (tr.buf.head < tr.buf.t.length) this.smoothAndStep(tr, true);
        tr.segT = t;
        tr.jumped = true;
      }
      tr.lastT = t;
    }
    tr.prevX = x;
    tr.prevY = y;
    tr.prevH = h;
    tr.lastAtEdge = atEdge;
    this.detections++;
    if (t > this.maxT) this.maxT = t;
    const q = tr.buf;
    q.t.push(t);
    q.x.push(x);
    q.y.push(y);
    q.h.push(h);
    // A sample is smoothed once the samples `w` after it have arrived; the rest wait for finish().
    const w = o.SmoothingSeconds * 1000;
    while (q.head < q.t.length && t >= q.t[q.head] + w) this.smoothAndStep(tr, false);
    // Drop what no later window reaches; compact now and then so the buffer stays the window's size.
    let drop = 0;
    while (drop < q.head && q.t[drop] < q.t[q.head < q.t.length ? q.head : q.t.length - 1] - w) drop++;
    if (drop > 64 || (drop > 0 && drop === q.t.length)) {
      q.t.splice(0, drop);
      q.x.splice(0, drop);
      q.y.splice(0, drop);
      q.h.splice(0, drop);
      q.head -= drop;
    }
  }

  /**
   * Smooths the track's next waiting sample with a centred moving average over ±SmoothingSeconds, shrunk
   * symmetrically at the track's ends (so a track's first and last positions are its own, with no lag), and runs
   * the state machines on it.
   */
  private smoothAndStep(tr: Track, ended: boolean): void {
    const q = tr.buf;
    const i = q.head++;
    const ti = q.t[i];
    const hw = Math.min(this.options.SmoothingSeconds * 1000, ti - tr.segT, ended ? tr.lastT - ti : Infinity);
    let sx = 0, sy = 0, sh = 0, n = 0;
    for (let j = i; j >= 0 && q.t[j] >= ti - hw; j--) {
      sx += q.x[j];
      sy += q.y[j];
      sh += q.h[j];
      n++;
    }
    for (let j = i + 1; j < q.t.length && q.t[j] <= ti + hw; j++) {
      sx += q.x[j];
      sy += q.y[j];
      sh += q.h[j];
      n++;
    }
    tr.sx = sx / n;
    tr.sy = sy / n;
    tr.sh = sh / n;
    this.step(tr, ti);
  }

  private newTrack(index: number, t: number, x: number, y: number, h: number): Track {
    return {
      index,
      root: index,
      firstT: t,
      lastT: t,
      sx: x,
      sy: y,
      sh: h,
      firstX: x,
      firstY: y,
      firstH: h,
      firstAtEdge: false,
      lastAtEdge: false,
      segT: t,
      prevX: x,
      prevY: y,
      prevH: h,
      jumped: false,
      buf: { t: [], x: [], y: [], h: [], head: 0 },
      lines: this.lines.map(() => ({
        side: 0,
        crossDir: 0,
        crossT: 0,
        offSide: 0,
        offX: 0,
        offY: 0,
        firstSide: 0,
        firstCrossDir: 0,
        firstCrossT: 0,
        firstOffSide: 0,
        firstOffX: 0,
        firstOffY: 0,
        firstOffT: 0,
      })),
      zones: this.zoneGeoms.map(() => ({ conf: 0, runStart: undefined, lastInside: 0, afterInside: undefined, open: undefined, firstConf: 0, firstVisit: undefined })),
      successor: undefined,
      predecessor: undefined,
    };
  }

  /** Runs the line and zone state machines on the track's current (smoothed) anchor. */
  private step(tr: Track, t: number): void {
    const px = tr.sx, py = tr.sy;
    const margin = this.options.MarginHeights * tr.sh;
    const jumped = tr.jumped;
    tr.jumped = false;
    for (let k = 0; k < this.lines.length; k++) {
      const g = this.lines[k];
      const s = tr.lines[k];
      if (jumped) {
        // The move across an impossible jump meets no line: the side after it is taken without a crossing.
        s.offSide = 0;
        s.crossDir = 0;
      }
      const cross = (g.bx - g.ax) * (py - g.ay) - (g.by - g.ay) * (px - g.ax);
      const side = Math.sign(cross);
      if (side !== 0) {
        if (s.offSide !== 0 && side !== s.offSide && moveMeetsSegment(s.offX, s.offY, px, py, g.ax, g.ay, g.bx, g.by)) {
          s.crossDir = side;
          s.crossT = t;
        }
        if (s.firstOffSide === 0) {
          s.firstOffSide = side;
          s.firstOffX = px;
          s.firstOffY = py;
          s.firstOffT = t;
        }
        s.offSide = side;
        s.offX = px;
        s.offY = py;
        // Hysteresis: a side is taken once the anchor is `margin` past the line (any distance in the raw rule).
        if (Math.abs(cross) / g.len >= margin) {
          if (s.side === 0) {
            s.firstSide = side;
            s.firstCrossDir = s.crossDir;
            s.firstCrossT = s.crossT;
          } else if (side !== s.side && s.crossDir === side) {
            g.crossings.push({ track: tr, t: s.crossT, dir: side });
          }
          s.side = side;
          s.crossDir = 0;
        }
      }
    }
    for (let k = 0; k < this.zoneGeoms.length; k++) {
      const g = this.zoneGeoms[k];
      const z = tr.zones[k];
      const inside = insidePolygon(g.xs, g.ys, px, py);
      if (inside) {
        if (z.runStart === undefined) z.runStart = t;
        z.lastInside = t;
        z.afterInside = undefined;
      } else {
        z.runStart = undefined;
        if (z.afterInside === undefined) z.afterInside = t;
      }
      const zm = Math.min(margin, g.maxMargin);
      if (zm > 0 && distanceToEdges(g.xs, g.ys, px, py) < zm) continue;
      if (inside && z.conf !== 1) {
        const v: PendingVisit = { track: tr, enter: z.runStart as number, exit: t, leave: undefined, dropped: false };
        g.visits.push(v);
        z.open = v;
        if (z.conf === 0) {
          z.firstConf = 1;
          z.firstVisit = v;
        }
        z.conf = 1;
      } else if (!inside && z.conf !== -1) {
        if (z.conf === 1) this.closeVisit(z);
        if (z.conf === 0) z.firstConf = -1;
        z.conf = -1;
      }
    }
  }

  private closeVisit(z: ZoneState): void {
    const v = z.open as PendingVisit;
    v.exit = z.lastInside;
    v.leave = z.afterInside;
    z.open = undefined;
  }

  /** Joins identity breaks (default rule), closes what is open and builds the result. */
  finish(): Analysis {
    if (this.finished) throw new Error('FootfallAnalyser: finish() called twice');
    this.finished = true;
    const tracks = [...this.tracks.values()].sort((a, b) => a.firstT - b.firstT || a.index - b.index);
    for (const tr of tracks) while (tr.buf.head < tr.buf.t.length) this.smoothAndStep(tr, true);
    for (const tr of tracks) for (const z of tr.zones) if (z.open) z.open.exit = z.lastInside; // open at the end of the track
    const o = this.options;
    const links = o.LinkSeconds > 0 ? this.link(tracks) : 0;
    for (const tr of tracks) {
      if (tr.predecessor) {
        tr.root = tr.predecessor.root;
        this.joinBreak(tr.predecessor, tr);
      } else if (o.MarginHeights > 0) this.startCrossings(tr);
    }
    if (o.MarginHeights > 0) for (const tr of tracks) if (!tr.successor) this.endCrossings(tr);
    const interval = Number.isFinite(this.minGap) ? this.minGap : 1;
    const lineResults: LineResult[] = this.lines.map((g) => {
      const crossings = g.crossings
        .map((c) => ({ Index: c.track.index, Timestamp: c.t, Direction: (c.dir > 0 ? 'IN' : 'OUT') as 'IN' | 'OUT' }))
        .sort((a, b) => a.Timestamp - b.Timestamp || a.Index - b.Index);
      return { Name: g.name, In: crossings.filter((c) => c.Direction === 'IN').length, Out: crossings.filter((c) => c.Direction === 'OUT').length, Crossings: crossings };
    });
    const bucketMs = o.BucketSeconds * 1000;
    const nBuckets = this.detections > 0 ? Math.floor(this.maxT / bucketMs) + 1 : 0;
    const buckets: Bucket[] = Array.from({ length: nBuckets }, (_, i) => ({
      Start: i * bucketMs,
      End: (i + 1) * bucketMs,
      Lines: lineResults.map((l) => ({ Name: l.Name, In: 0, Out: 0 })),
      Zones: this.zoneGeoms.map((z) => ({ Name: z.name, Visits: 0, Persons: 0, MaxOccupancy: 0 })),
    }));
    const bucketOf = (t: number): number => Math.min(nBuckets - 1, Math.max(0, Math.floor(t / bucketMs)));
    lineResults.forEach((l, k) => {
      for (const c of l.Crossings) buckets[bucketOf(c.Timestamp)].Lines[k][c.Direction === 'IN' ? 'In' : 'Out']++;
    });
    const zoneResults: ZoneResult[] = this.zoneGeoms.map((g, k) => {
      const visits = g.visits.filter((v) => !v.dropped).sort((a, b) => a.enter - b.enter || a.track.root - b.track.root);
      // A visit the video cut (the person inside in its first or last two frames) has a dwell that is only a lower
      // bound: it is listed, counted and drawn, but left out of the dwell statistics.
      const censored = (v: PendingVisit): Visit['Censored'] => {
        const start = v.enter === v.track.firstT && v.enter < 1.5 * interval;
        const end = v.leave === undefined && v.exit > this.maxT - 1.5 * interval;
        return start && end ? 'BOTH' : start ? 'START' : end ? 'END' : undefined;
      };
      const list: Visit[] = visits.map((v) => {
        const c = censored(v);
        return { Index: v.track.root, EnterTimestamp: v.enter, ExitTimestamp: v.exit, ...(c ? { Censored: c } : {}) };
      });
      const dwell = list.filter((v) => !v.Censored).map((v) => v.ExitTimestamp - v.EnterTimestamp).sort((a, b) => a - b);
      const events: [number, number][] = [];
      for (const v of visits) events.push([v.enter, 1], [v.leave ?? v.exit + interval, -1]);
      events.sort((a, b) => a[0] - b[0]);
      const occupancy: { Timestamp: number; Count: number }[] = [];
      let count = 0;
      for (let i = 0; i < events.length; ) {
        const t = events[i][0];
        while (i < events.length && events[i][0] === t) count += events[i++][1];
        occupancy.push({ Timestamp: t, Count: count });
      }
      // Buckets: visits by their start, distinct persons present, and the highest occupancy reached.
      const persons = buckets.map(() => new Set<number>());
      for (const v of visits) {
        buckets[bucketOf(v.enter)].Zones[k].Visits++;
        const end = v.leave ?? v.exit + interval;
        for (let b = bucketOf(v.enter); b < nBuckets && buckets[b].Start < end; b++) persons[b].add(v.track.root);
      }
      persons.forEach((s, b) => (buckets[b].Zones[k].Persons = s.size));
      let current = 0;
      let e = 0;
      for (let b = 0; b < nBuckets; b++) {
        let max = current;
        while (e < occupancy.length && occupancy[e].Timestamp < buckets[b].End) {
          current = occupancy[e++].Count;
          if (current > max) max = current;
        }
        buckets[b].Zones[k].MaxOccupancy = max;
      }
      return {
        Name: g.name,
        Visits: list.length,
        Persons: new Set(list.map((v) => v.Index)).size,
        DwellMillis: { Median: percentile(dwell, 0.5), P90: percentile(dwell, 0.9), Mean: dwell.length ? dwell.reduce((s, d) => s + d, 0) / dwell.length : 0, Visits: dwell.length },
        VisitList: list,
        Occupancy: occupancy,
      };
    });
    return {
      Lines: lineResults,
      Zones: zoneResults,
      Buckets: buckets,
      Options: { ...o },
      DurationMillis: this.maxT,
      Detections: this.detections,
      SkippedDetections: this.skipped,
      Tracks: this.tracks.size,
      Links: links,
    };
  }

  /**
   * Identity breaks: each track that does not start at the frame's border, in order of its start, takes as
   * predecessor the nearest track that ended before it started, away from the border, at most LinkSeconds earlier and
   * LinkDistanceHeights box heights away, and has no successor yet.
   */
  private link(tracks: Track[]): number {
    const o = this.options;
    const gapMs = o.LinkSeconds * 1000;
    const byEnd = [...tracks].sort((a, b) => a.lastT - b.lastT);
    let links = 0;
    for (const b of tracks) {
      // A track that starts at the frame's border is someone entering the view, not a lost track coming back.
      if (b.firstAtEdge) continue;
      // byEnd entries with lastT in [b.firstT - gapMs, b.firstT)
      let lo = 0, hi = byEnd.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byEnd[mid].lastT < b.firstT - gapMs) lo = mid + 1;
        else hi = mid;
      }
      let best: Track | undefined;
      let bestD = Infinity;
      for (let i = lo; i < byEnd.length && byEnd[i].lastT < b.firstT; i++) {
        const a = byEnd[i];
        if (a.successor || a === b || a.lastAtEdge) continue;
        const d = Math.hypot(a.sx - b.firstX, a.sy - b.firstY);
        if (d <= o.LinkDistanceHeights * Math.max(a.sh, b.firstH) && d < bestD) {
          best = a;
          bestD = d;
        }
      }
      if (best) {
        best.successor = b;
        b.predecessor = best;
        links++;
      }
    }
    return links;
  }

  /**
   * Hysteresis guards a change of the side a person holds, and there is none before the first side is taken: a
   * track that starts within the margin on one side and then crosses the segment to take the other counts that
   * crossing (a person first seen just before a line, tracks that start late).
   */
  private startCrossings(tr: Track): void {
    for (let k = 0; k < this.lines.length; k++) {
      const s = tr.lines[k];
      if (s.firstSide !== 0 && s.firstCrossDir === s.firstSide && s.firstOffSide !== s.firstSide) {
        this.lines[k].crossings.push({ track: tr, t: s.firstCrossT, dir: s.firstSide });
      }
    }
  }

  /** Likewise at a track's end: a person last seen just past a line, within the margin, has crossed it. */
  private endCrossings(tr: Track): void {
    for (let k = 0; k < this.lines.length; k++) {
      const s = tr.lines[k];
      if (s.side !== 0 && s.crossDir !== 0 && s.crossDir !== s.side && s.offSide === s.crossDir) {
        this.lines[k].crossings.push({ track: tr, t: s.crossT, dir: s.crossDir });
      }
    }
  }

  /** Carries a track's end state into its successor's start: a line crossed across the break, a visit that goes on. */
  private joinBreak(a: Track, b: Track): void {
    for (let k = 0; k < this.lines.length; k++) {
      const g = this.lines[k];
      const sa = a.lines[k];
      const sb = b.lines[k];
      // The side the predecessor (or its own predecessors) last held.
      if (sb.side === 0) {
        sb.side = sa.side;
        sb.crossDir = sa.crossDir;
        sb.crossT = sa.crossT;
        continue;
      }
      if (sa.side === 0 || sb.firstSide === sa.side) continue;
      let dir = sb.firstCrossDir, t = sb.firstCrossT;
      if (dir === 0 && sa.offSide !== 0 && sb.firstOffSide !== 0 && sa.offSide !== sb.firstOffSide &&
          moveMeetsSegment(sa.offX, sa.offY, sb.firstOffX, sb.firstOffY, g.ax, g.ay, g.bx, g.by)) {
        dir = sb.firstOffSide;
        t = sb.firstOffT;
      }
      if (dir === 0) {
        dir = sa.crossDir;
        t = sa.crossT;
      }
      if (dir === sb.firstSide) g.crossings.push({ track: b, t, dir });
    }
    for (let k = 0; k < this.zoneGeoms.length; k++) {
      const za = a.zones[k];
      const zb = b.zones[k];
      if (zb.conf === 0) {
        // The successor never took a side: the predecessor's state goes on through it.
        zb.conf = za.conf;
        zb.open = za.open;
        continue;
      }
      if (za.open && zb.firstConf === 1 && zb.firstVisit) {
        za.open.exit = zb.firstVisit.exit;
        za.open.leave = zb.firstVisit.leave;
        zb.firstVisit.dropped = true;
        if (zb.open === zb.firstVisit) zb.open = za.open;
      }
    }
  }
}

/** Runs a whole sequence of samples through a FootfallAnalyser. */
export function analyse(samples: Iterable<PersonSample>, zones: ZoneFile, options?: AnalyseOptions): Analysis {
  const analyser = new FootfallAnalyser(zones, options);
  for (const s of samples) analyser.add(s);
  return analyser.finish();
}
