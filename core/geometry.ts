/**
 * Box geometry shared by the detector, the tracker, faces, re-ID and render: one definition of area, intersection,
 * IoU and greedy non-maximum suppression, and of the ratio box Rekognition reports.
 *
 * A box is [x1, y1, x2, y2] in pixels (x2 = x1 + width, no +1). Flat arrays hold boxes at a stride
 * (the detector's [x1, y1, x2, y2, score, …]); `iouAt` reads them in place.
 */

/** [x1, y1, x2, y2] in pixels. */
export type Box = [number, number, number, number];

/** Rekognition's BoundingBox: ratios of the frame's width and height. */
export interface RatioBox {
  Width: number;
  Height: number;
  Left: number;
  Top: number;
}

export function area(b: ArrayLike<number>): number {
  return (b[2] - b[0]) * (b[3] - b[1]);
}

/** Area of the intersection of two boxes. */
export function intersection(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  if (w <= 0) return 0;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return h > 0 ? w * h : 0;
}

/** IoU of the box at offset `ai` of `a` and the box at offset `bi` of `b` (flat arrays). 0 for disjoint or empty boxes. */
export function iouAt(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const w = Math.min(a[ai + 2], b[bi + 2]) - Math.max(a[ai], b[bi]);
  if (w <= 0) return 0;
  const h = Math.min(a[ai + 3], b[bi + 3]) - Math.max(a[ai + 1], b[bi + 1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const union = (a[ai + 2] - a[ai]) * (a[ai + 3] - a[ai + 1]) + (b[bi + 2] - b[bi]) * (b[bi + 3] - b[bi + 1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return iouAt(a, 0, b, 0);
}

/**
 * Greedy non-maximum suppression over `scores.length` candidates: in descending score order (ties keep input order),
 * a candidate is kept unless a kept one overlaps it by more than `threshold`. Returns the kept indices, strongest
 * first, at most `maxKeep`, considering only the `maxCandidates` strongest.
 */
export function greedyNms(
  scores: ArrayLike<number>,
  overlap: (i: number, j: number) => number,
  threshold: number,
  maxKeep = Infinity,
  maxCandidates = Infinity,
): number[] {
  const n = scores.length;
  let order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[j] - scores[i]);
  if (order.length > maxCandidates) order = order.slice(0, maxCandidates);
  const kept: number[] = [];
  const suppressed = new Uint8Array(n);
  for (let k = 0; k < order.length && kept.length < maxKeep; k++) {
    const i = order[k];
    if (suppressed[i]) continue;
    kept.push(i);
    for (let m = k + 1; m < order.length; m++) {
      const j = order[m];
      if (!suppressed[j] && overlap(i, j) > threshold) suppressed[j] = 1;
    }
  }
  return kept;
}

/** A pixel box as Rekognition's BoundingBox: ratios of the frame, at float32 precision as Rekognition reports them. */
export function toRatioBox(box: ArrayLike<number>, width: number, height: number): RatioBox {
  return {
    Width: Math.fround((box[2] - box[0]) / width),
    Height: Math.fround((box[3] - box[1]) / height),
    Left: Math.fround(box[0] / width),
    Top: Math.fround(box[1] / height),
  };
}
