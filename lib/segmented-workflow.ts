/**
 * The workflow's segmented path (doc/architecture/0014-segmented-tracking.md, 0020) on the GPU path, before any
 * tracker container starts:
 *
 *   Prepare ─▶ PlanSegments (Lambda: the MP4 header over ranged reads, core's plan rule; writes segments/plan.json)
 *                 │ segmented?                                   │ no, or PlanSegments failed past its retries
 *              RunSegments (Batch array job: child index =      RunTracker (one unsplit run, as for any job)
 *                 │          segment, same image and job definition, so Spot retries apply per child)
 *              StitchSegments (Lambda) ─▶ Complete
 *   No GPU instance starts only to plan. A video the header cannot decide runs unsplit, and its container reports a bad
 *   file with the engine's usual message. StitchSegments errors are caught into HandleFailure like RunTracker's.
 *   RunSegments' are caught into HandleSegmentsFailure (the same Lambda, told it is the array job): when every failed
 *   child was lost to its host (Spot reclaims past the job definition's attempts) it answers RETRY and the array job
 *   is submitted again, sharing the job's resubmission budget (MAX_RESUBMITS) with RunTracker's; children whose
 *   segment is already in S3 exit at once, so only the lost segments are tracked again. Anything else fails the job.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TrackerBatch } from './tracker-batch.js';
import { countResubmitState, lambdaStep } from './workflow-steps.js';

export const SEGMENT_STATE = {
  plan: 'PlanSegments',
  isSegmented: 'IsSegmented',
  runSegments: 'RunSegments',
  stitch: 'StitchSegments',
  handleFailure: 'HandleSegmentsFailure',
  retryOrEnd: 'RetrySegmentsOrEnd',
  countResubmit: 'CountSegmentsResubmit',
} as const;

/**
 * The tag every segments array job carries (value: the stack name). batch:TerminateJob has only the `job` resource
 * type, whose ids are made at submit time, and the aws:ResourceTag condition: the tracker role may terminate only
 * jobs with this tag, so a child stops its own array job and nothing else in the region (doc 0020).
 */
export const SEGMENTS_JOB_TAG = 'people-pathing-stack';

export interface SegmentedPathProps {
  readonly planFn: lambda.IFunction;
  readonly stitchFn: lambda.IFunction;
  readonly batch: TrackerBatch;
  /** The RunTracker container's environment overrides (job id, video, results prefix). */
  readonly environment: Record<string, string>;
  /** The unsplit run: a video the plan does not cut. */
  readonly runTracker: sfn.IChainable;
  readonly complete: sfn.IChainable;
  readonly handleFailure: sfn.IChainable;
  /** The HandleFailure Lambda, the workflow's last resort (FailJob) and its end state for a FAILED job. */
  readonly handleFailureFn: lambda.IFunction;
  readonly failJob: sfn.IChainable;
  readonly failed: sfn.IChainable;
}

/** The states between Prepare and Complete on the GPU path; returns the first one (PlanSegments). */
export function segmentedPath(scope: Construct, props: SegmentedPathProps): sfn.IChainable {
  const plan = lambdaStep(scope, SEGMENT_STATE.plan, props.planFn, '$.plan', { video: sfn.JsonPath.objectAt('$.video') });
  // Planning is an optimisation: if it keeps failing (S3 throttled past the retries), the video runs as one job.
  plan.addCatch(props.runTracker, { errors: ['States.ALL'], resultPath: '$.planError' });

  const runSegments = new tasks.BatchSubmitJob(scope, SEGMENT_STATE.runSegments, {
    jobName: sfn.JsonPath.format('people-pathing-{}-segments', sfn.JsonPath.stringAt('$.jobId')),
    jobQueueArn: props.batch.jobQueue.jobQueueArn,
    jobDefinitionArn: props.batch.jobDefinition.jobDefinitionArn,
    arraySize: sfn.JsonPath.numberAt('$.plan.size'),
    tags: { [SEGMENTS_JOB_TAG]: Stack.of(scope).stackName },
    containerOverrides: { environment: { ...props.environment, TRACKER_MODE: 'segment' } },
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    resultSelector: { JobId: sfn.JsonPath.stringAt('$.JobId'), Status: sfn.JsonPath.stringAt('$.Status') },
    resultPath: '$.segments',
  });
  runSegments.addRetry({
    errors: ['Batch.AWSBatchException', 'Batch.TooManyRequestsException', 'Batch.ServerException'],
    interval: Duration.seconds(10),
    maxAttempts: 4,
    backoffRate: 2,
  });
  const handleSegmentsFailure = lambdaStep(scope, SEGMENT_STATE.handleFailure, props.handleFailureFn, '$.failure', {
    error: sfn.JsonPath.objectAt('$.error'),
    resubmits: sfn.JsonPath.numberAt('$.prepared.resubmits'),
    segments: true,
  });
  handleSegmentsFailure.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
  handleSegmentsFailure.addCatch(props.failJob, { errors: ['States.ALL'], resultPath: '$.error' });
  runSegments.addCatch(handleSegmentsFailure, { errors: ['States.ALL'], resultPath: '$.error' });
  // RETRY: the same plan, the count carried; the array job is submitted again.
  const countResubmit = countResubmitState(scope, SEGMENT_STATE.countResubmit, { 'plan.$': '$.plan' });
  countResubmit.next(runSegments);
  handleSegmentsFailure.next(
    new sfn.Choice(scope, SEGMENT_STATE.retryOrEnd).when(sfn.Condition.stringEquals('$.failure.action', 'RETRY'), countResubmit).otherwise(props.failed),
  );

  const stitch = lambdaStep(scope, SEGMENT_STATE.stitch, props.stitchFn, '$.stitched');
  stitch.addCatch(props.handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

  runSegments.next(stitch);
  stitch.next(props.complete);
  return plan.next(
    new sfn.Choice(scope, SEGMENT_STATE.isSegmented)
      .when(sfn.Condition.booleanEquals('$.plan.segmented', true), runSegments)
      .otherwise(props.runTracker),
  );
}
