import { laplacianVariance, measureQuality, sharpnessFromVariance } from '../../containers/tracker/src/faces/quality.js';
import type { FrameImage } from '../../containers/tracker/src/frame.js';

function picture(w: number, h: number, bgr: (x: number, y: number) => [number, number, number]): FrameImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(bgr(x, y), (y * w + x) * 3);
  return { width: w, height: h, data };
}

describe('face quality', () => {
  it('measures brightness as mean luma in 0..100, only inside the face box', () => {
    const img = picture(100, 100, (x) => (x < 50 ? [0, 0, 0] : [255, 255, 255]));
    expect(measureQuality(img, [0, 0, 50, 100])!.Brightness).toBeCloseTo(0, 5);
    expect(measureQuality(img, [50, 0, 100, 100])!.Brightness).toBeCloseTo(100, 5);
    expect(measureQuality(img, [25, 0, 75, 100])!.Brightness).toBeCloseTo(50, 0);
    // luma weights: pure green is brighter than pure blue (BGR order)
    const green = measureQuality(picture(10, 10, () => [0, 255, 0]), [0, 0, 10, 10])!.Brightness!;
    const blue = measureQuality(picture(10, 10, () => [255, 0, 0]), [0, 0, 10, 10])!.Brightness!;
    expect(green).toBeGreaterThan(50);
    expect(blue).toBeLessThan(15);
  });

  it('rates a detailed face sharper than the same face blurred, and a flat one at 0', () => {
    const rnd = (x: number, y: number): number => ((x * 7919 + y * 104729) % 97) / 97;
    const sharp = picture(64, 64, (x, y) => {
      const v = rnd(x, y) > 0.5 ? 220 : 30;
      return [v, v, v];
    });
    const blurred = picture(64, 64, (x, y) => {
      let s = 0;
      for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) s += rnd(x + dx + 64, y + dy + 64) > 0.5 ? 220 : 30;
      const v = Math.round(s / 49);
      return [v, v, v];
    });
    const flat = picture(64, 64, () => [128, 128, 128]);
    const qs = measureQuality(sharp, [0, 0, 64, 64])!.Sharpness!;
    const qb = measureQuality(blurred, [0, 0, 64, 64])!.Sharpness!;
    const qf = measureQuality(flat, [0, 0, 64, 64])!.Sharpness!;
    expect(qs).toBeGreaterThan(qb);
    expect(qb).toBeGreaterThan(qf);
    expect(qf).toBe(0);
    for (const q of [qs, qb, qf]) {
      expect(q).toBeGreaterThanOrEqual(0);
      expect(q).toBeLessThanOrEqual(100);
    }
  });

  it('maps Laplacian variance monotonically into 0..100 with the blur threshold at 50', () => {
    expect(sharpnessFromVariance(0)).toBe(0);
    expect(sharpnessFromVariance(100)).toBeCloseTo(50, 6);
    expect(sharpnessFromVariance(1e9)).toBeLessThanOrEqual(100);
    expect(sharpnessFromVariance(200)).toBeGreaterThan(sharpnessFromVariance(150));
    const g = new Float32Array(9).fill(10);
    g[4] = 20;
    // one bright pixel: Laplacian at centre -40 over a single interior point → variance 0 (one sample)
    expect(laplacianVariance(g, 3)).toBe(0);
  });

  it('clips a face box that leaves the picture and gives nothing for an empty one', () => {
    const img = picture(20, 20, () => [100, 100, 100]);
    expect(measureQuality(img, [-10, -10, 5, 5])!.Brightness).toBeCloseTo(39.2, 1);
    expect(measureQuality(img, [30, 30, 40, 40])).toBeUndefined();
  });
});
