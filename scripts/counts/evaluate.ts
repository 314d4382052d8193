/**
 * The count evaluation shared by `npm run eval:counts` and its CI guard: the raw rule on a sequence's ground-truth
 * boxes is the reference; a tracker's boxes are counted under a rule and compared with it.
 *
 * Lines are named `across-*` (across the walking flow) or `along-*` (along it), or `idle-*` (random geometry: nobody
 * crosses it); the zone files live beside this file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { analyse, DEFAULT_RULE, fromPersonDetection, parseZoneFile, type AnalyseOptions, type Analysis, type PersonSample, type ZoneFile } from '../../core/analytics/index.js';
import { motRowsToPersons, type MotRow, type SeqInfo } from '../../containers/tracker/src/eval/index.js';
import { iou } from '../../core/geometry.js';

export const COUNT_SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'] as const;

/** Issue 22's targets: total absolute error as a share of the ground truth's count; median dwell per zone. */
export const TARGETS = { across: 0.05, along: 0.2, zoneVisits: 0.1, medianDwell: 0.1 } as const;

/**
 * Whether a measured dwell (a zone's median, or one visit's length) is within `share` of the reference's, in ms.
 * Timestamps are whole milliseconds, so 1 ms is spared: at 7 fps a 22-interval dwell (3143 ms) against a 20-interval
 * one (2857 ms) is 10 % exactly, not the 10.01 % the rounded numbers give.
 */
export const withinDwell = (reference: number, measured: number, share: number = TARGETS.medianDwell): boolean => Math.abs(measured - reference) <= share * reference + 1;

/** `--rule k=v` overrides of the default rule (tuning and diagnosis); a name or value it does not know is an error. */
export function parseRule(kvs: readonly string[] = []): AnalyseOptions {
  const rule: Record<string, number> = {};
  for (const kv of kvs) {
    const [k, v] = kv.split('=');
    if (!(k in DEFAULT_RULE) || !Number.isFinite(Number(v))) throw new Error(`--rule ${kv}: expected one of ${Object.keys(DEFAULT_RULE).join(', ')} = a number`);
    rule[k] = Number(v);
  }
  return rule as AnalyseOptions;
}

/** Frame width / frame height of a sequence, so distances are isotropic (16/9 when the sequence does not say). */
export const aspectOf = (info: SeqInfo): number => (info.imWidth ?? 16) / (info.imHeight ?? 9);

export async function loadZones(path: string): Promise<ZoneFile> {
  return parseZoneFile(JSON.parse(await readFile(path, 'utf8')));
}

export function samplesOf(rows: readonly MotRow[], info: SeqInfo, isGroundTruth: boolean): PersonSample[] {
  const need = { frameRate: info.frameRate ?? 25, imWidth: info.imWidth ?? 1, imHeight: info.imHeight ?? 1 };
  return motRowsToPersons(rows, need, { dropZeroFlag: isGroundTruth }).map((p) => fromPersonDetection(p) as PersonSample);
}

export interface CategoryScore {
  /** Ground-truth events (crossings IN + OUT, or visits) and the summed absolute difference. */
  reference: number;
  absError: number;
  /** absError / reference. */
  error: number;
  /**
   * Events one by one (lines only): reference crossings with no crossing of ours in the same direction within
   * EVENT_TOLERANCE_MS (missing), and ours with none of the reference's (extra). The count error hides an extra
   * crossing that makes up for a missing one; these do not.
   */
  missing: number;
  extra: number;
}

/** How far apart in time a reference crossing and ours may be and still be the same event. */
export const EVENT_TOLERANCE_MS = 1000;

/** Greedy one-to-one matching of two crossing lists in time order, per direction. */
function unmatched(reference: readonly { Timestamp: number; Direction: string }[], measured: readonly { Timestamp: number; Direction: string }[]): { missing: number; extra: number } {
  let missing = 0, extra = 0;
  for (const dir of ['IN', 'OUT']) {
    const r = reference.filter((c) => c.Direction === dir).map((c) => c.Timestamp);
    const m = measured.filter((c) => c.Direction === dir).map((c) => c.Timestamp);
    const used = new Array<boolean>(m.length).fill(false);
    for (const t of r) {
      let best = -1;
      for (let j = 0; j < m.length; j++) if (!used[j] && Math.abs(m[j] - t) <= EVENT_TOLERANCE_MS && (best < 0 || Math.abs(m[j] - t) < Math.abs(m[best] - t))) best = j;
      if (best < 0) missing++;
      else used[best] = true;
    }
    extra += used.filter((u) => !u).length;
  }
  return { missing, extra };
}

