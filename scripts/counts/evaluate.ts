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

export const COUNT_SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'] as const;

/** Issue 22's targets: total absolute error as a share of the ground truth's count; median dwell per zone. */
export const TARGETS = { across: 0.05, along: 0.2, zoneVisits: 0.1, medianDwell: 0.1 } as const;

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

export interface Comparison {
  across: CategoryScore;
  along: CategoryScore;
  zoneVisits: CategoryScore;
  medianDwell: DwellScore[];
  /** Lines the reference never crosses (random geometry's `idle-*`), and the crossings counted on them anyway. */
  idle: { lines: number; extra: number };
  lines: { name: string; reference: { in: number; out: number }; measured: { in: number; out: number } }[];
  zones: { name: string; reference: number; measured: number }[];
}

const kindOf = (name: string): 'across' | 'along' | 'idle' | undefined =>
  name.startsWith('across') ? 'across' : name.startsWith('along') ? 'along' : name.startsWith('idle') ? 'idle' : undefined;

/** Compares `measured` with `reference` (both from the same zone file). */
export function compare(reference: Analysis, measured: Analysis): Comparison {
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
  return { across, along, zoneVisits, medianDwell, idle, lines, zones };
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
  return {
    across: sum('across'),
    along: sum('along'),
    zoneVisits: sum('zoneVisits'),
    medianDwellMaxError: Math.max(0, ...cs.flatMap((c) => c.medianDwell.map((d) => d.error))),
    medianDwellMaxErrorMin5: Math.max(0, ...min5.map((d) => d.error)),
    medianDwellZonesMin5: min5.length,
    medianDwellWithinMin5: min5.filter((d) => d.error <= TARGETS.medianDwell).length,
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
  return { sequence, zoneFile, groundTruth, ours: mine, naive, oracle, comparison: compare(groundTruth, mine), naiveComparison: compare(groundTruth, naive), oracleComparison: compare(groundTruth, oracle) };
}

export const zoneFilePath = (dir: string, sequence: string): string => join(dir, `${sequence}.json`);
