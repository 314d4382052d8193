/**
 * Constant-velocity Kalman filter on a person box, in the manner of ByteTrack's kalman_filter.py, but in
 * continuous time: velocities are per second and the process noise grows with the interval between frames,
 * so a 7 fps camera and a 30 fps one describe the same motion.
 *
 * State (8): [cx, cy, a, h, vcx, vcy, va, vh] — box centre, aspect ratio w/h, height, and their rates per second.
 * Measurement (4): [cx, cy, a, h].
 */

export interface KalmanNoise {
  /** Measurement noise of centre and height, as a fraction of the box height (ByteTrack: 1/20). */
  measurementStd: number;
  /** Position process noise, fraction of the height per √second. */
  positionStdPerSqrtSec: number;
  /** Velocity process noise, heights per second per √second. */
  velocityStdPerSqrtSec: number;
  /** Initial velocity uncertainty, heights per second. */
  initialVelocityStd: number;
}

/**
 * Pedestrian kinematics in box heights (a person is about 1.7 m): measurement noise as ByteTrack (1/20 of the height);
 * a walking person's velocity drifts by about 0.25 m/s over a second (0.15 h/s per √s) and their box wobbles with
 * the gait (0.13 h per √s); an unknown starting velocity is about walking pace (1 h/s ≈ 1.7 m/s).
 * See doc/tracker.md for how these compare with ByteTrack's per-frame weights.
 */
export const DEFAULT_KALMAN_NOISE: KalmanNoise = {
  measurementStd: 1 / 20,
  positionStdPerSqrtSec: 0.13,
  velocityStdPerSqrtSec: 0.15,
  initialVelocityStd: 1,
};

const N = 8;

export interface KalmanState {
  /** Mean, length 8. */
  mean: Float64Array;
  /** Covariance, 8×8 row-major. */
  cov: Float64Array;
}

/** [x1,y1,x2,y2] → [cx, cy, a, h]. */
export function boxToMeasurement(box: readonly number[]): [number, number, number, number] {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return [box[0] + w / 2, box[1] + h / 2, w / Math.max(h, 1e-6), h];
}

/** Mean of a state → [x1,y1,x2,y2]. */
export function stateToBox(mean: Float64Array): [number, number, number, number] {
  const h = mean[3];
  const w = mean[2] * h;
  return [mean[0] - w / 2, mean[1] - h / 2, mean[0] + w / 2, mean[1] + h / 2];
}

export function initiate(measurement: readonly number[], noise: KalmanNoise): KalmanState {
  const mean = new Float64Array(N);
  for (let i = 0; i < 4; i++) mean[i] = measurement[i];
  const h = measurement[3];
  const sp = 2 * noise.measurementStd * h;
  const sv = noise.initialVelocityStd * h;
  const std = [sp, sp, 1e-2, sp, sv, sv, 1e-5 * 30, sv];
  const cov = new Float64Array(N * N);
  for (let i = 0; i < N; i++) cov[i * N + i] = std[i] * std[i];
  return { mean, cov };
}

/** Advances the state by `dt` seconds in place. */
export function predict(state: KalmanState, dt: number, noise: KalmanNoise): void {
  if (dt <= 0) return;
  const { mean, cov } = state;
  const h = mean[3];
  // x' = F x with F = [[I, dt·I], [0, I]]
  for (let i = 0; i < 4; i++) mean[i] += dt * mean[i + 4];
  // P' = F P Fᵀ + Q. F P: row i (i<4) += dt · row i+4.
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < N; j++) cov[i * N + j] += dt * cov[(i + 4) * N + j];
  }
  // (F P) Fᵀ: column j (j<4) += dt · column j+4.
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) cov[i * N + j] += dt * cov[i * N + j + 4];
  }
  const sp2 = (noise.positionStdPerSqrtSec * h) ** 2 * dt;
  const sv2 = (noise.velocityStdPerSqrtSec * h) ** 2 * dt;
  const qa = 1e-2 ** 2 * dt * 30;
  const qva = 1e-5 ** 2 * dt * 30;
  const q = [sp2, sp2, qa, sp2, sv2, sv2, qva, sv2];
  for (let i = 0; i < N; i++) cov[i * N + i] += q[i];
}

