import {
  boxToMeasurement,
  DEFAULT_KALMAN_NOISE,
  gatingDistances,
  initiate,
  predict,
  stateToBox,
  update,
} from '../../core/track/kalman.js';

/** Feeds a person walking at (vx, vy) px/s for `seconds` at `fps`, returns the filter state. */
function follow(fps: number, seconds: number, vx: number, vy: number) {
  const box = (t: number): number[] => [100 + vx * t, 50 + vy * t, 140 + vx * t, 150 + vy * t];
  const s = initiate(boxToMeasurement(box(0)), DEFAULT_KALMAN_NOISE);
  for (let f = 1; f <= Math.round(seconds * fps); f++) {
    predict(s, 1 / fps, DEFAULT_KALMAN_NOISE);
    update(s, boxToMeasurement(box(f / fps)), DEFAULT_KALMAN_NOISE);
  }
  return s;
}

describe('Kalman filter in seconds', () => {
  it('learns a walking velocity in pixels per second, the same at 7 and at 30 fps', () => {
    const slow = follow(7, 3, 60, -20);
    const fast = follow(30, 3, 60, -20);
    for (const s of [slow, fast]) {
      expect(s.mean[4]).toBeCloseTo(60, 0);
      expect(s.mean[5]).toBeCloseTo(-20, 0);
    }
  });

  it('predicts where the person will be after a second without detections', () => {
    for (const fps of [7, 30]) {
      const s = follow(fps, 3, 60, 0);
      for (let f = 0; f < fps; f++) predict(s, 1 / fps, DEFAULT_KALMAN_NOISE);
      const [x1, y1, x2, y2] = stateToBox(s.mean);
      expect((x1 + x2) / 2).toBeCloseTo(120 + 60 * 4, -1);
      expect((y1 + y2) / 2).toBeCloseTo(100, 0);
      expect(y2 - y1).toBeCloseTo(100, 0);
    }
  });

  it('grows its uncertainty with elapsed time, not with the number of frames', () => {
    const a = follow(10, 2, 30, 0);
    const b = follow(10, 2, 30, 0);
    predict(a, 1, DEFAULT_KALMAN_NOISE); // one 1-second step
    for (let i = 0; i < 30; i++) predict(b, 1 / 30, DEFAULT_KALMAN_NOISE); // thirty 1/30-second steps
    const varA = a.cov[0];
    const varB = b.cov[0];
    // Equal up to the velocity noise folding into position over many small steps (the diagonal process noise has no
    // dt³ cross term): within 25 %, where a per-frame filter (ByteTrack's) would differ 30-fold.
    expect(varB / varA).toBeGreaterThan(0.8);
    expect(varB / varA).toBeLessThan(1.25);
  });

  it('gates a detection by its Mahalanobis distance from the prediction (DeepSORT 95 %: 9.4877)', () => {
    for (const fps of [7, 30]) {
      const s = follow(fps, 2, 60, 0);
      predict(s, 1 / fps, DEFAULT_KALMAN_NOISE);
      const [x1, y1, x2, y2] = stateToBox(s.mean);
      const at = (dx: number, dh: number): number =>
        gatingDistances(s, [boxToMeasurement([x1 + dx, y1 - dh, x2 + dx, y2])], DEFAULT_KALMAN_NOISE)[0];
      expect(at(0, 0)).toBeCloseTo(0, 6);
      // A few pixels off (a 100 px person) is inside the gate; a box a whole width (40 px) aside, or half again as
      // tall, is not.
      expect(at(3, 0)).toBeLessThan(9.4877);
      expect(at(40, 0)).toBeGreaterThan(9.4877);
      expect(at(0, 50)).toBeGreaterThan(9.4877);
      expect(at(10, 0)).toBeLessThan(at(20, 0));
    }
  });

  it('converts boxes to measurements and back', () => {
    const m = boxToMeasurement([10, 20, 50, 120]);
    expect(m).toEqual([30, 70, 0.4, 100]);
    const s = initiate(m, DEFAULT_KALMAN_NOISE);
    expect(stateToBox(s.mean)).toEqual([10, 20, 50, 120]);
  });
});
