/** The evaluation's building blocks: optimal assignment, MOT/seqinfo parsing, gt layout detection, IoU. */
import {
  boxIous,
  detectGtLayout,
  linearSumAssignment,
  parseMotText,
  parseSeqInfo,
} from '../../containers/tracker/src/eval/index.js';

/** Exhaustive minimum over all injective maps of the smaller side into the larger. */
function bruteForceMin(cost: number[], rows: number, cols: number): number {
  const small = Math.min(rows, cols);
  const big = Math.max(rows, cols);
  const at = (i: number, j: number) => (rows <= cols ? cost[i * cols + j] : cost[j * cols + i]);
  let best = Infinity;
  const used = new Array<boolean>(big).fill(false);
  const go = (i: number, acc: number): void => {
    if (i === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < big; j++) {
      if (used[j]) continue;
      used[j] = true;
      go(i + 1, acc + at(i, j));
      used[j] = false;
    }
  };
  go(0, 0);
  return best;
}

describe('linearSumAssignment', () => {
  it('finds the optimum on random square and rectangular matrices (checked by exhaustive search)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let trial = 0; trial < 300; trial++) {
      const rows = 1 + Math.floor(rnd() * 6);
      const cols = 1 + Math.floor(rnd() * 6);
      // Mix of ties (small integers) and reals, some negative, like −score matrices.
      const cost = Array.from({ length: rows * cols }, () => (trial % 2 ? Math.floor(rnd() * 4) : rnd() * 10 - 5));
      const m = linearSumAssignment({ rows, cols, data: cost });
      expect(m.rows.length).toBe(Math.min(rows, cols));
      expect(new Set(m.rows).size).toBe(m.rows.length);
      expect(new Set(m.cols).size).toBe(m.cols.length);
      const total = m.rows.reduce((s, r, k) => s + cost[r * cols + m.cols[k]], 0);
      expect(total).toBeCloseTo(bruteForceMin(cost, rows, cols), 9);
    }
  });

  it('handles empty matrices and large forbidding costs', () => {
    expect(linearSumAssignment({ rows: 0, cols: 3, data: [] })).toEqual({ rows: [], cols: [] });
    const m = linearSumAssignment({ rows: 2, cols: 2, data: [1e10, 1, 2, 1e10] });
    expect(m).toEqual({ rows: [0, 1], cols: [1, 0] });
  });
});

describe('MOT files', () => {
  it('parses comma and whitespace separated rows, skipping blank lines', () => {
    const rows = parseMotText('1,2,10.5,20,30,40,1,-1,-1,-1\n\n2 3 1 2 3 4 0.75 -1 -1 -1\r\n');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ frame: 1, id: 2, x: 10.5, y: 20, w: 30, h: 40, flag: 1, columns: 10 });
    expect(rows[1]).toMatchObject({ frame: 2, id: 3, flag: 0.75 });
    expect(() => parseMotText('1,2,3\n')).toThrow(/line 1/);
  });

  it('tells MOT17-style gt (class, visibility) from MOT15 (world coordinates or -1)', () => {
    expect(detectGtLayout(parseMotText('1,1,0,0,5,5,1,1,0.8\n1,2,0,0,5,5,0,7,1'))).toBe('MOT17');
    expect(detectGtLayout(parseMotText('1,1,0,0,5,5,1,-1,-1,-1'))).toBe('MOT15');
    expect(detectGtLayout(parseMotText('1,1,88,99,61.08,218.56,1,4.4852,5.5016,0'))).toBe('MOT15');
  });

  it('reads seqinfo.ini', () => {
    const info = parseSeqInfo('[Sequence]\nname=PETS09-S2L1\nimDir=img1\nframeRate=7\nseqLength=795\nimWidth=768\nimHeight=576\nimExt=.jpg\n');
    expect(info).toEqual({ name: 'PETS09-S2L1', imDir: 'img1', frameRate: 7, seqLength: 795, imWidth: 768, imHeight: 576, imExt: '.jpg' });
    expect(parseSeqInfo('[Sequence]\nname=TUD-Stadtmitte\nseqLength=179\n')).toMatchObject({ name: 'TUD-Stadtmitte', seqLength: 179, frameRate: undefined });
  });

  it('computes IoU with x2 = x + w, zero for empty boxes', () => {
    const [a, b, c, z] = parseMotText('1,1,0,0,10,10\n1,2,5,0,10,10\n1,3,20,20,5,5\n1,4,0,0,0,10');
    const iou = boxIous([a], [a, b, c, z]);
    expect(Array.from(iou)).toEqual([1, 50 / 150, 0, 0]);
  });
});