/** S = H P Hᵀ + R: the top-left 4×4 of P plus the measurement noise (centre and height ∝ the height). */
function innovationCovariance(state: KalmanState, noise: KalmanNoise): Float64Array {
  const r = noise.measurementStd * state.mean[3];
  const rDiag = [r * r, r * r, 1e-1 * 1e-1, r * r];
  const s = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) s[i * 4 + j] = state.cov[i * N + j];
    s[i * 4 + i] += rDiag[i];
  }
  return s;
}

/** Corrects the state in place with a measurement [cx, cy, a, h]. */
export function update(state: KalmanState, measurement: readonly number[], noise: KalmanNoise): void {
  const { mean, cov } = state;
  const sInv = invert4(innovationCovariance(state, noise));
  // K = P Hᵀ S⁻¹ (8×4); P Hᵀ = first 4 columns of P.
  const k = new Float64Array(N * 4);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 4; j++) {
      let acc = 0;
      for (let m = 0; m < 4; m++) acc += cov[i * N + m] * sInv[m * 4 + j];
      k[i * 4 + j] = acc;
    }
  }
  const y = [measurement[0] - mean[0], measurement[1] - mean[1], measurement[2] - mean[2], measurement[3] - mean[3]];
  for (let i = 0; i < N; i++) {
    mean[i] += k[i * 4] * y[0] + k[i * 4 + 1] * y[1] + k[i * 4 + 2] * y[2] + k[i * 4 + 3] * y[3];
  }
  // P' = P − K H P  (H P = first 4 rows of P).
  const next = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let m = 0; m < 4; m++) acc += k[i * 4 + m] * cov[m * N + j];
      next[i * N + j] = cov[i * N + j] - acc;
    }
  }
  cov.set(next);
}

/**
 * Squared Mahalanobis distances of measurements [cx, cy, a, h] from the state's projection, with the measurement noise
 * `update` uses (ByteTrack's and DeepSORT's gating_distance: the innovation covariance is inverted once per state).
 * Chi-square with four degrees of freedom: 9.4877 is its 95 % quantile (DeepSORT's gate).
 */
export function gatingDistances(state: KalmanState, measurements: readonly (readonly number[])[], noise: KalmanNoise): number[] {
  if (measurements.length === 0) return [];
  const sInv = invert4(innovationCovariance(state, noise));
  return measurements.map((measurement) => {
    const y = [0, 1, 2, 3].map((i) => measurement[i] - state.mean[i]);
    let d2 = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) d2 += y[i] * sInv[i * 4 + j] * y[j];
    return d2;
  });
}

export function cloneState(state: KalmanState): KalmanState {
  return { mean: Float64Array.from(state.mean), cov: Float64Array.from(state.cov) };
}

/** Inverse of a symmetric positive-definite 4×4 matrix by Gauss-Jordan elimination with partial pivoting. */
function invert4(m: Float64Array): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(16);
  for (let i = 0; i < 4; i++) inv[i * 5] = 1;
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[r * 4 + c]) > Math.abs(a[p * 4 + c])) p = r;
    if (p !== c) {
      for (let j = 0; j < 4; j++) {
        [a[c * 4 + j], a[p * 4 + j]] = [a[p * 4 + j], a[c * 4 + j]];
        [inv[c * 4 + j], inv[p * 4 + j]] = [inv[p * 4 + j], inv[c * 4 + j]];
      }
    }
    const d = a[c * 4 + c] || 1e-12;
    for (let j = 0; j < 4; j++) {
      a[c * 4 + j] /= d;
      inv[c * 4 + j] /= d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c];
      if (f === 0) continue;
      for (let j = 0; j < 4; j++) {
        a[r * 4 + j] -= f * a[c * 4 + j];
        inv[r * 4 + j] -= f * inv[c * 4 + j];
      }
    }
  }
  return inv;
}
