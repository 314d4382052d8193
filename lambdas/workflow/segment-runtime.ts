/** Lambda wiring of the segmented workflow's steps (segment-steps.ts), as runtime.ts does for the job steps. */
import { S3Client } from '@aws-sdk/client-s3';
import { env, logger, observed, tracer } from './runtime.js';
import { createSegmentSteps, type SegmentSteps } from './segment-steps.js';
import { s3ByteRange } from '../../adapters/s3-byte-range.js';
import { splitSettingsFrom } from '../../core/segment-plan.js';

let steps: SegmentSteps | undefined;

export function segmentHandler<I, O>(pick: (s: SegmentSteps) => (input: I) => Promise<O>) {
  return observed(async (event: I): Promise<O> => {
    if (!steps) {
      const s3 = tracer.captureAWSv3Client(new S3Client({}));
      steps = createSegmentSteps({
        s3,
        resultsBucket: env('RESULTS_BUCKET'),
        log: (message, fields) => logger.info(message, fields ?? {}),
        // PlanSegments: the stack's split settings; the video read with the owner check (adapters/s3-byte-range.ts).
        split: splitSettingsFrom(process.env),
        videoBytes: (video, accountId) => s3ByteRange(s3, video, accountId),
      });
    }
    return pick(steps)(event);
  });
}
