/**
 * Workflow step PlanSegments: before any GPU container starts, cut a long video into segments from its MP4 header
 * (ranged reads, no download), or answer that it runs as one job (lambdas/workflow/segment-steps.ts).
 */
import { segmentHandler } from './segment-runtime.js';

export const handler = segmentHandler((s) => s.plan);
