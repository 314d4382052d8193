/**
 * Optimal assignment (the linear sum assignment problem), the role scipy's `linear_sum_assignment` plays in
 * TrackEval. The solver is the tracker's exact Hungarian core (core/track/lap.ts `solveRectangular`, O(n²·m), checked
 * against exhaustive search): only that pure function is shared — the tracker's own matching rules (cost limits,
 * gating) live in track/ and cannot change the metrics.
 */
import { solveRectangular } from '../../../../core/track/lap.js';

/** A dense cost matrix in row-major order. */
export interface CostMatrix {
  rows: number;
  cols: number;
  /** `data[r * cols + c]`; every entry finite. */
  data: ArrayLike<number>;
}

/**
 * Minimum-cost assignment of min(rows, cols) pairs (every row is assigned when rows ≤ cols, every column
 * otherwise), like `scipy.optimize.linear_sum_assignment`. Returns the pairs sorted by row.
 */
export function linearSumAssignment(cost: CostMatrix): { rows: number[]; cols: number[] } {
  const { rows, cols, data } = cost;
  if (data.length !== rows * cols) throw new Error(`cost matrix has ${data.length} entries, expected ${rows}x${cols}`);
  if (rows === 0 || cols === 0) return { rows: [], cols: [] };
  const transposed = rows > cols;
  const n = transposed ? cols : rows; // n ≤ m
  const m = transposed ? rows : cols;
  const a = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = transposed ? data[j * cols + i] : data[i * cols + j];
      if (!Number.isFinite(c)) throw new Error('linearSumAssignment: non-finite cost');
      a[i * m + j] = c;
    }
  }
  const rowToCol = solveRectangular(a, n, m);
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) pairs.push(transposed ? [rowToCol[i], i] : [i, rowToCol[i]]);
  pairs.sort((x, y) => x[0] - y[0]);
  return { rows: pairs.map((q) => q[0]), cols: pairs.map((q) => q[1]) };
}

/** Maximum-score assignment: `linearSumAssignment` on the negated scores (TrackEval's `linear_sum_assignment(-score)`). */
export function maxScoreAssignment(score: CostMatrix): { rows: number[]; cols: number[] } {
  const neg = new Float64Array(score.data.length);
  for (let k = 0; k < neg.length; k++) neg[k] = -score.data[k];
  return linearSumAssignment({ rows: score.rows, cols: score.cols, data: neg });
}
