/**
 * Optimal assignment (linear sum assignment) for small cost matrices, as ByteTrack's matching.linear_assignment
 * does with lap.lapjv(cost, extend_cost=True, cost_limit=thresh).
 *
 * The solver is the shortest-augmenting-path form of the Hungarian method (Kuhn–Munkres with potentials,
 * O(n²m)), the same family as Jonker–Volgenant and scipy's linear_sum_assignment. The cost limit is handled the
 * way lapjv does it: the matrix is extended with a dummy column per row and a dummy row per column, each costing
 * limit/2, so a pair is only matched when that beats leaving both sides unmatched.
 */

/** Cost matrix of `rows × cols`, row-major. */
export interface CostMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface Assignment {
  /** Matched [row, col] pairs, ascending by row. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedCols: number[];
}

export function costMatrix(rows: number, cols: number, fill = 0): CostMatrix {
  const data = new Float64Array(rows * cols);
  if (fill !== 0) data.fill(fill);
  return { rows, cols, data };
}

/** Large finite cost standing for "forbidden", so that potentials stay finite. */
const FORBIDDEN = 1e9;

/**
 * Minimum-cost assignment of a `n × m` matrix with n ≤ m: returns, for each row, its column.
 * Every row is assigned. Costs must be finite.
 */
export function solveRectangular(cost: Float64Array, n: number, m: number): Int32Array {
  if (n > m) throw new Error(`solveRectangular needs rows ≤ cols (got ${n} × ${m})`);
  // 1-based arrays as in the classic formulation; column 0 is a virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row matched to column j (0 = none)
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
      let j1 = 0;
      const rowBase = (i0 - 1) * m;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[rowBase + j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
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
  const rowToCol = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] !== 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

/**
 * Optimal matching of rows to columns where only pairs with cost ≤ `costLimit` may match, minimising the sum of
 * matched costs plus costLimit/2 for every row and every column left unmatched (lapjv's extend_cost semantics).
 */
export function linearAssignment(matrix: CostMatrix, costLimit: number): Assignment {
  const { rows: n, cols: m, data } = matrix;
  if (n === 0 || m === 0) {
    return { matches: [], unmatchedRows: range(n), unmatchedCols: range(m) };
  }
  const size = n + m;
  const ext = new Float64Array(size * size);
  const half = costLimit / 2;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let c: number;
      if (i < n && j < m) {
        const x = data[i * m + j];
        c = x > costLimit || !Number.isFinite(x) ? FORBIDDEN : x;
      } else if (i < n) {
        c = j - m === i ? half : FORBIDDEN; // row i left unmatched
      } else if (j < m) {
        c = i - n === j ? half : FORBIDDEN; // column j left unmatched
      } else {
        c = 0; // dummy with dummy
      }
      ext[i * size + j] = c;
    }
  }
  const rowToCol = solveRectangular(ext, size, size);
  const matches: Array<[number, number]> = [];
  const colUsed = new Uint8Array(m);
  const unmatchedRows: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = rowToCol[i];
    if (j >= 0 && j < m && data[i * m + j] <= costLimit) {
      matches.push([i, j]);
      colUsed[j] = 1;
    } else {
      unmatchedRows.push(i);
    }
  }
  const unmatchedCols: number[] = [];
  for (let j = 0; j < m; j++) if (!colUsed[j]) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