export interface DwellScore {
  zone: string;
  /** The reference's visits the video did not cut (the median's sample). */
  visits: number;
  reference: number;
  measured: number;
  /** |measured − reference| / reference. */
  error: number;
}

/**
 * Dwell visit by visit: each whole visit of ours paired with the reference's visit of the same person to the same
 * zone that overlaps it in time, and the difference of their lengths. A zone's median can move by a whole visit when
 * one short visit more or less changes which visit is in the middle; this shows how close the visits themselves are.
 */
export interface VisitDwellScore {
  /** The reference's whole visits (not cut by the video). */
  reference: number;
  /**
   * Each of them a whole visit of ours was paired with: the reference visit's length and measured − reference
   * length, in ms.
   */
  pairs: { reference: number; difference: number }[];
}

/**
 * Which reference person a measured visit follows: `(index, from, to)` gives the reference Index whose boxes the
 * measured person's boxes overlap most often (IoU ≥ 0.5) between the two timestamps, or undefined.
 */
export type IdentityOf = (index: number, from: number, to: number) => number | undefined;

/** The same person on both sides (a rule compared on the reference's own boxes). */
export const sameIndex: IdentityOf = (index) => index;

const corners = (b: PersonSample['BoundingBox']): [number, number, number, number] => [b.Left, b.Top, b.Left + b.Width, b.Top + b.Height];

/**
 * At each timestamp, every reference box takes the measured box it overlaps most (IoU ≥ minIou), as CLEAR's
 * per-frame matching does before its one-to-one step; a measured box two reference boxes take goes to the one it
 * overlaps more. Timestamp → measured Index → reference Index.
 */
export function overlapTakes(reference: readonly PersonSample[], measured: readonly PersonSample[], minIou = 0.5): Map<number, Map<number, number>> {
  const atTime = (samples: readonly PersonSample[]): Map<number, PersonSample[]> => {
    const m = new Map<number, PersonSample[]>();
    for (const s of samples) (m.get(s.Timestamp) ?? m.set(s.Timestamp, []).get(s.Timestamp) as PersonSample[]).push(s);
    return m;
  };
  const ours = atTime(measured);
  const taken = new Map<number, Map<number, number>>();
  for (const [t, refs] of atTime(reference)) {
    const here = ours.get(t) ?? [];
    const byIndex = new Map<number, { ref: number; iou: number }>();
    for (const r of refs) {
      let best: PersonSample | undefined, bestIou = minIou;
      for (const o of here) {
        const v = iou(corners(r.BoundingBox), corners(o.BoundingBox));
        if (v >= bestIou) { bestIou = v; best = o; }
      }
      if (best && bestIou > (byIndex.get(best.Index)?.iou ?? 0)) byIndex.set(best.Index, { ref: r.Index, iou: bestIou });
    }
    taken.set(t, new Map([...byIndex].map(([index, x]) => [index, x.ref])));
  }
  return taken;
}

/** IdentityOf from overlapTakes(): a measured person follows the reference person that took it most often between the two times. */
export function identityByOverlap(reference: readonly PersonSample[], measured: readonly PersonSample[], minIou = 0.5): IdentityOf {
  const taken = overlapTakes(reference, measured, minIou);
  const times = [...taken.keys()].sort((a, b) => a - b);
  return (index, from, to) => {
    const votes = new Map<number, number>();
    let lo = 0, hi = times.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (times[mid] < from) lo = mid + 1; else hi = mid; }
    for (let k = lo; k < times.length && times[k] <= to; k++) {
      const g = taken.get(times[k])?.get(index);
      if (g !== undefined) votes.set(g, (votes.get(g) ?? 0) + 1);
    }
    let best: number | undefined, most = 0;
    for (const [g, n] of votes) if (n > most) { most = n; best = g; }
    return best;
  };
}

