/**
 * Optimal assignment (the linear sum assignment problem), the role scipy's `linear_sum_assignment` plays in
 * TrackEval. Classical O(n²·m) Hungarian algorithm with row/column potentials and shortest augmenting paths
 * (Kuhn–Munkres as formulated by Jonker–Volgenant / e-maxx), exact for any finite real costs.
 *
 * Kept inside eval/ on purpose: the metrics must not change when the tracker's own matcher is tuned.
 */

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
  const a = (i: number, j: number): number => (transposed ? data[j * cols + i] : data[i * cols + j]);

  // 1-based arrays; index 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row (1-based) assigned to column j, 0 = free
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = -1;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      if (j1 < 0) throw new Error('linearSumAssignment: non-finite cost');
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }

  const pairs: Array<[number, number]> = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const r = p[j] - 1;
    const c = j - 1;
    pairs.push(transposed ? [c, r] : [r, c]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return { rows: pairs.map((q) => q[0]), cols: pairs.map((q) => q[1]) };
}

/** Maximum-score assignment: `linearSumAssignment` on the negated scores (TrackEval's `linear_sum_assignment(-score)`). */
export function maxScoreAssignment(score: CostMatrix): { rows: number[]; cols: number[] } {
  const neg = new Float64Array(score.data.length);
  for (let k = 0; k < neg.length; k++) neg[k] = -score.data[k];
  return linearSumAssignment({ rows: score.rows, cols: score.cols, data: neg });
}
