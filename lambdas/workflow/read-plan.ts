/** Workflow step ReadSegmentPlan: did the tracker cut the video into segments (lambdas/workflow/segment-steps.ts)? */
import { segmentHandler } from './segment-runtime.js';

export const handler = segmentHandler((s) => s.readPlan);
