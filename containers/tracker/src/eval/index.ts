/**
 * MOT evaluation with TrackEval's definitions: HOTA (DetA, AssA, LocA), CLEAR MOT (MOTA, MOTP, IDSW, FP, FN,
 * Frag, MT/PT/ML) and Identity (IDF1, IDP, IDR), after MOTChallenge preprocessing (see prepare.ts).
 *
 *   const r = evaluateSequence(gtRows, trackerRows, { numFrames: seqLength, name: 'PETS09-S2L1' });
 *   const all = combine([r1, r2]);   // TrackEval's COMBINED row
 */
import { clearCombine, clearSequence, type ClearResult } from './clear.js';
import { hotaCombine, hotaSequence, type HotaResult } from './hota.js';
import { identityCombine, identitySequence, type IdentityResult } from './identity.js';
import type { MotBenchmark, MotRow } from './mot-io.js';
import { prepareSequence, type PrepareOptions } from './prepare.js';

export * from './mot-io.js';
export { prepareSequence, boxIous, type EvalData, type PrepareOptions } from './prepare.js';
export { hotaSequence, hotaCombine, HOTA_ALPHAS, type HotaResult } from './hota.js';
export { clearSequence, clearCombine, type ClearResult } from './clear.js';
export { identitySequence, identityCombine, type IdentityResult } from './identity.js';
export { linearSumAssignment } from './assignment.js';

export interface EvaluateOptions extends PrepareOptions {
  /** Label for tables; default 'sequence'. */
  name?: string;
}

/** The headline numbers, as TrackEval prints them (HOTA-family values are means over the 19 alphas). */
export interface MetricsSummary {
  HOTA: number;
  DetA: number;
  AssA: number;
  LocA: number;
  DetRe: number;
  DetPr: number;
  AssRe: number;
  AssPr: number;
  MOTA: number;
  MOTP: number;
  IDSW: number;
  TP: number;
  FP: number;
  FN: number;
  Frag: number;
  MT: number;
  PT: number;
  ML: number;
  IDF1: number;
  IDP: number;
  IDR: number;
  IDTP: number;
  IDFP: number;
  IDFN: number;
}

export interface EvaluationResult {
  name: string;
  /** Layout of the ground truth ('COMBINED' results keep the first sequence's). */
  benchmark: MotBenchmark;
  counts: { frames: number; gtDets: number; trackerDets: number; gtIds: number; trackerIds: number; removedTrackerDets: number };
  hota: HotaResult;
  clear: ClearResult;
  identity: IdentityResult;
  summary: MetricsSummary;
}

function summarise(hota: HotaResult, clear: ClearResult, identity: IdentityResult): MetricsSummary {
  const h = hota.summary;
  return {
    HOTA: h.HOTA,
    DetA: h.DetA,
    AssA: h.AssA,
    LocA: h.LocA,
    DetRe: h.DetRe,
    DetPr: h.DetPr,
    AssRe: h.AssRe,
    AssPr: h.AssPr,
    MOTA: clear.MOTA,
    MOTP: clear.MOTP,
    IDSW: clear.IDSW,
    TP: clear.TP,
    FP: clear.FP,
    FN: clear.FN,
    Frag: clear.Frag,
    MT: clear.MT,
    PT: clear.PT,
    ML: clear.ML,
    IDF1: identity.IDF1,
    IDP: identity.IDP,
    IDR: identity.IDR,
    IDTP: identity.IDTP,
    IDFP: identity.IDFP,
    IDFN: identity.IDFN,
  };
}

/** Scores one sequence's tracker rows against its ground-truth rows. */
export function evaluateSequence(gt: readonly MotRow[], tracker: readonly MotRow[], opts: EvaluateOptions = {}): EvaluationResult {
  const data = prepareSequence(gt, tracker, opts);
  const hota = hotaSequence(data);
  const clear = clearSequence(data);
  const identity = identitySequence(data);
  return {
    name: opts.name ?? 'sequence',
    benchmark: data.benchmark,
    counts: {
      frames: data.numTimesteps,
      gtDets: data.numGtDets,
      trackerDets: data.numTrackerDets,
      gtIds: data.numGtIds,
      trackerIds: data.numTrackerIds,
      removedTrackerDets: data.removedTrackerDets,
    },
    hota,
    clear,
    identity,
    summary: summarise(hota, clear, identity),
  };
}

/** TrackEval's COMBINED row over several sequences (counts summed; HOTA's AssA/LocA TP-weighted per alpha). */
export function combine(results: readonly EvaluationResult[], name = 'COMBINED'): EvaluationResult {
  if (results.length === 0) throw new Error('combine: no results');
  const hota = hotaCombine(results.map((r) => r.hota));
  const clear = clearCombine(results.map((r) => r.clear));
  const identity = identityCombine(results.map((r) => r.identity));
  const sum = (k: keyof EvaluationResult['counts']): number => results.reduce((s, r) => s + r.counts[k], 0);
  return {
    name,
    benchmark: results[0].benchmark,
    counts: {
      frames: sum('frames'),
      gtDets: sum('gtDets'),
      trackerDets: sum('trackerDets'),
      gtIds: sum('gtIds'),
      trackerIds: sum('trackerIds'),
      removedTrackerDets: sum('removedTrackerDets'),
    },
    hota,
    clear,
    identity,
    summary: summarise(hota, clear, identity),
  };
}

const TABLE_COLUMNS: Array<[keyof MetricsSummary, 'pct' | 'int']> = [
  ['HOTA', 'pct'],
  ['DetA', 'pct'],
  ['AssA', 'pct'],
  ['LocA', 'pct'],
  ['MOTA', 'pct'],
  ['MOTP', 'pct'],
  ['IDF1', 'pct'],
  ['IDP', 'pct'],
  ['IDR', 'pct'],
  ['IDSW', 'int'],
  ['FP', 'int'],
  ['FN', 'int'],
  ['Frag', 'int'],
  ['MT', 'int'],
  ['ML', 'int'],
];

/** A fixed-width text table, one row per result; rates shown ×100 with 3 decimals (TrackEval's style). */
export function formatTable(results: readonly EvaluationResult[]): string {
  const nameW = Math.max(8, ...results.map((r) => r.name.length));
  const head = ['Sequence'.padEnd(nameW), ...TABLE_COLUMNS.map(([k]) => k.padStart(8))].join(' ');
  const rows = results.map((r) =>
    [
      r.name.padEnd(nameW),
      ...TABLE_COLUMNS.map(([k, kind]) => (kind === 'pct' ? (100 * r.summary[k]).toFixed(3) : String(r.summary[k])).padStart(8)),
    ].join(' '),
  );
  return [head, ...rows].join('\n');
}
export { motRowsToPersons, motTimestamp, motVideoMetadata } from './rekognition.js';
