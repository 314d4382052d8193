/**
 * What the segmented workflow's container steps and Lambdas agree on (no AWS imports, no engine imports: the stitch
 * Lambda imports it). Under the job's results prefix:
 *   segments/plan.json              PlanFile, written by the first container when it cut the video
 *   segments/segment-NNNNN/         one array child's segment folder (core/stitch/segment-files.ts), segment.json last
 */
import type { VideoMetadata } from './types.js';

export const PLAN_FILE = 'segments/plan.json';

export interface PlanFile {
  formatVersion: 1;
  videoMetadata: VideoMetadata;
  step: number;
  fps: number;
  overlapFrames: number;
  segments: Array<{ index: number; startFrame: number; endFrame?: number }>;
}

/** segments/segment-NNNNN (no trailing slash), relative to the results prefix. */
export function segmentPrefix(index: number): string {
  return `segments/segment-${String(index).padStart(5, '0')}`;
}
