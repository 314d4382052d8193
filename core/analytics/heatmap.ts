/**
 * Where people stood and walked: a grid over the frame that gathers each sample's anchor (one count per sample, so a
 * person standing still for ten seconds weighs ten seconds' worth of samples), then a Gaussian blur and a
 * normalisation to 0–1. No I/O: the CLI paints it over a video frame, the browser console over its own canvas.
 */
import type { AnalyseOptions, PersonSample } from './analyser.js';

export interface HeatmapOptions {
  anchor?: AnalyseOptions['anchor'];
  /** Gaussian blur's sigma, in grid cells (default: 1.5 % of the grid's larger side, at least 1). 0: no blur. */
  sigmaCells?: number;
}

export class HeatmapAccumulator {
  readonly counts: Float32Array;
  samples = 0;
  constructor(
    readonly cols: number,
    readonly rows: number,
    private readonly anchor: 'bottom' | 'center' = 'bottom',
  ) {
    if (!(Number.isInteger(cols) && cols > 0 && Number.isInteger(rows) && rows > 0)) throw new RangeError('heatmap: cols and rows must be positive whole numbers');
    this.counts = new Float32Array(cols * rows);
  }

  add(sample: PersonSample): void {
    const b = sample.BoundingBox;
    if (!b) return;
    const x = b.Left + b.Width / 2;
    const y = this.anchor === 'bottom' ? b.Top + b.Height : b.Top + b.Height / 2;
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return;
    const c = Math.min(this.cols - 1, Math.floor(x * this.cols));
    const r = Math.min(this.rows - 1, Math.floor(y * this.rows));
    this.counts[r * this.cols + c]++;
    this.samples++;
  }

  /** The blurred grid, scaled so that its highest cell is 1 (all zeros when nothing was added). */
  grid(sigmaCells?: number): Float32Array {
    const sigma = sigmaCells ?? Math.max(1, 0.015 * Math.max(this.cols, this.rows));
    const out = sigma > 0 ? gaussianBlur(this.counts, this.cols, this.rows, sigma) : Float32Array.from(this.counts);
    let max = 0;
    for (const v of out) if (v > max) max = v;
    if (max > 0) for (let i = 0; i < out.length; i++) out[i] /= max;
    return out;
  }
}

/** Separable Gaussian blur (kernel cut at 3 sigma, edges renormalised). */
export function gaussianBlur(src: Float32Array, cols: number, rows: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  for (let i = -radius; i <= radius; i++) kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = 0, w = 0;
      for (let k = -radius; k <= radius; k++) {
        const cc = c + k;
        if (cc < 0 || cc >= cols) continue;
        s += src[r * cols + cc] * kernel[k + radius];
        w += kernel[k + radius];
      }
      tmp[r * cols + c] = s / w;
    }
  }
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      let s = 0, w = 0;
      for (let k = -radius; k <= radius; k++) {
        const rr = r + k;
        if (rr < 0 || rr >= rows) continue;
        s += tmp[rr * cols + c] * kernel[k + radius];
        w += kernel[k + radius];
      }
      out[r * cols + c] = s / w;
    }
  }
  return out;
}

/** The whole heatmap in one call: samples → blurred grid (row-major, `rows` × `cols`, 0–1). */
export function heatmapGrid(samples: Iterable<PersonSample>, cols: number, rows: number, options: HeatmapOptions = {}): Float32Array {
  const acc = new HeatmapAccumulator(cols, rows, options.anchor);
  for (const s of samples) acc.add(s);
  return acc.grid(options.sigmaCells);
}

/** A colour for a heatmap value 0–1: transparent blue through green and yellow to opaque red, as [r, g, b, a] 0–255. */
export function heatColor(v: number): [number, number, number, number] {
  const x = Math.max(0, Math.min(1, v));
  const stops: [number, number, number, number][] = [
    [0, 0, 255, 0],
    [0, 160, 255, 110],
    [0, 220, 0, 150],
    [255, 230, 0, 180],
    [255, 0, 0, 210],
  ];
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  return stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f)) as [number, number, number, number];
}
