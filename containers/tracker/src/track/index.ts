/** The person tracker: `createTracker({ frameRate })` returns a ByteTrack-class PersonTracker. */
import { ByteTracker } from './byte-tracker.js';
import { DEFAULT_TRACKER_CONFIG, type TrackerConfig } from '../../../../core/track/config.js';

export type { Box, Detection, PersonTracker, TrackedPerson } from './types.js';
export { DEFAULT_TRACKER_CONFIG, type TrackerConfig } from '../../../../core/track/config.js';
export { DEFAULT_KALMAN_NOISE, type KalmanNoise } from '../../../../core/track/kalman.js';
export { ByteTracker } from './byte-tracker.js';
export { GapFiller, type FilledPerson, type FilledSample } from './gap-fill.js';

export interface CreateTrackerOptions extends Partial<TrackerConfig> {
  /**
   * Frame rate of the analysed frames. The tracker works in seconds (the times passed to update), so this is
   * informational: it is checked, and kept for callers that want to know.
   */
  frameRate: number;
}

/** Creates a tracker with the defaults overridden by `options` (unknown keys are ignored). */
export function createTracker(options: CreateTrackerOptions): ByteTracker {
  const { frameRate, ...overrides } = options;
  if (!(frameRate > 0)) throw new Error(`frameRate must be positive (got ${frameRate})`);
  const config: TrackerConfig = { ...DEFAULT_TRACKER_CONFIG };
  for (const key of Object.keys(DEFAULT_TRACKER_CONFIG) as Array<keyof TrackerConfig>) {
    const value = overrides[key];
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  return new ByteTracker(config);
}
