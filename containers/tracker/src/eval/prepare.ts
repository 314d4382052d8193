/**
 * MOTChallenge preprocessing, after TrackEval's `MotChallenge2DBox.get_preprocessed_seq_data`: turns ground
 * truth and tracker rows into the per-frame id lists and IoU matrices the metrics read.
 *
 * Per frame t (1..numTimesteps):
 *   1. IoU of every gt box (all classes, all flags) against every tracker box (boxes are x,y,w,h; x2 = x + w).
 *   2. Distractors: tracker boxes matched (Hungarian on IoU, only pairs with IoU ≥ 0.5) to a gt box that is a
 *      distractor are removed, so they are neither TP nor FP.
 *        MOT17/20 layout: distractor = class person_on_vehicle, static_person, distractor, reflection
 *        (+ non_mot_vehicle for MOT20), exactly TrackEval's list.
 *        MOT15 layout: no distractors (TrackEval), unless `zeroFlag: 'dont-care'` makes zero-flag boxes ones.
 *   3. The gt kept for scoring: flag ≠ 0 and (MOT17/20 only) class = pedestrian.
 *   4. Ids are relabelled 0..n-1 over the whole sequence.
 *
 * By default this is TrackEval's MOT15 rule exactly: zero-flag gt is dropped, and tracker boxes on it stay (they
 * are false positives) — the protocol of every published number we compare with. `zeroFlag: 'dont-care'` instead
 * removes tracker boxes matched to zero-flag gt (step 2), which is closer to what the flag means; it is an option only.
 */
import { maxScoreAssignment } from './assignment.js';
import { detectGtLayout, MOT_CLASS_IDS, type MotBenchmark, type MotRow } from './mot-io.js';

export interface PrepareOptions {
  /** Ground-truth layout; default: detected from the gt rows (`detectGtLayout`). */
  benchmark?: MotBenchmark;
  /**
   * Number of frames in the sequence (seqinfo's seqLength). Rows beyond it are an error, as in TrackEval.
   * Default: the largest frame number in gt or tracker rows.
   */
  numFrames?: number;
  /** MOT15 layout: 'drop-gt' (default) is TrackEval's MOT15; 'dont-care' also removes tracker boxes matched to zero-flag gt. */
  zeroFlag?: 'dont-care' | 'drop-gt';
}

/** The evaluation input TrackEval's metrics read (`data` in its metric classes). */
export interface EvalData {
  numTimesteps: number;
  /** Per frame: gt ids (0..numGtIds-1) kept for scoring. */
  gtIds: Int32Array[];
  /** Per frame: tracker ids (0..numTrackerIds-1) kept for scoring. */
  trackerIds: Int32Array[];
  /** Per frame: IoU matrix, row-major [gt index][tracker index], gtIds[t].length × trackerIds[t].length. */
  similarity: Float64Array[];
  numGtIds: number;
  numTrackerIds: number;
  numGtDets: number;
  numTrackerDets: number;
  /** Layout used. */
  benchmark: MotBenchmark;
  /** Tracker boxes removed because they matched a distractor / don't-care gt box. */
  removedTrackerDets: number;
}

const EPS = 2.220446049250313e-16; // np.finfo('float').eps

/** IoU matrix between two box lists, TrackEval's `_calculate_box_ious(..., box_format='xywh')`. */
export function boxIous(a: readonly MotRow[], b: readonly MotRow[]): Float64Array {
  const out = new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    const ax2 = p.x + p.w;
    const ay2 = p.y + p.h;
    const areaA = (ax2 - p.x) * (ay2 - p.y);
    for (let j = 0; j < b.length; j++) {
      const q = b[j];
      const bx2 = q.x + q.w;
      const by2 = q.y + q.h;
      const areaB = (bx2 - q.x) * (by2 - q.y);
      let inter = Math.max(Math.min(ax2, bx2) - Math.max(p.x, q.x), 0) * Math.max(Math.min(ay2, by2) - Math.max(p.y, q.y), 0);
      let union = areaA + areaB - inter;
      if (areaA <= EPS || areaB <= EPS || union <= EPS) inter = 0;
      if (union <= EPS) union = 1;
      out[i * b.length + j] = inter / union;
    }
  }
  return out;
}

function groupByFrame(rows: readonly MotRow[], numFrames: number, what: string): MotRow[][] {
  const out: MotRow[][] = Array.from({ length: numFrames }, () => []);
  for (const r of rows) {
    if (r.frame < 1 || r.frame > numFrames) {
      throw new Error(`${what} has a row for frame ${r.frame}, outside the sequence's frames 1..${numFrames}`);
    }
    out[r.frame - 1].push(r);
  }
  for (let t = 0; t < numFrames; t++) {
    const seen = new Set<number>();
    for (const r of out[t]) {
      if (seen.has(r.id)) throw new Error(`${what}: id ${r.id} appears twice in frame ${t + 1}`);
      seen.add(r.id);
    }
  }
  return out;
}

