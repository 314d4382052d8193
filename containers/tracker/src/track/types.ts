/** The tracker's contract with the rest of the engine. Boxes are [x1, y1, x2, y2] in source-frame pixels. */
export type { Box } from '../../../../core/geometry.js';
import type { Box } from '../../../../core/geometry.js';

export interface Detection {
  box: Box;
  /** Detector score 0..1. */
  score: number;
  /** Optional appearance embedding (L2-normalised), when the engine computes one. */
  embedding?: Float32Array;
}

export interface TrackedPerson {
  /** Person Index: starts at 0, contiguous in order of confirmation (first appearance as a confirmed track). */
  index: number;
  box: Box;
  /** Score of the detection matched this frame. */
  score: number;
}

export interface PersonTracker {
  /**
   * Feeds the detections of one analysed frame at time `timeSec` (seconds from the video start, increasing)
   * and returns the confirmed tracks matched to a detection in this frame — plus, for up to TrackerConfig.coastSec,
   * a person hidden inside another person's detection, at their predicted box. Unconfirmed tracks are never returned.
   */
  update(detections: Detection[], timeSec: number): TrackedPerson[];
}
