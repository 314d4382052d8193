/**
 * Placement of the Index labels so that no two overlap: greedy, one person at a time (in Index order).
 *
 * Each label tries the positions beside its box in this order: above (left-aligned, then right-aligned), below
 * (left, right), inside the box (top, bottom), left and right of the box top. Then positions further away, in
 * stacks above, below, left and right of the box (a leader line joins such a label to its box). A position must be
 * inside the frame and overlap no label already placed. Rounds, first success wins: beside the box over no other
 * person's box; beside the box; away from it over no other box; away from it. Within a round, the position the label
 * had in the last frame comes first, so labels do not jump from frame to frame. Only when every position is taken
 * (a frame more than full of labels) is the label put above its box over another one.
 */

export type Rect = { x: number; y: number; width: number; height: number };

export interface LabelRequest {
  index: number;
  /** The person's box in pixels: [x1, y1, x2, y2]. */
  box: readonly [number, number, number, number];
  /** Size of the label (text and padding). */
  width: number;
  height: number;
}

export interface PlacedLabel extends Rect {
  index: number;
  /** A line from the label to its box, when the label is not beside the box: [x1, y1, x2, y2]. */
  leader?: [number, number, number, number];
}

/** How many rows (or columns) of displaced positions each side of a box gets. */
const STACK = 8;

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Candidate positions (top-left corners) for a label of w×h by box, with `gap` between label and box. */
function candidates(box: LabelRequest['box'], w: number, h: number, gap: number): { x: number; y: number; beside: boolean }[] {
  const [x1, y1, x2, y2] = box;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const out = [
    { x: x1 - gap, y: y1 - gap - h },
    { x: x2 + gap - w, y: y1 - gap - h },
    { x: x1 - gap, y: y2 + gap },
    { x: x2 + gap - w, y: y2 + gap },
    { x: x1 + gap, y: y1 + gap },
    { x: x1 + gap, y: y2 - gap - h },
    { x: x1 - gap - w, y: y1 },
    { x: x2 + gap, y: y1 },
  ].map((p) => ({ ...p, beside: true }));
  const step = h + gap;
  for (let k = 1; k <= STACK; k++) {
    out.push({ x: cx - w / 2, y: y1 - gap - h - k * step, beside: false });
    out.push({ x: cx - w / 2, y: y2 + gap + k * step, beside: false });
    out.push({ x: x1 - gap - w - (k - 1) * (w + gap), y: cy - h / 2, beside: false });
    out.push({ x: x2 + gap + (k - 1) * (w + gap), y: cy - h / 2, beside: false });
    out.push({ x: x1 - gap - w - (k - 1) * (w + gap), y: cy - h / 2 - k * step, beside: false });
    out.push({ x: x2 + gap + (k - 1) * (w + gap), y: cy - h / 2 - k * step, beside: false });
  }
  return out;
}

/** The top-left corner of a w×h rectangle at (x, y), moved into the frame (to its top-left where it does not fit). */
export function clampInto(x: number, y: number, w: number, h: number, frameW: number, frameH: number): { x: number; y: number } {
  return { x: Math.min(Math.max(x, 0), Math.max(0, frameW - w)), y: Math.min(Math.max(y, 0), Math.max(0, frameH - h)) };
}

/** The line from the label's edge to the nearest point of the box. */
function leaderLine(label: Rect, box: LabelRequest['box']): [number, number, number, number] {
  const [x1, y1, x2, y2] = box;
  const px = Math.min(Math.max(label.x + label.width / 2, x1), x2);
  const py = Math.min(Math.max(label.y + label.height / 2, y1), y2);
  const qx = Math.min(Math.max(px, label.x), label.x + label.width);
  const qy = Math.min(Math.max(py, label.y), label.y + label.height);
  return [qx, qy, px, py];
}

export class LabelPlacer {
  /** Candidate number each Index's label had in the last frame. */
  private last = new Map<number, number>();

  constructor(private readonly gap = 2) {}

  place(requests: readonly LabelRequest[], frameW: number, frameH: number): PlacedLabel[] {
    const placed: PlacedLabel[] = [];
    const next = new Map<number, number>();
    const boxes: Rect[] = requests.map((r) => ({ x: r.box[0], y: r.box[1], width: r.box[2] - r.box[0], height: r.box[3] - r.box[1] }));
    const sorted = requests.map((r, k) => ({ r, k })).sort((a, b) => a.r.index - b.r.index);
    for (const { r, k } of sorted) {
      const cands = candidates(r.box, r.width, r.height, this.gap).map((c) => ({ ...clampInto(c.x, c.y, r.width, r.height, frameW, frameH), beside: c.beside }));
      const prev = this.last.get(r.index);
      const order = prev !== undefined && prev < cands.length ? [prev, ...cands.keys()] : [...cands.keys()];
      const free = (c: number, avoidBoxes: boolean): boolean => {
        const rect = { x: cands[c].x, y: cands[c].y, width: r.width, height: r.height };
        if (placed.some((p) => intersects(p, rect))) return false;
        return !avoidBoxes || boxes.every((b, j) => j === k || !intersects(b, rect));
      };
      // Beside the box over no other box, beside it at all, then away from it (over no box, at all).
      let pick: number | undefined;
      for (const [beside, avoid] of [[true, true], [true, false], [false, true], [false, false]]) {
        pick = order.find((c) => cands[c].beside === beside && free(c, avoid));
        if (pick !== undefined) break;
      }
      pick ??= 0;
      next.set(r.index, pick);
      const rect: PlacedLabel = { index: r.index, x: cands[pick].x, y: cands[pick].y, width: r.width, height: r.height };
      const boxRect = boxes[k];
      // A label moved away from its box (or pushed off it by the frame's edge) gets a leader line.
      const gapX = Math.max(boxRect.x - (rect.x + rect.width), rect.x - (boxRect.x + boxRect.width), 0);
      const gapY = Math.max(boxRect.y - (rect.y + rect.height), rect.y - (boxRect.y + boxRect.height), 0);
      if (!cands[pick].beside || Math.hypot(gapX, gapY) > 2 * this.gap + 1) rect.leader = leaderLine(rect, r.box);
      placed.push(rect);
    }
    this.last = next;
    return placed;
  }
}
