/**
 * Identity metrics (Ristani et al. 2016) exactly as TrackEval's `trackeval/metrics/identity.py`.
 *
 * Each gt id is assigned to at most one tracker id for the whole sequence (a global min-cost bipartite
 * matching over ids); a box pair counts as an identity true positive (IDTP) when its ids are assigned to each
 * other and IoU ≥ 0.5 in that frame. The assignment minimises IDFN + IDFP.
 *   IDP = IDTP / (IDTP + IDFP),  IDR = IDTP / (IDTP + IDFN),  IDF1 = 2·IDTP / (2·IDTP + IDFP + IDFN).
 */
import { linearSumAssignment } from './assignment.js';
import type { EvalData } from './prepare.js';

const THRESHOLD = 0.5;

export interface IdentityResult {
  IDTP: number;
  IDFN: number;
  IDFP: number;
  IDF1: number;
  IDP: number;
  IDR: number;
}

function finalise(c: { IDTP: number; IDFN: number; IDFP: number }): IdentityResult {
  return {
    ...c,
    IDR: c.IDTP / Math.max(1, c.IDTP + c.IDFN),
    IDP: c.IDTP / Math.max(1, c.IDTP + c.IDFP),
    IDF1: c.IDTP / Math.max(1, c.IDTP + 0.5 * c.IDFP + 0.5 * c.IDFN),
  };
}

export function identitySequence(data: EvalData): IdentityResult {
  if (data.numTrackerDets === 0) return finalise({ IDTP: 0, IDFN: data.numGtDets, IDFP: 0 });
  if (data.numGtDets === 0) return finalise({ IDTP: 0, IDFN: 0, IDFP: data.numTrackerDets });
  const G = data.numGtIds;
  const T = data.numTrackerIds;
  const potential = new Float64Array(G * T);
  const gtIdCount = new Float64Array(G);
  const trIdCount = new Float64Array(T);
  for (let t = 0; t < data.numTimesteps; t++) {
    const g = data.gtIds[t];
    const tr = data.trackerIds[t];
    const sim = data.similarity[t];
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < tr.length; j++) if (sim[i * tr.length + j] >= THRESHOLD) potential[g[i] * T + tr[j]] += 1;
    }
    for (const id of g) gtIdCount[id] += 1;
    for (const id of tr) trIdCount[id] += 1;
  }
  // (G+T)×(G+T) cost: gt i ↔ tracker j costs (FN + FP) of pairing them; gt i ↔ its own dummy column costs
  // all its boxes as FN; tracker j ↔ its own dummy row costs all its boxes as FP; other dummy pairs are
  // forbidden (1e10) or free.
  const N = G + T;
  const fn = new Float64Array(N * N);
  const fp = new Float64Array(N * N);
  for (let r = G; r < N; r++) for (let col = 0; col < T; col++) fp[r * N + col] = 1e10;
  for (let r = 0; r < G; r++) for (let col = T; col < N; col++) fn[r * N + col] = 1e10;
  for (let i = 0; i < G; i++) {
    for (let col = 0; col < T; col++) fn[i * N + col] = gtIdCount[i];
    fn[i * N + T + i] = gtIdCount[i];
  }
  for (let j = 0; j < T; j++) {
    for (let r = 0; r < G; r++) fp[r * N + j] = trIdCount[j];
    fp[(j + G) * N + j] = trIdCount[j];
  }
  for (let i = 0; i < G; i++) {
    for (let j = 0; j < T; j++) {
      fn[i * N + j] -= potential[i * T + j];
      fp[i * N + j] -= potential[i * T + j];
    }
  }
  const cost = new Float64Array(N * N);
  for (let k = 0; k < cost.length; k++) cost[k] = fn[k] + fp[k];
  const m = linearSumAssignment({ rows: N, cols: N, data: cost });
  let idfn = 0;
  let idfp = 0;
  for (let k = 0; k < m.rows.length; k++) {
    idfn += fn[m.rows[k] * N + m.cols[k]];
    idfp += fp[m.rows[k] * N + m.cols[k]];
  }
  const totalGt = gtIdCount.reduce((s, x) => s + x, 0);
  return finalise({ IDTP: Math.trunc(totalGt - idfn), IDFN: Math.trunc(idfn), IDFP: Math.trunc(idfp) });
}

/** TrackEval's `Identity.combine_sequences`: IDTP/IDFN/IDFP summed, ratios recomputed. */
export function identityCombine(all: readonly IdentityResult[]): IdentityResult {
  const s = (k: 'IDTP' | 'IDFN' | 'IDFP'): number => all.reduce((acc, r) => acc + r[k], 0);
  return finalise({ IDTP: s('IDTP'), IDFN: s('IDFN'), IDFP: s('IDFP') });
}
