import { crop, resample, targetOf } from '../../containers/tracker/src/image.js';
import type { FrameImage } from '../../containers/tracker/src/frame.js';

/** A w×h BGR picture whose blue channel is f(x, y), green 2·f, red 255 − f. */
function picture(w: number, h: number, f: (x: number, y: number) => number): FrameImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = f(x, y);
      data.set([v, Math.min(255, 2 * v), 255 - v], (y * w + x) * 3);
    }
  }
  return { data, width: w, height: h };
}

describe('image: one bilinear resampler', () => {
  const src = picture(8, 6, (x, y) => 10 * x + 3 * y);

  it('reproduces the picture when drawn at its own size', () => {
    const out: FrameImage = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3) };
    resample(src, { x: 0, y: 0, width: 8, height: 6 }, targetOf(out));
    expect(Array.from(out.data)).toEqual(Array.from(src.data));
  });

  it('halving averages each 2×2 block (half-pixel centres), keeping fractions in a float target', () => {
    const out = new Float32Array(4 * 3 * 3);
    resample(src, { x: 0, y: 0, width: 8, height: 6 }, { data: out, offset: 0, rowStride: 12, width: 4, height: 3 });
    // output (1, 1) samples source (2.5, 2.5): blue 10·2.5 + 3·2.5 = 32.5
    expect(out[(1 * 4 + 1) * 3]).toBeCloseTo(32.5, 5);
    expect(out[(1 * 4 + 1) * 3 + 2]).toBeCloseTo(255 - 32.5, 5);
  });

  it('rounds to the nearest level in a byte target', () => {
    const out: FrameImage = { width: 4, height: 3, data: new Uint8Array(4 * 3 * 3) };
    resample(src, { x: 0, y: 0, width: 8, height: 6 }, targetOf(out));
    expect(out.data[(1 * 4 + 1) * 3]).toBe(33);
  });

  it("repeats edge pixels with 'clamp' and leaves the target alone with 'blank' outside the picture", () => {
    const rect = { x: -4, y: 0, width: 8, height: 6 }; // the left half lies outside
    const clamped: FrameImage = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3).fill(7) };
    const blank: FrameImage = { width: 8, height: 6, data: new Uint8Array(8 * 6 * 3).fill(7) };
    resample(src, rect, targetOf(clamped), 'clamp');
    resample(src, rect, targetOf(blank), 'blank');
    expect(clamped.data[0]).toBe(src.data[0]); // column −4 reads column 0
    expect(blank.data[0]).toBe(7); // untouched padding
    expect(blank.data[(0 * 8 + 5) * 3]).toBe(clamped.data[(0 * 8 + 5) * 3]); // inside, both sample the same
  });

  it('draws into a sub-rectangle of a larger target only', () => {
    const canvas: FrameImage = { width: 10, height: 10, data: new Uint8Array(300) };
    resample(src, { x: 0, y: 0, width: 8, height: 6 }, targetOf(canvas, 2, 3, 4, 3));
    expect(canvas.data[(3 * 10 + 1) * 3 + 2]).toBe(0); // left of the rectangle
    expect(canvas.data[(3 * 10 + 2) * 3 + 2]).toBeGreaterThan(0); // its first pixel (red = 255 − blue)
    expect(canvas.data[(6 * 10 + 2) * 3 + 2]).toBe(0); // below it
  });
});

describe('crop', () => {
  it('copies an integer rectangle as its own picture', () => {
    const src = picture(8, 6, (x, y) => 10 * x + 3 * y);
    const c = crop(src, 2, 1, 5, 4);
    expect([c.width, c.height]).toEqual([3, 3]);
    expect(c.data[0]).toBe(10 * 2 + 3 * 1);
    expect(c.data[(2 * 3 + 2) * 3]).toBe(10 * 4 + 3 * 3);
  });
});
