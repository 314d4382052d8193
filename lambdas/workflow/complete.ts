/** Workflow step Complete: the tracker succeeded → job SUCCEEDED with its VideoMetadata, notified. */
import { lambdaHandler } from './runtime.js';

export const handler = lambdaHandler((s) => s.complete);
