/** Workflow step StitchSegments: the array children's segments into the job's results (segment-steps.ts). */
import { segmentHandler } from './segment-runtime.js';

export const handler = segmentHandler((s) => s.stitch);
