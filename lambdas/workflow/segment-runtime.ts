/** Lambda wiring of the segmented workflow's steps (segment-steps.ts), as runtime.ts does for the job steps. */
import { S3Client } from '@aws-sdk/client-s3';
import { env, logger, observed, tracer } from './runtime.js';
import { createSegmentSteps, type SegmentSteps } from './segment-steps.js';

let steps: SegmentSteps | undefined;

export function segmentHandler<I, O>(pick: (s: SegmentSteps) => (input: I) => Promise<O>) {
  return observed(async (event: I): Promise<O> => {
    steps ??= createSegmentSteps({
      s3: tracer.captureAWSv3Client(new S3Client({})),
      resultsBucket: env('RESULTS_BUCKET'),
      log: (message, fields) => logger.info(message, fields ?? {}),
    });
    return pick(steps)(event);
  });
}
