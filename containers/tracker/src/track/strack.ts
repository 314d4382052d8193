/** One track's state: Kalman filter, lifecycle, appearance, and the observation history OC-SORT replays. */
import type { Box } from './types.js';
import {
  boxToMeasurement,
  cloneState,
  initiate,
  predict,
  stateToBox,
  update,
  type KalmanNoise,
  type KalmanState,
} from '../../../../core/track/kalman.js';

export enum TrackState {
  /** Seen, not yet confirmed: never reported, dropped at its first miss. */
  Tentative,
  /** Confirmed and matched recently. */
  Tracked,
  /** Confirmed, currently unmatched; may be matched again within the lost buffer or re-attach window. */
  Lost,
  Removed,
}

export class STrack {
  state = TrackState.Tentative;
  /** Person Index, assigned on confirmation. */
  index = -1;
  kf: KalmanState;
  /** Time of the first and of the latest matched detection. */
  readonly startSec: number;
  lastSeenSec: number;
  /** Time the filter was last advanced to. */
  private predictedSec: number;
  /** The latest matched detection box and score. */
  lastBox: Box;
  score: number;
  /** Number of matched detections. */
  hits = 1;
  /** Smoothed, L2-normalised appearance, when embeddings are available. */
  feature?: Float32Array;
  /** Embedding of the latest matched detection, when it had one. */
  lastEmbedding?: Float32Array;
  /** Time of the latest appearance update. */
  featureSec?: number;
  /** Filter state right after the latest update, for observation-centric re-update. */
  private snapshot: KalmanState;
  /** Times at which the track was predicted without a match since the latest update. */
  private missedSec: number[] = [];

  constructor(box: Box, score: number, timeSec: number, noise: KalmanNoise) {
    this.kf = initiate(boxToMeasurement(box), noise);
    this.snapshot = cloneState(this.kf);
    this.startSec = timeSec;
    this.lastSeenSec = timeSec;
    this.predictedSec = timeSec;
    this.lastBox = box;
    this.score = score;
  }

  get box(): Box {
    return stateToBox(this.kf.mean);
  }

  /** The box the filter would predict at `timeSec`, without changing the track. */
  predictedBox(timeSec: number): Box {
    const dt = Math.max(timeSec - this.predictedSec, 0);
    const m = this.kf.mean;
    const vh = this.state === TrackState.Tracked ? m[7] : 0;
    const cx = m[0] + dt * m[4];
    const cy = m[1] + dt * m[5];
    const h = m[3] + dt * vh;
    const w = (m[2] + dt * m[6]) * h;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }

  get confirmed(): boolean {
    return this.state === TrackState.Tracked || this.state === TrackState.Lost;
  }

  /** Advances the filter to `timeSec`. A track that is not being tracked keeps its height constant (ByteTrack). */
  predictTo(timeSec: number, noise: KalmanNoise): void {
    const dt = timeSec - this.predictedSec;
    if (dt <= 0) return;
    if (this.state !== TrackState.Tracked) this.kf.mean[7] = 0;
    predict(this.kf, dt, noise);
    this.predictedSec = timeSec;
  }

  /** Kalman update with `box` without counting it as a sighting (a hidden person's box inferred from a merged one). */
  nudge(box: Box, noise: KalmanNoise): void {
    update(this.kf, boxToMeasurement(box), noise);
  }

  /** Records that the track went unmatched in the frame at `timeSec`. */
  markMissed(timeSec: number): void {
    this.missedSec.push(timeSec);
  }

  /**
   * Corrects the track with a detection at `timeSec`. With `observationCentric`, a track that missed frames is
   * first rewound to its last update and replayed through boxes interpolated between its last observation and
   * this one (OC-SORT's observation-centric re-update), so its velocity reflects where the person actually went.
   */
  correct(box: Box, score: number, timeSec: number, noise: KalmanNoise, observationCentric: boolean): void {
    if (observationCentric && this.missedSec.length > 0) {
      const from = this.lastBox;
      const t0 = this.lastSeenSec;
      const span = timeSec - t0;
      this.kf = cloneState(this.snapshot);
      let t = t0;
      for (const tm of this.missedSec) {
        if (tm <= t || tm >= timeSec) continue;
        const f = (tm - t0) / span;
        const virtual: Box = [0, 1, 2, 3].map((k) => from[k] + f * (box[k] - from[k])) as Box;
        if (this.state !== TrackState.Tracked) this.kf.mean[7] = 0;
        predict(this.kf, tm - t, noise);
        update(this.kf, boxToMeasurement(virtual), noise);
        t = tm;
      }
      predict(this.kf, timeSec - t, noise);
      this.predictedSec = timeSec;
    } else {
      this.predictTo(timeSec, noise);
    }
    update(this.kf, boxToMeasurement(box), noise);
    this.snapshot = cloneState(this.kf);
    this.missedSec = [];
    this.lastBox = box;
    this.score = score;
    this.lastSeenSec = timeSec;
    this.hits++;
  }

  /**
   * Re-attachment: this lost track continues as `fresh` (a newly confirmed track judged to be the same person). It
   * keeps its Index and appearance history and takes the new track's filter state and latest observation.
   */
  takeOver(fresh: STrack): void {
    this.kf = cloneState(fresh.kf);
    this.snapshot = cloneState(fresh.kf);
    this.missedSec = [];
    this.predictedSec = fresh.predictedSec;
    this.lastBox = fresh.lastBox;
    this.score = fresh.score;
    this.lastSeenSec = fresh.lastSeenSec;
    this.lastEmbedding = fresh.lastEmbedding;
    this.hits += fresh.hits;
    if (fresh.feature) {
      if (this.feature) this.updateFeature(fresh.feature, 0.5);
      else this.feature = Float32Array.from(fresh.feature);
      this.featureSec = fresh.featureSec;
    }
    this.state = TrackState.Tracked;
  }

  /** Blends an L2-normalised embedding into the track's feature; `keep` is the weight of the old feature. */
  updateFeature(embedding: Float32Array, keep: number): void {
    const f = this.feature;
    if (!f) {
      this.feature = Float32Array.from(embedding);
      return;
    }
    let s = 0;
    for (let i = 0; i < f.length; i++) {
      f[i] = keep * f[i] + (1 - keep) * embedding[i];
      s += f[i] * f[i];
    }
    const n = Math.sqrt(s) || 1;
    for (let i = 0; i < f.length; i++) f[i] /= n;
  }
}
