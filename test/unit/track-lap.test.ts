import { linearAssignment, solveRectangular, costMatrix } from '../../core/track/lap.js';
import { rng } from '../fixtures/random.js';

/** Exhaustive optimum of the lapjv objective: matched costs (≤ limit) + limit/2 per unmatched row and column. */
function bruteForce(data: Float64Array, n: number, m: number, limit: number): number {
  let best = Infinity;
  const usedCols = new Array<boolean>(m).fill(false);
  const go = (i: number, acc: number, matched: number): void => {
    if (i === n) {
      best = Math.min(best, acc + (limit / 2) * (n - matched + (m - matched)));
      return;
    }
    go(i + 1, acc, matched);
    for (let j = 0; j < m; j++) {
      const c = data[i * m + j];
      if (usedCols[j] || c > limit) continue;
      usedCols[j] = true;
      go(i + 1, acc + c, matched + 1);
      usedCols[j] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

describe('optimal assignment (lap)', () => {
  it('solves a square problem where greedy choice is wrong', () => {
    // Greedy takes (0,0)=1 and is then forced into (1,1)=10: total 11. Optimal is 2 + 3 = 5.
    const cost = Float64Array.from([1, 2, 3, 10]);
    expect(Array.from(solveRectangular(cost, 2, 2))).toEqual([1, 0]);
  });

  it('assigns every row of a wide matrix to distinct columns', () => {
    const cost = Float64Array.from([5, 1, 9, 4, 8, 2, 2, 7, 3, 1, 6, 6]); // 2 × 6
    const cols = Array.from(solveRectangular(cost, 2, 6));
    expect(cols).toEqual([1, 3]);
  });

  it('leaves pairs above the cost limit unmatched', () => {
    const m = costMatrix(2, 3);
    m.data.set([0.1, 0.95, 0.9, 0.9, 0.9, 0.2]);
    const r = linearAssignment(m, 0.8);
    expect(r.matches).toEqual([
      [0, 0],
      [1, 2],
    ]);
    expect(r.unmatchedRows).toEqual([]);
    expect(r.unmatchedCols).toEqual([1]);
  });

  it('handles empty sides', () => {
    expect(linearAssignment(costMatrix(0, 3), 0.5)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
    expect(linearAssignment(costMatrix(2, 0), 0.5)).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
  });

  it('reaches the exhaustive optimum on random rectangular matrices with a cost limit', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 5);
      const m = 1 + Math.floor(rand() * 5);
      const limit = 0.3 + rand() * 0.7;
      const cm = costMatrix(n, m);
      for (let k = 0; k < n * m; k++) cm.data[k] = rand();
      const r = linearAssignment(cm, limit);
      const rows = new Set(r.matches.map(([i]) => i));
      const cols = new Set(r.matches.map(([, j]) => j));
      expect(rows.size).toBe(r.matches.length);
      expect(cols.size).toBe(r.matches.length);
      expect(r.unmatchedRows.length + r.matches.length).toBe(n);
      expect(r.unmatchedCols.length + r.matches.length).toBe(m);
      const total =
        r.matches.reduce((s, [i, j]) => s + cm.data[i * m + j], 0) +
        (limit / 2) * (r.unmatchedRows.length + r.unmatchedCols.length);
      expect(total).toBeCloseTo(bruteForce(cm.data, n, m, limit), 9);
    }
  });
});
