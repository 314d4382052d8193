/** Workflow step Prepare: is the job still IN_PROGRESS, and where do its results go. */
import { lambdaHandler } from './runtime.js';

export const handler = lambdaHandler((s) => s.prepare);
