/**
 * HOTA (Luiten et al., IJCV 2020) exactly as TrackEval's `trackeval/metrics/hota.py` computes it.
 *
 * For each localisation threshold alpha in 0.05, 0.10, … 0.95:
 *   matching per frame = Hungarian maximising  A_global(gt id, tracker id) · IoU, where A_global is the
 *   "global alignment score" (a soft, IoU-weighted Jaccard of the two ids' whole tracks); a matched pair is a
 *   TP at alpha when its IoU ≥ alpha.
 *   DetA = TP / (TP + FN + FP);  AssA = (1/TP) Σ_TP  TPA / (TPA + FNA + FPA)  for the (gt id, tracker id) of
 *   each TP;  HOTA_alpha = sqrt(DetA · AssA);  LocA = mean IoU of the TPs.
 * Reported HOTA/DetA/AssA/LocA are the means over the 19 alphas.
 */
import { maxScoreAssignment } from './assignment.js';
import type { EvalData } from './prepare.js';

const EPS = 2.220446049250313e-16;
/** np.arange(0.05, 0.99, 0.05) */
export const HOTA_ALPHAS: readonly number[] = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05);

export interface HotaCounts {
  /** Per alpha. */
  TP: number[];
  FN: number[];
  FP: number[];
  /** Per alpha. */
  AssA: number[];
  AssRe: number[];
  AssPr: number[];
  LocA: number[];
}

export interface HotaResult extends HotaCounts {
  DetA: number[];
  DetRe: number[];
  DetPr: number[];
  HOTA: number[];
  /** Means over the alphas (what TrackEval prints). */
  summary: { HOTA: number; DetA: number; AssA: number; LocA: number; DetRe: number; DetPr: number; AssRe: number; AssPr: number; 'HOTA(0)': number; 'LocA(0)': number };
}

const zeros = (): number[] => HOTA_ALPHAS.map(() => 0);
const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;

function finalise(c: HotaCounts): HotaResult {
  const DetRe = c.TP.map((tp, a) => tp / Math.max(1, tp + c.FN[a]));
  const DetPr = c.TP.map((tp, a) => tp / Math.max(1, tp + c.FP[a]));
  const DetA = c.TP.map((tp, a) => tp / Math.max(1, tp + c.FN[a] + c.FP[a]));
  const HOTA = DetA.map((d, a) => Math.sqrt(d * c.AssA[a]));
  return {
    ...c,
    DetA,
    DetRe,
    DetPr,
    HOTA,
    summary: {
      HOTA: mean(HOTA),
      DetA: mean(DetA),
      AssA: mean(c.AssA),
      LocA: mean(c.LocA),
      DetRe: mean(DetRe),
      DetPr: mean(DetPr),
      AssRe: mean(c.AssRe),
      AssPr: mean(c.AssPr),
      'HOTA(0)': HOTA[0],
      'LocA(0)': c.LocA[0],
    },
  };
}