/** Pairs each whole measured visit with an unpaired whole reference visit of the person it follows, overlapping in time. */
function visitDwell(reference: Analysis, measured: Analysis, identityOf: IdentityOf): VisitDwellScore {
  const score: VisitDwellScore = { reference: 0, pairs: [] };
  for (const r of reference.Zones) {
    const refs = r.VisitList.filter((v) => !v.Censored).map((v) => ({ v, paired: false }));
    score.reference += refs.length;
    const m = measured.Zones.find((z) => z.Name === r.Name);
    for (const v of m?.VisitList ?? []) {
      if (v.Censored) continue;
      const who = identityOf(v.Index, v.EnterTimestamp, v.ExitTimestamp);
      const pair = who === undefined ? undefined : refs.find((x) => !x.paired && x.v.Index === who && x.v.EnterTimestamp <= v.ExitTimestamp && v.EnterTimestamp <= x.v.ExitTimestamp);
      if (!pair) continue;
      pair.paired = true;
      const length = pair.v.ExitTimestamp - pair.v.EnterTimestamp;
      score.pairs.push({ reference: length, difference: v.ExitTimestamp - v.EnterTimestamp - length });
    }
  }
  return score;
}

export interface Comparison {
  across: CategoryScore;
  along: CategoryScore;
  zoneVisits: CategoryScore;
  medianDwell: DwellScore[];
  visitDwell: VisitDwellScore;
  /** Lines the reference never crosses (random geometry's `idle-*`), and the crossings counted on them anyway. */
  idle: { lines: number; extra: number };
  lines: { name: string; reference: { in: number; out: number }; measured: { in: number; out: number } }[];
  zones: { name: string; reference: number; measured: number }[];
}

const kindOf = (name: string): 'across' | 'along' | 'idle' | undefined =>
  name.startsWith('across') ? 'across' : name.startsWith('along') ? 'along' : name.startsWith('idle') ? 'idle' : undefined;

/** Compares `measured` with `reference` (both from the same zone file); `identityOf` pairs their persons' visits. */
export function compare(reference: Analysis, measured: Analysis, identityOf: IdentityOf): Comparison {
  const cat = (): CategoryScore => ({ reference: 0, absError: 0, error: 0, missing: 0, extra: 0 });
  const across = cat(), along = cat(), zoneVisits = cat();
  const idle = { lines: 0, extra: 0 };
  const lines = reference.Lines.map((r, k) => {
    const m = measured.Lines[k];
    const c = kindOf(r.Name) === 'across' ? across : kindOf(r.Name) === 'along' ? along : undefined;
    if (c) {
      c.reference += r.In + r.Out;
      c.absError += Math.abs(m.In - r.In) + Math.abs(m.Out - r.Out);
      const u = unmatched(r.Crossings, m.Crossings);
      c.missing += u.missing;
      c.extra += u.extra;
    }
    if (kindOf(r.Name) === 'idle') {
      idle.lines++;
      idle.extra += m.In + m.Out;
    }
    return { name: r.Name, reference: { in: r.In, out: r.Out }, measured: { in: m.In, out: m.Out } };
  });
  const zones = reference.Zones.map((r, k) => {
    zoneVisits.reference += r.Visits;
    zoneVisits.absError += Math.abs(measured.Zones[k].Visits - r.Visits);
    return { name: r.Name, reference: r.Visits, measured: measured.Zones[k].Visits };
  });
  for (const c of [across, along, zoneVisits]) c.error = c.reference > 0 ? c.absError / c.reference : c.absError > 0 ? Infinity : 0;
  const medianDwell = reference.Zones.filter((r) => r.DwellMillis.Visits > 0).map((r) => {
    const m = measured.Zones.find((z) => z.Name === r.Name) as Analysis['Zones'][number];
    const ref = r.DwellMillis.Median;
    return { zone: r.Name, visits: r.DwellMillis.Visits, reference: ref, measured: m.DwellMillis.Median, error: ref > 0 ? Math.abs(m.DwellMillis.Median - ref) / ref : 0 };
  });
  return { across, along, zoneVisits, medianDwell, visitDwell: visitDwell(reference, measured, identityOf), idle, lines, zones };
}

/** Zones whose reference has at least this many whole visits have a median worth comparing. */
export const DWELL_MIN_VISITS = 5;

