/**
 * The workflow's segmented path (doc/architecture/0014-segmented-tracking.md), after RunTracker on the GPU path:
 *
 *   RunTracker ─▶ ReadSegmentPlan ─ segmented? ─no─▶ Complete
 *                                    │yes
 *                                 RunSegments (Batch array job: child index = segment, same image and job
 *                                    │          definition, so Spot retries apply per child)
 *                                 StitchSegments (Lambda) ─▶ Complete
 *   RunSegments and StitchSegments errors are caught into HandleFailure like RunTracker's.
 *
 * The tracker cut the video when its plan (TRACKER_SEGMENT_PARALLELISM) had more than one segment: it wrote
 * segments/plan.json and exited without tracking.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { TrackerBatch } from './tracker-batch.js';
import { lambdaStep } from './workflow-steps.js';

export const SEGMENT_STATE = {
  readPlan: 'ReadSegmentPlan',
  isSegmented: 'IsSegmented',
  runSegments: 'RunSegments',
  stitch: 'StitchSegments',
} as const;

/**
 * The tag every segments array job carries (value: the stack name). batch:TerminateJob has only the `job` resource
 * type, whose ids are made at submit time, and the aws:ResourceTag condition: the tracker role may terminate only
 * jobs with this tag, so a child stops its own array job and nothing else in the region (doc 0020).
 */
export const SEGMENTS_JOB_TAG = 'people-pathing-stack';

export interface SegmentedPathProps {
  readonly readPlanFn: lambda.IFunction;
  readonly stitchFn: lambda.IFunction;
  readonly batch: TrackerBatch;
  /** The RunTracker container's environment overrides (job id, video, results prefix). */
  readonly environment: Record<string, string>;
  readonly complete: sfn.IChainable;
  readonly handleFailure: sfn.IChainable;
}

/** The states between RunTracker and Complete; returns the first one. */
export function segmentedPath(scope: Construct, props: SegmentedPathProps): sfn.IChainable {
  const readPlan = lambdaStep(scope, SEGMENT_STATE.readPlan, props.readPlanFn, '$.plan');
  readPlan.addCatch(props.handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

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
  runSegments.addCatch(props.handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

  const stitch = lambdaStep(scope, SEGMENT_STATE.stitch, props.stitchFn, '$.stitched');
  stitch.addCatch(props.handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

  runSegments.next(stitch);
  stitch.next(props.complete);
  return readPlan.next(
    new sfn.Choice(scope, SEGMENT_STATE.isSegmented)
      .when(sfn.Condition.booleanEquals('$.plan.segmented', true), runSegments)
      .otherwise(props.complete),
  );
}
