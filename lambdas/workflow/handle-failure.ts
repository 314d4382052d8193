/** Workflow step HandleFailure: resubmit after a Spot/host loss, or job FAILED with a StatusMessage, notified. */
import { lambdaHandler } from './runtime.js';

export const handler = lambdaHandler((s) => s.handleFailure);
