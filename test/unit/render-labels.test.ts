import { intersects, LabelPlacer, type LabelRequest, type PlacedLabel } from '../../containers/tracker/src/render/labels.js';
import { expectInsideAndApart } from '../fixtures/layout.js';

const W = 1280;
const H = 720;

function touchesBox(l: PlacedLabel, box: LabelRequest['box'], slack: number): boolean {
  const dx = Math.max(box[0] - (l.x + l.width), l.x - box[2], 0);
  const dy = Math.max(box[1] - (l.y + l.height), l.y - box[3], 0);
  return Math.hypot(dx, dy) <= slack;
}

describe('label placement', () => {
  it('puts a lone label just above its box, left-aligned, with no leader line', () => {
    const [l] = new LabelPlacer(2).place([{ index: 7, box: [100, 200, 160, 350], width: 30, height: 22 }], W, H);
    expect(l).toMatchObject({ index: 7, x: 98, y: 200 - 2 - 22 });
    expect(l.leader).toBeUndefined();
  });

  it('keeps the labels of a synthetic crowd apart: no two label rectangles intersect, all inside the frame', () => {
    // 60 persons packed in a block, boxes overlapping each other (a top-down crowd), two- and three-digit labels
    const requests: LabelRequest[] = [];
    for (let k = 0; k < 60; k++) {
      const x = 400 + (k % 10) * 38;
      const y = 200 + Math.floor(k / 10) * 55;
      requests.push({ index: 95 + k, box: [x, y, x + 45, y + 80], width: k < 5 ? 28 : 40, height: 22 });
    }
    const placed = new LabelPlacer(2).place(requests, W, H);
    expect(placed).toHaveLength(60);
    expectInsideAndApart(placed, W, H);
    for (const l of placed) {
      // each label is beside its box, or a leader line runs from the label to the box
      const box = requests.find((r) => r.index === l.index)!.box;
      if (l.leader) {
        const [x1, y1, x2, y2] = l.leader;
        expect(x1 >= l.x && x1 <= l.x + l.width && y1 >= l.y && y1 <= l.y + l.height).toBe(true);
        expect(x2 >= box[0] && x2 <= box[2] && y2 >= box[1] && y2 <= box[3]).toBe(true);
      } else expect(touchesBox(l, box, 5)).toBe(true);
    }
    // the same crowd with every label above its box, as before, overlaps
    const naive = requests.map((r) => ({ x: r.box[0] - 2, y: r.box[1] - 24, width: r.width, height: r.height }));
    expect(naive.some((a, i) => naive.some((b, j) => i < j && intersects(a, b)))).toBe(true);
  });

  it('keeps a label where it was while that place stays free, so labels do not jump between frames', () => {
    const placer = new LabelPlacer(2);
    const a = { index: 1, box: [100, 100, 150, 200] as const, width: 30, height: 22 };
    const b = { index: 2, box: [100, 130, 150, 230] as const, width: 30, height: 22 };
    const first = placer.place([a, b], W, H);
    const moved = { ...b, box: [400, 130, 450, 230] as const }; // 2 walks away: 1's spot above stays its own
    const second = placer.place([a, moved], W, H);
    expect(second[0]).toEqual(first[0]);
    // a box at the top edge gets its label inside the frame
    const [top] = new LabelPlacer(2).place([{ index: 3, box: [10, 0, 60, 90], width: 30, height: 22 }], W, H);
    expect(top.y).toBeGreaterThanOrEqual(0);
    expect(top.leader).toBeUndefined();
  });
});
