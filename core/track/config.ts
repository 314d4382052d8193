/**
 * Tracker settings. Every time constant is in seconds, so the same settings hold at 7 fps and at 30 fps.
 * doc/tracker.md says how each default was chosen.
 */
import { DEFAULT_KALMAN_NOISE, type KalmanNoise } from './kalman.js';

export interface TrackerConfig {
  /** Detections at or above this score take part in the first association stage (ByteTrack track_thresh). */
  highThresh: number;
  /** Detections between this and highThresh are used only in the second stage, to keep existing tracks alive. */
  lowThresh: number;
  /** A new (tentative) track is started only from an unmatched detection at or above this score… */
  newTrackThresh: number;
  /**
   * …or at or above this one when its centre lies within `nearHeights` of a tracked person's: next to a person being
   * followed, an unexplained box is as likely a piece or a double of them (a merged box splitting, a partial box) as
   * someone new, so it needs stronger evidence (BoT-SORT's new_track_thresh). Equal to newTrackThresh: no difference.
   */
  newTrackThreshNear: number;
  /** "Near" for newTrackThreshNear: centre to centre, in the tracked person's box heights. */
  nearHeights: number;
  /** Cost limit of the first stage (1 − IoU·score, or appearance cost). ByteTrack match_thresh. */
  matchThresh: number;
  /** Cost limit (1 − IoU) of the second, low-score stage. */
  lowMatchThresh: number;
  /** Cost limit (1 − IoU·score) for matching tentative tracks. */
  tentativeMatchThresh: number;
  /** A tentative track is confirmed (and gets its Index) once it has been matched in every frame for this long. */
  confirmSec: number;
  /** A lost track stays in motion (IoU) association for this long after its last detection. */
  lostBufferSec: number;
  /** Replay a lost track from its last observation to the new one instead of trusting its drifted prediction. */
  observationCentric: boolean;
  /** Use Detection.embedding, when present, in association and re-attachment. */
  appearance: boolean;
  /** Appearance may lower a cost only between boxes whose IoU is at least this (BoT-SORT proximity_thresh 0.5). */
  proximityIou: number;
  /** Appearance counts only where cosine distance / 2 is at most this (BoT-SORT appearance_thresh 0.25). */
  maxEmbeddingCost: number;
  /** How appearance joins motion in the first stage (see matching.ts fuseAppearance). */
  appearanceFusion: 'min' | 'sum';
  /** Weight of appearance in 'sum' fusion: cost = motion + weight × (appearance − maxEmbeddingCost). */
  appearanceWeight: number;
  /**
   * Cosine distances / 2 are divided by this before use, so the appearance thresholds (set on the 0287 model's
   * distances) carry over to a re-ID model whose distances are spread differently (reid/ reidDistanceScale).
   */
  embeddingScale: number;
  /** Half-life, in seconds, of the exponential moving average of a track's appearance. */
  featureHalfLifeSec: number;
  /** An unambiguous, tracked person is re-embedded this often (seconds); contested ones every frame. */
  embedRefreshSec: number;
  /**
   * Motion costs closer than this are "contested" and get embeddings: how far appearance typically moves a cost
   * (appearanceWeight × the gap between the median same-person and different-person distances, 2 × 0.19).
   */
  embedMargin: number;
  /** A confident detection overlapping another by more than this IoU is embedded: occlusion is where identities swap. */
  embedOverlapIou: number;
  /** Only detections at or above this score update a track's appearance. */
  featureMinScore: number;
  /**
   * Only detections whose IoU with every other detection, and with every other tracked person's box, is below this
   * update a track's appearance.
   */
  featureMaxOverlap: number;
  /**
   * A tracked person left unmatched whose predicted box lies at least this fraction inside a detection that another
   * track took is hidden in it (two people who overlap, returned as one box): the track coasts — stays tracked and is
   * reported at its predicted box — instead of being lost.
   */
  coverFraction: number;
  /** …for at most this long (seconds) after the track's own last detection. */
  coastSec: number;
  /**
   * A person missing for at most this long (seconds) between two sightings under the same Index gets boxes
   * interpolated across the gap (track/gap-fill.ts); output is delayed by this much video time. 0 turns it off.
   */
  fillGapSec: number;
  /** A lost track can be re-attached by appearance alone for this long after its last detection. */
  reattachSec: number;
  /** Cosine distance / 2 at most this for an appearance-only re-attachment (stricter than maxEmbeddingCost). */
  reattachMaxCost: number;
  /** Re-attachment gate: centre may have moved at most this many box heights per second since the last sighting… */
  reattachMaxSpeed: number;
  /** …plus this many box heights. */
  reattachSlack: number;
  /**
   * A tracked and a recently lost track whose boxes are closer than this IoU distance (1 − IoU) are one person twice:
   * the younger is dropped (ByteTrack's remove_duplicate_stracks, 0.15).
   */
  duplicateMaxDistance: number;
  /**
   * Appearance may not veto a first-stage pair that motion leaves no choice about: the track's only plausible
   * detection and the detection's only plausible track, where plausible is a motion cost (1 − IoU·score) within
   * matchThresh and a detection inside the track's Kalman gate — squared Mahalanobis distance from the prediction at
   * most this (DeepSORT's chi-square 95 % gate, four degrees of freedom). Appearance may still lower such a pair's
   * cost. 0 turns the rule off.
   */
  soleMatchGate: number;
  /** Report the Kalman-filtered box ('filtered', as ByteTrack does) or the matched detection's box. */
  outputBox: 'filtered' | 'detection';
  /** Kalman filter noise model. */
  noise: KalmanNoise;
}

export const DEFAULT_TRACKER_CONFIG: TrackerConfig = {
  highThresh: 0.5,
  lowThresh: 0.1,
  newTrackThresh: 0.6,
  newTrackThreshNear: 0.7,
  nearHeights: 0.5,
  matchThresh: 0.8,
  lowMatchThresh: 0.5,
  tentativeMatchThresh: 0.7,
  confirmSec: 0,
  lostBufferSec: 2.5,
  observationCentric: true,
  appearance: true,
  proximityIou: 0.5,
  maxEmbeddingCost: 0.25,
  appearanceFusion: 'sum',
  appearanceWeight: 2,
  embeddingScale: 1,
  featureHalfLifeSec: 0.5,
  embedRefreshSec: 2,
  embedMargin: 0.37,
  embedOverlapIou: 0.1,
  featureMinScore: 0.6,
  featureMaxOverlap: 0.2,
  coverFraction: 0.6,
  coastSec: 1,
  fillGapSec: 2.5,
  reattachSec: 10,
  reattachMaxCost: 0.1,
  reattachMaxSpeed: 2,
  reattachSlack: 1,
  duplicateMaxDistance: 0.15,
  soleMatchGate: 9.4877,
  outputBox: 'filtered',
  noise: DEFAULT_KALMAN_NOISE,
};
