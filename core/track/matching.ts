/**
 * Association costs, in the manner of ByteTrack's matching.py and BoT-SORT's appearance fusion.
 * All matrices are tracks × detections, row-major; a cost of 1 or more means "do not match".
 */
import { iou, type Box } from '../geometry.js';
import { costMatrix, type CostMatrix } from './lap.js';

/** 1 − IoU for every track box × detection box. */
export function iouDistance(trackBoxes: ReadonlyArray<Readonly<Box>>, detBoxes: ReadonlyArray<Readonly<Box>>): CostMatrix {
  const m = costMatrix(trackBoxes.length, detBoxes.length);
  for (let i = 0; i < trackBoxes.length; i++) {
    for (let j = 0; j < detBoxes.length; j++) m.data[i * detBoxes.length + j] = 1 - iou(trackBoxes[i], detBoxes[j]);
  }
  return m;
}

/** ByteTrack's fuse_score: similarity × detection score, so confident detections win close calls. */
export function fuseScore(dist: CostMatrix, scores: readonly number[]): CostMatrix {
  const out = costMatrix(dist.rows, dist.cols);
  for (let i = 0; i < dist.rows; i++) {
    for (let j = 0; j < dist.cols; j++) {
      const k = i * dist.cols + j;
      out.data[k] = 1 - (1 - dist.data[k]) * scores[j];
    }
  }
  return out;
}

/** Cosine distance 1 − a·b of L2-normalised vectors (0 = same direction, 2 = opposite). */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return 1 - dot;
}

export function l2Normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

export interface AppearanceGate {
  /** Appearance is trusted only between boxes that overlap at least this much (IoU distance ≤ 1 − minIou). */
  proximityIou: number;
  /** Half the cosine distance must be at most this for appearance to count (BoT-SORT's appearance_thresh). */
  maxEmbeddingCost: number;
  /** 'min': BoT-SORT's min(motion, appearance); 'sum': motion + weight × appearance (Deep OC-SORT's linear blend). */
  appearanceFusion: 'min' | 'sum';
  /** Weight of the appearance cost in 'sum' fusion. */
  appearanceWeight: number;
  /** The model's distance scale: embedding cost = cosine distance / 2 / embeddingScale. */
  embeddingScale: number;
}

/**
 * Appearance fused with motion, for tracks × detections.
 *
 * 'min' (BoT-SORT): embedding cost = cosine distance / 2, discarded when above maxEmbeddingCost or when the boxes
 * overlap less than proximityIou; the cost is the smaller of motion and appearance. Pairs need cost ≤ the stage's
 * limit as before.
 *
 * 'sum' (a linear blend, as Deep OC-SORT does): cost = motion + weight × (embedding cost − maxEmbeddingCost), so a
 * look-alike is cheaper and a stranger dearer, against the stage's usual limit: appearance can veto a weak motion
 * match, and can accept a look-alike whose box has drifted off the prediction (the caller gates such pairs by
 * distance).
 *
 * A missing feature on either side leaves the motion cost alone.
 */
export function fuseAppearance(
  motion: CostMatrix,
  iouDist: CostMatrix,
  trackFeatures: ReadonlyArray<Float32Array | undefined>,
  detFeatures: ReadonlyArray<Float32Array | undefined>,
  gate: AppearanceGate,
): CostMatrix {
  const out = costMatrix(motion.rows, motion.cols);
  out.data.set(motion.data);
  const sum = gate.appearanceFusion === 'sum';
  for (let i = 0; i < motion.rows; i++) {
    const tf = trackFeatures[i];
    for (let j = 0; j < motion.cols; j++) {
      const k = i * motion.cols + j;
      const df = detFeatures[j];
      if (!tf || !df) continue;
      const emb = cosineDistance(tf, df) / 2 / gate.embeddingScale;
      if (sum) {
        out.data[k] += gate.appearanceWeight * (emb - gate.maxEmbeddingCost);
      } else if (iouDist.data[k] <= 1 - gate.proximityIou && emb <= gate.maxEmbeddingCost && emb < out.data[k]) {
        out.data[k] = emb;
      }
    }
  }
  return out;
}