export function hotaSequence(data: EvalData): HotaResult {
  const nA = HOTA_ALPHAS.length;
  const c: HotaCounts = { TP: zeros(), FN: zeros(), FP: zeros(), AssA: zeros(), AssRe: zeros(), AssPr: zeros(), LocA: zeros() };
  if (data.numTrackerDets === 0) {
    c.FN = HOTA_ALPHAS.map(() => data.numGtDets);
    c.LocA = HOTA_ALPHAS.map(() => 1);
    return finalise(c);
  }
  if (data.numGtDets === 0) {
    c.FP = HOTA_ALPHAS.map(() => data.numTrackerDets);
    c.LocA = HOTA_ALPHAS.map(() => 1);
    return finalise(c);
  }
  const G = data.numGtIds;
  const T = data.numTrackerIds;
  const potential = new Float64Array(G * T);
  const gtIdCount = new Float64Array(G);
  const trIdCount = new Float64Array(T);
  for (let t = 0; t < data.numTimesteps; t++) {
    const g = data.gtIds[t];
    const tr = data.trackerIds[t];
    const sim = data.similarity[t];
    const n = tr.length;
    const rowSum = new Float64Array(g.length);
    const colSum = new Float64Array(n);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < n; j++) {
        rowSum[i] += sim[i * n + j];
        colSum[j] += sim[i * n + j];
      }
    }
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < n; j++) {
        const s = sim[i * n + j];
        const denom = colSum[j] + rowSum[i] - s;
        if (denom > EPS) potential[g[i] * T + tr[j]] += s / denom;
      }
    }
    for (const id of g) gtIdCount[id] += 1;
    for (const id of tr) trIdCount[id] += 1;
  }
  const globalAlignment = new Float64Array(G * T);
  for (let i = 0; i < G; i++) {
    for (let j = 0; j < T; j++) {
      const p = potential[i * T + j];
      globalAlignment[i * T + j] = p / (gtIdCount[i] + trIdCount[j] - p);
    }
  }

  const matches = HOTA_ALPHAS.map(() => new Float64Array(G * T));
  for (let t = 0; t < data.numTimesteps; t++) {
    const g = data.gtIds[t];
    const tr = data.trackerIds[t];
    if (g.length === 0) {
      for (let a = 0; a < nA; a++) c.FP[a] += tr.length;
      continue;
    }
    if (tr.length === 0) {
      for (let a = 0; a < nA; a++) c.FN[a] += g.length;
      continue;
    }
    const sim = data.similarity[t];
    const n = tr.length;
    const score = new Float64Array(g.length * n);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < n; j++) score[i * n + j] = globalAlignment[g[i] * T + tr[j]] * sim[i * n + j];
    }
    const m = maxScoreAssignment({ rows: g.length, cols: n, data: score });
    for (let a = 0; a < nA; a++) {
      let num = 0;
      let locSum = 0;
      for (let k = 0; k < m.rows.length; k++) {
        const s = sim[m.rows[k] * n + m.cols[k]];
        if (s >= HOTA_ALPHAS[a] - EPS) {
          num++;
          locSum += s;
          matches[a][g[m.rows[k]] * T + tr[m.cols[k]]] += 1;
        }
      }
      c.TP[a] += num;
      c.FN[a] += g.length - num;
      c.FP[a] += n - num;
      if (num > 0) c.LocA[a] += locSum;
    }
  }

  for (let a = 0; a < nA; a++) {
    const mc = matches[a];
    let assA = 0;
    let assRe = 0;
    let assPr = 0;
    for (let i = 0; i < G; i++) {
      for (let j = 0; j < T; j++) {
        const k = mc[i * T + j];
        if (k === 0) continue;
        assA += (k * k) / Math.max(1, gtIdCount[i] + trIdCount[j] - k);
        assRe += (k * k) / Math.max(1, gtIdCount[i]);
        assPr += (k * k) / Math.max(1, trIdCount[j]);
      }
    }
    const tp = Math.max(1, c.TP[a]);
    c.AssA[a] = assA / tp;
    c.AssRe[a] = assRe / tp;
    c.AssPr[a] = assPr / tp;
    c.LocA[a] = Math.max(1e-10, c.LocA[a]) / Math.max(1e-10, c.TP[a]);
  }
  return finalise(c);
}

/** TrackEval's `HOTA.combine_sequences`: counts summed; AssA/AssRe/AssPr/LocA averaged weighted by TP per alpha. */
export function hotaCombine(all: readonly HotaResult[]): HotaResult {
  const sum = (f: (r: HotaResult) => number[]): number[] => HOTA_ALPHAS.map((_, a) => all.reduce((s, r) => s + f(r)[a], 0));
  const TP = sum((r) => r.TP);
  const weighted = (f: (r: HotaResult) => number[]): number[] =>
    HOTA_ALPHAS.map((_, a) => all.reduce((s, r) => s + f(r)[a] * r.TP[a], 0) / Math.max(1, TP[a]));
  const locWeighted = sum((r) => r.LocA.map((l, a) => l * r.TP[a]));
  return finalise({
    TP,
    FN: sum((r) => r.FN),
    FP: sum((r) => r.FP),
    AssA: weighted((r) => r.AssA),
    AssRe: weighted((r) => r.AssRe),
    AssPr: weighted((r) => r.AssPr),
    LocA: locWeighted.map((l, a) => Math.max(1e-10, l) / Math.max(1e-10, TP[a])),
  });
}
