/**
 * Face image quality on a face crop, Rekognition's ImageQuality {Brightness, Sharpness}, both 0–100.
 *
 * Brightness = mean luma (BT.601: 0.299 R + 0.587 G + 0.114 B) of the crop's pixels, scaled so 255 → 100.
 * Sharpness  = the variance V of the 4-neighbour Laplacian of the crop's luma after resampling the crop to
 *              64×64 (so faces of any size are judged at one resolution: a tiny face blown up is blurry),
 *              mapped monotonically to 100·V / (V + V_HALF). V_HALF = 100 is the common "variance of Laplacian"
 *              blur threshold (below ≈100 an image reads as blurred), so that threshold maps to 50.
 */
import type { ImageQuality } from '../../../../core/types.js';
import type { FrameImage } from '../frame.js';
import { crop, resample } from '../image.js';

export const SHARPNESS_SIZE = 64;
export const SHARPNESS_V_HALF = 100;

/** `box` is [x1, y1, x2, y2] in the picture's pixels; it is clipped to the picture. */
export function measureQuality(image: FrameImage, box: readonly number[]): ImageQuality | undefined {
  const x1 = Math.max(0, Math.floor(box[0]));
  const y1 = Math.max(0, Math.floor(box[1]));
  const x2 = Math.min(image.width, Math.ceil(box[2]));
  const y2 = Math.min(image.height, Math.ceil(box[3]));
  if (x2 - x1 < 2 || y2 - y1 < 2) return undefined;
  let sum = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1, p = (y * image.width + x1) * 3; x < x2; x++, p += 3) sum += luma(image.data, p);
  }
  const brightness = (sum / ((x2 - x1) * (y2 - y1)) / 255) * 100;
  const v = laplacianVariance(resampleLuma(image, x1, y1, x2, y2, SHARPNESS_SIZE));
  return { Brightness: brightness, Sharpness: sharpnessFromVariance(v) };
}

export function sharpnessFromVariance(v: number): number {
  return (100 * v) / (v + SHARPNESS_V_HALF);
}

/** BGR → BT.601 luma of the pixel at offset p. */
function luma(d: ArrayLike<number>, p: number): number {
  return 0.114 * d[p] + 0.587 * d[p + 1] + 0.299 * d[p + 2];
}

/** Bilinear resample of the luma of [x1,x2)×[y1,y2) (edges repeated at the rectangle's own border) to size×size. */
export function resampleLuma(image: FrameImage, x1: number, y1: number, x2: number, y2: number, size: number): Float32Array {
  const bgr = new Float32Array(size * size * 3);
  resample(crop(image, x1, y1, x2, y2), { x: 0, y: 0, width: x2 - x1, height: y2 - y1 }, { data: bgr, offset: 0, rowStride: size * 3, width: size, height: size });
  const out = new Float32Array(size * size);
  for (let k = 0; k < out.length; k++) out[k] = luma(bgr, k * 3);
  return out;
}

export function laplacianVariance(gray: Float32Array, size = Math.round(Math.sqrt(gray.length))): number {
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      const l = gray[i - 1] + gray[i + 1] + gray[i - size] + gray[i + size] - 4 * gray[i];
      sum += l;
      sum2 += l * l;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return Math.max(0, sum2 / n - mean * mean);
}
