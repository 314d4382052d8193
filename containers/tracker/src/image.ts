/**
 * Picture operations shared by faces, re-ID and quality: one bilinear resampler and one crop, on packed BGR24
 * frames (frame.ts). Sample centres follow the half-pixel convention (OpenCV's INTER_LINEAR, ffmpeg's bilinear):
 * output pixel i of a rectangle starting at x with width w, drawn n pixels wide, reads the source at
 * x + (i + 0.5)·w/n − 0.5.
 */
import type { FrameImage } from './frame.js';

/** A rectangle in source pixels (fractional allowed). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where resampled BGR pixels go: `width`×`height` pixels of 3 channels, starting at `offset` in `data`, rows
 * `rowStride` elements apart. Uint8 targets are rounded to the nearest level; Float32 targets keep 0–255 floats.
 */
export interface Target {
  data: Uint8Array | Float32Array;
  offset: number;
  rowStride: number;
  width: number;
  height: number;
}

/**
 * What a sample outside the source reads: 'clamp' repeats the edge pixels; 'blank' leaves the target untouched
 * where the sample centre lies more than half a pixel outside (e.g. black padding around a region near the edge).
 */
export type Edge = 'clamp' | 'blank';

/** A packed BGR target covering all of `image`, or its w×h rectangle at (ox, oy). */
export function targetOf(image: FrameImage, ox = 0, oy = 0, w = image.width, h = image.height): Target {
  return { data: image.data, offset: (oy * image.width + ox) * 3, rowStride: image.width * 3, width: w, height: h };
}

/** Bilinear resample of `rect` of `src` into `target`. */
export function resample(src: FrameImage, rect: Readonly<Rect>, target: Target, edge: Edge = 'clamp'): void {
  const { data: s, width: SW, height: SH } = src;
  const { width: W, height: H, data: out } = target;
  const round = out instanceof Uint8Array ? 0.5 : 0;
  // Horizontal taps once per rectangle: left/right source offsets (bytes) and the right weight.
  const xa = new Int32Array(W);
  const xb = new Int32Array(W);
  const xw = new Float64Array(W);
  const xin = new Uint8Array(W);
  for (let i = 0; i < W; i++) {
    const fx = rect.x + ((i + 0.5) * rect.width) / W - 0.5;
    xin[i] = edge === 'clamp' || (fx >= -0.5 && fx <= SW - 0.5) ? 1 : 0;
    const cx = Math.min(Math.max(fx, 0), SW - 1);
    const x0 = Math.floor(cx);
    xa[i] = x0 * 3;
    xb[i] = Math.min(x0 + 1, SW - 1) * 3;
    xw[i] = cx - x0;
  }
  for (let j = 0; j < H; j++) {
    const fy = rect.y + ((j + 0.5) * rect.height) / H - 0.5;
    if (edge === 'blank' && (fy < -0.5 || fy > SH - 0.5)) continue;
    const cy = Math.min(Math.max(fy, 0), SH - 1);
    const y0 = Math.floor(cy);
    const wy = cy - y0;
    const r0 = y0 * SW * 3;
    const r1 = Math.min(y0 + 1, SH - 1) * SW * 3;
    let o = target.offset + j * target.rowStride;
    for (let i = 0; i < W; i++, o += 3) {
      if (!xin[i]) continue;
      const a = r0 + xa[i];
      const b = r0 + xb[i];
      const c = r1 + xa[i];
      const d = r1 + xb[i];
      const wx = xw[i];
      for (let ch = 0; ch < 3; ch++) {
        const top = s[a + ch] + wx * (s[b + ch] - s[a + ch]);
        const bottom = s[c + ch] + wx * (s[d + ch] - s[c + ch]);
        out[o + ch] = top + wy * (bottom - top) + round;
      }
    }
  }
}

/** A copy of the integer rectangle [x1, x2) × [y1, y2) of `src` (inside the picture) as its own picture. */
export function crop(src: FrameImage, x1: number, y1: number, x2: number, y2: number): FrameImage {
  const width = x2 - x1;
  const height = y2 - y1;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y1 + y) * src.width + x1) * 3;
    data.set(src.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, width, height };
}