function isDistractor(r: MotRow, benchmark: MotBenchmark, zeroFlag: 'dont-care' | 'drop-gt'): boolean {
  if (benchmark === 'MOT15') return zeroFlag === 'dont-care' && r.flag === 0;
  const c = Math.trunc(r.col8);
  return (
    c === MOT_CLASS_IDS.person_on_vehicle ||
    c === MOT_CLASS_IDS.static_person ||
    c === MOT_CLASS_IDS.distractor ||
    c === MOT_CLASS_IDS.reflection ||
    (benchmark === 'MOT20' && c === MOT_CLASS_IDS.non_mot_vehicle)
  );
}

/** Builds the metrics' input from ground-truth and tracker rows of one sequence. */
export function prepareSequence(gt: readonly MotRow[], tracker: readonly MotRow[], opts: PrepareOptions = {}): EvalData {
  const benchmark = opts.benchmark ?? detectGtLayout(gt);
  const zeroFlag = opts.zeroFlag ?? 'drop-gt';
  let numFrames = opts.numFrames ?? 0;
  if (opts.numFrames === undefined) for (const r of [...gt, ...tracker]) numFrames = Math.max(numFrames, r.frame);
  if (benchmark !== 'MOT15') {
    for (const r of gt) {
      const c = r.col8;
      if (!(Number.isInteger(c) && c >= 1 && c <= 13)) {
        throw new Error(`gt frame ${r.frame} id ${r.id}: class ${c} is not a ${benchmark} class (1..13)`);
      }
    }
  }
  const gtByFrame = groupByFrame(gt, numFrames, 'ground truth');
  const trByFrame = groupByFrame(tracker, numFrames, 'tracker output');

  const gtIdsRaw: number[][] = [];
  const trIdsRaw: number[][] = [];
  const sims: Float64Array[] = [];
  let removed = 0;
  for (let t = 0; t < numFrames; t++) {
    const g = gtByFrame[t];
    let tr = trByFrame[t];
    let sim = boxIous(g, tr);
    // Step 2: drop tracker boxes that match a distractor / don't-care gt box.
    if (g.length > 0 && tr.length > 0 && g.some((r) => isDistractor(r, benchmark, zeroFlag))) {
      const score = new Float64Array(sim.length);
      for (let k = 0; k < sim.length; k++) score[k] = sim[k] < 0.5 - EPS ? 0 : sim[k];
      const m = maxScoreAssignment({ rows: g.length, cols: tr.length, data: score });
      const drop = new Set<number>();
      for (let k = 0; k < m.rows.length; k++) {
        if (score[m.rows[k] * tr.length + m.cols[k]] > EPS && isDistractor(g[m.rows[k]], benchmark, zeroFlag)) {
          drop.add(m.cols[k]);
        }
      }
      if (drop.size > 0) {
        removed += drop.size;
        const keepCols = tr.map((_, j) => j).filter((j) => !drop.has(j));
        const next = new Float64Array(g.length * keepCols.length);
        for (let i = 0; i < g.length; i++) {
          for (let k = 0; k < keepCols.length; k++) next[i * keepCols.length + k] = sim[i * tr.length + keepCols[k]];
        }
        tr = keepCols.map((j) => tr[j]);
        sim = next;
      }
    }
    // Step 3: keep scored gt only.
    const keepRows: number[] = [];
    for (let i = 0; i < g.length; i++) {
      const r = g[i];
      const keep = r.flag !== 0 && (benchmark === 'MOT15' || Math.trunc(r.col8) === MOT_CLASS_IDS.pedestrian);
      if (keep) keepRows.push(i);
    }
    const simKept = new Float64Array(keepRows.length * tr.length);
    for (let k = 0; k < keepRows.length; k++) simKept.set(sim.subarray(keepRows[k] * tr.length, (keepRows[k] + 1) * tr.length), k * tr.length);
    gtIdsRaw.push(keepRows.map((i) => g[i].id));
    trIdsRaw.push(tr.map((r) => r.id));
    sims.push(simKept);
  }

  // Step 4: relabel ids contiguously (sorted by original id, as np.unique does).
  const relabel = (lists: number[][]): { ids: Int32Array[]; count: number; dets: number } => {
    const uniq = [...new Set(lists.flat())].sort((x, y) => x - y);
    const map = new Map(uniq.map((id, k) => [id, k]));
    let dets = 0;
    const ids = lists.map((l) => {
      dets += l.length;
      return Int32Array.from(l, (id) => map.get(id) as number);
    });
    return { ids, count: uniq.length, dets };
  };
  const g = relabel(gtIdsRaw);
  const tr = relabel(trIdsRaw);
  return {
    numTimesteps: numFrames,
    gtIds: g.ids,
    trackerIds: tr.ids,
    similarity: sims,
    numGtIds: g.count,
    numTrackerIds: tr.count,
    numGtDets: g.dets,
    numTrackerDets: tr.dets,
    benchmark,
    removedTrackerDets: removed,
  };
}
