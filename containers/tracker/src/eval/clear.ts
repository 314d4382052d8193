/**
 * CLEAR MOT metrics (Bernardin & Stiefelhagen 2008) exactly as TrackEval's `trackeval/metrics/clear.py`.
 *
 * Per frame, gt and tracker boxes are matched by Hungarian on  1000·[tracker id = the one this gt id was
 * matched to in the previous frame] + IoU, with pairs below IoU 0.5 forbidden; so continuing a match wins over
 * a better IoU, and among the rest total IoU is maximised.
 *   IDSW: a gt id matched to a different tracker id than the last time it was matched (any frame back).
 *   Frag: number of times a gt track's matched run restarts after an interruption.
 *   MOTA = (TP − FP − IDSW) / (TP + FN);  MOTP = mean IoU of the TPs.
 *   MT / PT / ML: gt ids tracked > 80 % / 20–80 % / < 20 % of their frames.
 * TrackEval quirk kept on purpose: a frame with no gt or no tracker box does not reset "previous frame" state.
 */
import { maxScoreAssignment } from './assignment.js';
import type { EvalData } from './prepare.js';

const EPS = 2.220446049250313e-16;
const THRESHOLD = 0.5;

export interface ClearCounts {
  TP: number;
  FN: number;
  FP: number;
  IDSW: number;
  MT: number;
  PT: number;
  ML: number;
  Frag: number;
  Frames: number;
  MOTP_sum: number;
}

export interface ClearResult extends ClearCounts {
  MOTA: number;
  MOTP: number;
  MODA: number;
  Recall: number;
  Precision: number;
  MTR: number;
  PTR: number;
  MLR: number;
  sMOTA: number;
  F1: number;
  FP_per_frame: number;
}

function finalise(c: ClearCounts): ClearResult {
  const nIds = c.MT + c.PT + c.ML;
  const gtDets = Math.max(1, c.TP + c.FN);
  return {
    ...c,
    MTR: c.MT / Math.max(1, nIds),
    PTR: c.PT / Math.max(1, nIds),
    MLR: c.ML / Math.max(1, nIds),
    Recall: c.TP / gtDets,
    Precision: c.TP / Math.max(1, c.TP + c.FP),
    MODA: (c.TP - c.FP) / gtDets,
    MOTA: (c.TP - c.FP - c.IDSW) / gtDets,
    MOTP: c.MOTP_sum / Math.max(1, c.TP),
    sMOTA: (c.MOTP_sum - c.FP - c.IDSW) / gtDets,
    F1: c.TP / Math.max(1, c.TP + 0.5 * c.FN + 0.5 * c.FP),
    FP_per_frame: c.FP / Math.max(1, c.Frames),
  };
}

export function clearSequence(data: EvalData): ClearResult {
  const c: ClearCounts = { TP: 0, FN: 0, FP: 0, IDSW: 0, MT: 0, PT: 0, ML: 0, Frag: 0, Frames: 0, MOTP_sum: 0 };
  if (data.numTrackerDets === 0) {
    c.FN = data.numGtDets;
    c.ML = data.numGtIds;
    return { ...finalise(c), MLR: 1 };
  }
  if (data.numGtDets === 0) {
    c.FP = data.numTrackerDets;
    return { ...finalise(c), MLR: 1 };
  }
  const G = data.numGtIds;
  const gtIdCount = new Float64Array(G);
  const gtMatchedCount = new Float64Array(G);
  const gtFragCount = new Float64Array(G);
  const prevTrackerId = new Float64Array(G).fill(NaN); // last tracker id ever matched (for IDSW)
  let prevTimestepTrackerId = new Float64Array(G).fill(NaN); // tracker id matched in the previous frame

  for (let t = 0; t < data.numTimesteps; t++) {
    const g = data.gtIds[t];
    const tr = data.trackerIds[t];
    if (g.length === 0) {
      c.FP += tr.length;
      continue;
    }
    if (tr.length === 0) {
      c.FN += g.length;
      for (const id of g) gtIdCount[id] += 1;
      continue;
    }
    const sim = data.similarity[t];
    const n = tr.length;
    const score = new Float64Array(g.length * n);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < n; j++) {
        const s = sim[i * n + j];
        score[i * n + j] = s < THRESHOLD - EPS ? 0 : (tr[j] === prevTimestepTrackerId[g[i]] ? 1000 : 0) + s;
      }
    }
    const m = maxScoreAssignment({ rows: g.length, cols: n, data: score });
    const matchedGt: number[] = [];
    const matchedTr: number[] = [];
    let motp = 0;
    for (let k = 0; k < m.rows.length; k++) {
      if (score[m.rows[k] * n + m.cols[k]] > EPS) {
        matchedGt.push(g[m.rows[k]]);
        matchedTr.push(tr[m.cols[k]]);
        motp += sim[m.rows[k] * n + m.cols[k]];
      }
    }
    for (let k = 0; k < matchedGt.length; k++) {
      const prev = prevTrackerId[matchedGt[k]];
      if (!Number.isNaN(prev) && prev !== matchedTr[k]) c.IDSW++;
    }
    for (const id of g) gtIdCount[id] += 1;
    const next = new Float64Array(G).fill(NaN);
    for (let k = 0; k < matchedGt.length; k++) {
      gtMatchedCount[matchedGt[k]] += 1;
      prevTrackerId[matchedGt[k]] = matchedTr[k];
      next[matchedGt[k]] = matchedTr[k];
    }
    for (let i = 0; i < G; i++) if (Number.isNaN(prevTimestepTrackerId[i]) && !Number.isNaN(next[i])) gtFragCount[i] += 1;
    prevTimestepTrackerId = next;

    c.TP += matchedGt.length;
    c.FN += g.length - matchedGt.length;
    c.FP += n - matchedGt.length;
    c.MOTP_sum += motp;
  }

  let tracked = 0;
  for (let i = 0; i < G; i++) {
    if (gtIdCount[i] > 0) {
      const ratio = gtMatchedCount[i] / gtIdCount[i];
      if (ratio > 0.8) c.MT++;
      if (ratio >= 0.2) tracked++;
    }
    if (gtFragCount[i] > 0) c.Frag += gtFragCount[i] - 1;
  }
  c.PT = tracked - c.MT;
  c.ML = G - c.MT - c.PT;
  c.Frames = data.numTimesteps;
  return finalise(c);
}

/** TrackEval's `CLEAR.combine_sequences`: all counts (and the IoU sum) summed, then the ratios recomputed. */
export function clearCombine(all: readonly ClearResult[]): ClearResult {
  const s = (k: keyof ClearCounts): number => all.reduce((acc, r) => acc + r[k], 0);
  return finalise({
    TP: s('TP'),
    FN: s('FN'),
    FP: s('FP'),
    IDSW: s('IDSW'),
    MT: s('MT'),
    PT: s('PT'),
    ML: s('ML'),
    Frag: s('Frag'),
    Frames: s('Frames'),
    MOTP_sum: s('MOTP_sum'),
  });
}
