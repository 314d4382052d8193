/**
 * Output decoding of the supported detectors, in detector-input pixels, then NMS. Pure functions.
 * Formats as documented in ../shared/data/SOURCES.md.
 */

/** Candidate boxes as a flat list [x1, y1, x2, y2, score] × n. */
import { greedyNms, iouAt } from '../../../../core/geometry.js';

export type FlatBoxes = number[];

const STRIDES = [8, 16, 32];

/**
 * YOLOX head output [N, 5 + C] (raw regression, sigmoid already applied to obj and classes), rows in stride order
 * 8/16/32, cells row-major. Person = class 0; score = obj × cls0.
 */
export function decodeYolox(out: Float32Array, rowLen: number, inputW: number, inputH: number, minScore: number): FlatBoxes {
  const boxes: FlatBoxes = [];
  let row = 0;
  const rows = out.length / rowLen;
  for (const s of STRIDES) {
    const gw = Math.ceil(inputW / s);
    const gh = Math.ceil(inputH / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        if (row >= rows) throw new Error(`YOLOX output has ${rows} rows, fewer than the ${inputW}x${inputH} grid needs`);
        const o = row * rowLen;
        const score = out[o + 4] * out[o + 5];
        if (score < minScore) continue;
        const cx = (out[o] + gx) * s;
        const cy = (out[o + 1] + gy) * s;
        const w = Math.exp(out[o + 2]) * s;
        const h = Math.exp(out[o + 3]) * s;
        boxes.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score);
      }
    }
  }
  if (row !== rows) throw new Error(`YOLOX output has ${rows} rows; the ${inputW}x${inputH} grid has ${row}`);
  return boxes;
}

/**
 * NanoDet (GFL) outputs for one stride: cls [N, C] (sigmoid scores), dis [N, 4·(regMax+1)] (logits of the
 * distance bins of left/top/right/bottom). Distance = softmax-expectation × stride; centre = g·s + (s−1)/2.
 */
export function decodeNanodetStride(
  cls: Float32Array,
  numClasses: number,
  dis: Float32Array,
  stride: number,
  inputW: number,
  minScore: number,
  into: FlatBoxes,
): void {
  const n = cls.length / numClasses;
  const bins = dis.length / n / 4;
  const gw = Math.ceil(inputW / stride);
  const d = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const score = cls[i * numClasses];
    if (score < minScore) continue;
    for (let side = 0; side < 4; side++) {
      const base = i * 4 * bins + side * bins;
      let max = -Infinity;
      for (let b = 0; b < bins; b++) max = Math.max(max, dis[base + b]);
      let sum = 0;
      let acc = 0;
      for (let b = 0; b < bins; b++) {
        const e = Math.exp(dis[base + b] - max);
        sum += e;
        acc += e * b;
      }
      d[side] = (acc / sum) * stride;
    }
    const cx = (i % gw) * stride + (stride - 1) / 2;
    const cy = Math.floor(i / gw) * stride + (stride - 1) / 2;
    into.push(cx - d[0], cy - d[1], cx + d[2], cy + d[3], score);
  }
}

/** Greedy NMS over flat boxes; returns the kept boxes (flat), highest score first, at most maxKeep. */
export function nms(boxes: FlatBoxes, iouThreshold: number, maxKeep = 300, maxCandidates = 3000): FlatBoxes {
  const scores = Array.from({ length: boxes.length / 5 }, (_, i) => boxes[i * 5 + 4]);
  const kept: FlatBoxes = [];
  for (const i of greedyNms(scores, (a, b) => iouAt(boxes, a * 5, boxes, b * 5), iouThreshold, maxKeep, maxCandidates)) {
    kept.push(boxes[i * 5], boxes[i * 5 + 1], boxes[i * 5 + 2], boxes[i * 5 + 3], boxes[i * 5 + 4]);
  }
  return kept;
}

/** Packed BGR24 HWC bytes → planar CHW float32, optionally (x − mean) / std per channel (BGR order). */
export function toPlanar(
  bgr: Uint8Array,
  width: number,
  height: number,
  out: Float32Array,
  mean?: readonly [number, number, number],
  std?: readonly [number, number, number],
): Float32Array {
  const plane = width * height;
  if (bgr.length < plane * 3) throw new RangeError('frame buffer is smaller than the detector input');
  if (!mean || !std) {
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      out[p] = bgr[i];
      out[plane + p] = bgr[i + 1];
      out[2 * plane + p] = bgr[i + 2];
    }
  } else {
    const [m0, m1, m2] = mean;
    const s0 = 1 / std[0];
    const s1 = 1 / std[1];
    const s2 = 1 / std[2];
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      out[p] = (bgr[i] - m0) * s0;
      out[plane + p] = (bgr[i + 1] - m1) * s1;
      out[2 * plane + p] = (bgr[i + 2] - m2) * s2;
    }
  }
  return out;
}