/** Sums the categories of several comparisons (the targets are over all lines and zones of both sequences). */
export function pool(cs: readonly Comparison[]): {
  across: CategoryScore;
  along: CategoryScore;
  zoneVisits: CategoryScore;
  medianDwellMaxError: number;
  medianDwellMaxErrorMin5: number;
  /** Zones with ≥ DWELL_MIN_VISITS whole reference visits, and how many of them have a median dwell within the target. */
  medianDwellZonesMin5: number;
  medianDwellWithinMin5: number;
  /**
   * Whole reference visits paired with one of ours; the median and 90th percentile of the pairs' |length difference|,
   * ms; and the pairs whose length is within the dwell target of the reference visit's.
   */
  visitDwell: { reference: number; paired: number; medianAbsMillis: number; p90AbsMillis: number; withinTarget: number };
  idle: Comparison['idle'];
} {
  const sum = (k: 'across' | 'along' | 'zoneVisits'): CategoryScore => {
    const reference = cs.reduce((s, c) => s + c[k].reference, 0);
    const absError = cs.reduce((s, c) => s + c[k].absError, 0);
    const missing = cs.reduce((s, c) => s + c[k].missing, 0);
    const extra = cs.reduce((s, c) => s + c[k].extra, 0);
    return { reference, absError, error: reference > 0 ? absError / reference : 0, missing, extra };
  };
  const idle = { lines: cs.reduce((s, c) => s + c.idle.lines, 0), extra: cs.reduce((s, c) => s + c.idle.extra, 0) };
  const min5 = cs.flatMap((c) => c.medianDwell.filter((d) => d.visits >= DWELL_MIN_VISITS));
  const pairs = cs.flatMap((c) => c.visitDwell.pairs);
  const abs = pairs.map((x) => Math.abs(x.difference)).sort((a, b) => a - b);
  const rank = (q: number): number => (abs.length === 0 ? 0 : abs[Math.min(abs.length - 1, Math.floor(q * abs.length))]);
  return {
    across: sum('across'),
    along: sum('along'),
    zoneVisits: sum('zoneVisits'),
    medianDwellMaxError: Math.max(0, ...cs.flatMap((c) => c.medianDwell.map((d) => d.error))),
    medianDwellMaxErrorMin5: Math.max(0, ...min5.map((d) => d.error)),
    medianDwellZonesMin5: min5.length,
    medianDwellWithinMin5: min5.filter((d) => withinDwell(d.reference, d.measured)).length,
    visitDwell: {
      reference: cs.reduce((s, c) => s + c.visitDwell.reference, 0),
      paired: pairs.length,
      medianAbsMillis: rank(0.5),
      p90AbsMillis: rank(0.9),
      withinTarget: pairs.filter((x) => withinDwell(x.reference, x.reference + x.difference)).length,
    },
    idle,
  };
}

/** The pooled scores of our tracks, of the naive rule on them and of the default rule on the ground truth. */
export function poolAll(results: readonly SequenceCounts[]): { ours: ReturnType<typeof pool>; naive: ReturnType<typeof pool>; oracle: ReturnType<typeof pool> } {
  return {
    ours: pool(results.map((r) => r.comparison)),
    naive: pool(results.map((r) => r.naiveComparison)),
    oracle: pool(results.map((r) => r.oracleComparison)),
  };
}

export interface SequenceCounts {
  sequence: string;
  zoneFile: string;
  /** The raw rule on ground truth (the reference), the default rule on our tracks, and the naive raw rule on our tracks. */
  groundTruth: Analysis;
  ours: Analysis;
  naive: Analysis;
  /** The default rule on the ground truth's own boxes: how far the rule alone moves the counts from the raw rule's. */
  oracle: Analysis;
  comparison: Comparison;
  naiveComparison: Comparison;
  oracleComparison: Comparison;
}

export function countSequence(sequence: string, zoneFile: string, zones: ZoneFile, gt: PersonSample[], ours: PersonSample[], info: SeqInfo, rule: AnalyseOptions = {}): SequenceCounts {
  const aspectRatio = aspectOf(info);
  const groundTruth = analyse(gt, zones, { raw: true, aspectRatio });
  const mine = analyse(ours, zones, { ...rule, raw: false, aspectRatio });
  const naive = analyse(ours, zones, { raw: true, aspectRatio });
  const oracle = analyse(gt, zones, { ...rule, raw: false, aspectRatio });
  const identityOf = identityByOverlap(gt, ours);
  return { sequence, zoneFile, groundTruth, ours: mine, naive, oracle, comparison: compare(groundTruth, mine, identityOf), naiveComparison: compare(groundTruth, naive, identityOf), oracleComparison: compare(groundTruth, oracle, sameIndex) };
}

export const zoneFilePath = (dir: string, sequence: string): string => join(dir, `${sequence}.json`);
