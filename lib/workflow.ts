/**
 * The job workflow (Step Functions, JSONPath). Input, from the API's launcher:
 *   { jobId, accountId, video: { S3Object: { Bucket, Name, Version? } } }
 *
 *   Prepare ─ proceed? ─no─▶ AlreadyFinished
 *      │yes                 (GPU path with segments: PlanSegments first, lib/segmented-workflow.ts)
 *   RunTracker (Batch submitJob.sync on the GPU queue | ECS RunTask.sync on Fargate)
 *      │ok                                   │any error (caught)
 *   Complete ─▶ JobSucceeded              HandleFailure ─ RETRY (Spot reclaim / host error) ─▶ CountResubmit ─▶ RunTracker
 *      │error (caught) ───────────────────────▲   └─ FAILED ─▶ JobFailed (job FAILED + StatusMessage, notified)
 *
 * Complete and HandleFailure both end in core's completeJob (one transition, one SNS message).
 *
 * Every Task has a Catch: Prepare and HandleFailure (once its retries are spent) go to FailJob, which fails the job
 * with the internal-error message and notifies without reading anything from S3. Only if FailJob itself cannot write
 * the job does the execution end FAILED (WorkflowFailed); the reconciler then fails the job and notifies (doc 0009).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { TIME_FACTOR, attemptCeilingMsFor } from '../core/tracker-protocol.js';
import type { TrackerBatch } from './tracker-batch.js';
import { segmentedPath } from './segmented-workflow.js';
import { countResubmitState, lambdaStep } from './workflow-steps.js';
import type { TrackerFargate } from './tracker-fargate.js';

/** State names: the local workflow tests override these Task states by name. */
export const STATE = {
  prepare: 'Prepare',
  shouldRun: 'ShouldRun',
  alreadyFinished: 'AlreadyFinished',
  runTracker: 'RunTracker',
  checkExit: 'CheckTrackerExit',
  trackerExited: 'TrackerExitedWithError',
  complete: 'Complete',
  succeeded: 'JobSucceeded',
  handleFailure: 'HandleFailure',
  retryOrEnd: 'RetryOrEnd',
  countResubmit: 'CountResubmit',
  failed: 'JobFailed',
  failJob: 'FailJob',
  workflowFailed: 'WorkflowFailed',
} as const;

/**
 * Longest a Fargate tracker task may run (the CPU path; Batch attempts are capped by the job definition): the
 * container deadline of a 6 h video at the CPU factor plus the transfers (protocol.attemptCeilingMsFor).
 */
export const TRACKER_TASK_TIMEOUT = Duration.seconds(Math.ceil(attemptCeilingMsFor(TIME_FACTOR.cpu) / 1000));
/** Longest an execution may run: one submission's Batch attempts at their ceiling after the longest capacity wait, or one Fargate task. */
export const EXECUTION_TIMEOUT = Duration.hours(72);

export interface WorkflowProps {
  readonly prepareFn: lambda.IFunction;
  readonly completeFn: lambda.IFunction;
  readonly handleFailureFn: lambda.IFunction;
  readonly batch?: TrackerBatch;
  readonly fargate?: TrackerFargate;
  readonly vpc: ec2.IVpc;
  /** Long videos in segments on the GPU path (lib/segmented-workflow.ts): the planner and the stitcher. */
  readonly segments?: { readonly planFn: lambda.IFunction; readonly stitchFn: lambda.IFunction };
}

export class PeoplePathingWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);

    const prepare = lambdaStep(this, STATE.prepare, props.prepareFn, '$.prepared');

    const handleFailure = lambdaStep(this, STATE.handleFailure, props.handleFailureFn, '$.failure', {
      error: sfn.JsonPath.objectAt('$.error'),
      resubmits: sfn.JsonPath.numberAt('$.prepared.resubmits'),
    });
    handleFailure.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });

    // The last resort of every Catch: the job FAILED with the internal-error message, notified; no S3 read, no retry
    // decision (the same Lambda, told the failure is final).
    const failJob = lambdaStep(this, STATE.failJob, props.handleFailureFn, '$.failure', { error: sfn.JsonPath.objectAt('$.error'), final: true });
    failJob.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 3, backoffRate: 2 });
    failJob.addCatch(
      new sfn.Fail(this, STATE.workflowFailed, {
        error: 'JobNotFinished',
        cause: 'The job could not be marked FAILED; the reconciler fails it and notifies (doc 0009).',
      }),
      { errors: ['States.ALL'], resultPath: '$.finalError' },
    );
    handleFailure.addCatch(failJob, { errors: ['States.ALL'], resultPath: '$.error' });
    prepare.addCatch(failJob, { errors: ['States.ALL'], resultPath: '$.error' });

    const complete = lambdaStep(this, STATE.complete, props.completeFn, '$.completed', { resultsPrefix: sfn.JsonPath.stringAt('$.prepared.resultsPrefix') });
    // Complete is idempotent (the conditional finish: a second call neither rewrites the job nor notifies again), and
    // by the time it runs the results are in S3: a transient failure of its own (S3 or DynamoDB throttled, a cold
    // start timing out) is retried, never turned into a FAILED job. Only what survives the retries reaches the catch.
    // Missing or unreadable-format results will not appear by waiting: no retry (a retrier of 0 attempts, ahead of the next).
    complete.addRetry({ errors: ['ResultsMissing'], maxAttempts: 0 });
    complete.addRetry({
      errors: ['States.TaskFailed'],
      interval: Duration.seconds(5),
      maxAttempts: 4,
      backoffRate: 2,
      maxDelay: Duration.seconds(60),
      jitterStrategy: sfn.JitterType.FULL,
    });
    complete.addCatch(handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    const failed = new sfn.Succeed(this, STATE.failed, { comment: 'The job is FAILED with a StatusMessage (the workflow itself worked).' });

    const environment = {
      JOB_ID: sfn.JsonPath.stringAt('$.jobId'),
      ACCOUNT_ID: sfn.JsonPath.stringAt('$.accountId'),
      VIDEO: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.video')),
      RESULTS_PREFIX: sfn.JsonPath.stringAt('$.prepared.resultsPrefix'),
      // When this submission entered RunTracker (ISO 8601): the container's queue wait is measured from it, not from
      // the job's admission (a resubmission after a Spot reclaim starts a new wait).
      SUBMITTED_AT: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
    };

    let runTracker: sfn.TaskStateBase;
    let afterRun: sfn.IChainable = complete;
    /** What ShouldRun starts: RunTracker, or PlanSegments before it on the GPU path with segments. */
    let firstRun: sfn.IChainable | undefined;
    if (props.batch) {
      runTracker = new tasks.BatchSubmitJob(this, STATE.runTracker, {
        jobName: sfn.JsonPath.format('people-pathing-{}', sfn.JsonPath.stringAt('$.jobId')),
        jobQueueArn: props.batch.jobQueue.jobQueueArn,
        jobDefinitionArn: props.batch.jobDefinition.jobDefinitionArn,
        containerOverrides: { environment },
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        // No per-submit Timeout: each attempt is capped by the job definition (TRACKER_ATTEMPT_CEILING) and the
        // container enforces the duration-derived deadline itself (doc 0004).
        resultSelector: { JobId: sfn.JsonPath.stringAt('$.JobId'), Status: sfn.JsonPath.stringAt('$.Status') },
        resultPath: '$.tracker',
      });
      if (props.segments) {
        firstRun = segmentedPath(this, {
          ...props.segments,
          batch: props.batch,
          environment,
          runTracker,
          complete,
          handleFailure,
          handleFailureFn: props.handleFailureFn,
          failJob,
          failed,
        });
      }
    } else if (props.fargate) {
      const f = props.fargate;
      runTracker = new tasks.EcsRunTask(this, STATE.runTracker, {
        cluster: f.cluster,
        taskDefinition: f.taskDefinition,
        launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
        subnets: { subnetType: ec2.SubnetType.PUBLIC },
        assignPublicIp: true,
        securityGroups: [f.securityGroup],
        containerOverrides: [
          {
            containerDefinition: f.container,
            environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
          },
        ],
        integrationPattern: sfn.IntegrationPattern.RUN_JOB,
        taskTimeout: sfn.Timeout.duration(TRACKER_TASK_TIMEOUT),
        resultSelector: { 'Containers.$': '$.Containers', StopCode: sfn.JsonPath.stringAt('$.StopCode') },
        resultPath: '$.tracker',
      });
      // A stopped task is not necessarily a successful one: check the tracker's exit code.
      const exited = new sfn.Pass(this, STATE.trackerExited, {
        parameters: {
          Error: 'TrackerExitedWithError',
          Cause: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.tracker')),
        },
        resultPath: '$.error',
      });
      exited.next(handleFailure);
      afterRun = new sfn.Choice(this, STATE.checkExit)
        .when(
          sfn.Condition.and(
            sfn.Condition.isPresent(`$.tracker.Containers[0].ExitCode`),
            sfn.Condition.not(sfn.Condition.numberEquals(`$.tracker.Containers[0].ExitCode`, 0)),
          ),
          exited,
        )
        .otherwise(complete);
    } else {
      throw new Error('PeoplePathingWorkflow needs a Batch or a Fargate tracker');
    }
    runTracker.addRetry({
      errors: ['Batch.AWSBatchException', 'Batch.TooManyRequestsException', 'Batch.ServerException', 'ECS.AmazonECSException', 'ECS.ThrottlingException'],
      interval: Duration.seconds(10),
      maxAttempts: 4,
      backoffRate: 2,
    });
    runTracker.addCatch(handleFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    // HandleFailure answered { action: 'RETRY', resubmits: n+1 }: carry the count and submit again.
    const countResubmit = countResubmitState(this, STATE.countResubmit);
    countResubmit.next(runTracker);

    failJob.next(failed);
    handleFailure.next(
      new sfn.Choice(this, STATE.retryOrEnd).when(sfn.Condition.stringEquals('$.failure.action', 'RETRY'), countResubmit).otherwise(failed),
    );

    complete.next(new sfn.Succeed(this, STATE.succeeded));
    runTracker.next(afterRun);

    const definition = prepare.next(
      new sfn.Choice(this, STATE.shouldRun)
        .when(sfn.Condition.booleanEquals('$.prepared.proceed', true), firstRun ?? runTracker)
        .otherwise(new sfn.Succeed(this, STATE.alreadyFinished)),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      // Execution data holds bucket/key names and ARNs of callers: log events, not data.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: EXECUTION_TIMEOUT,
    });
    if (props.batch) {
      // submitJob.sync terminates the Batch job when the execution is stopped or times out, and polls it with
      // DescribeJobs — only if the role allows both (CDK's BatchSubmitJob grants SubmitJob alone). Without them a
      // stopped execution leaves its GPU job running and billing. DescribeJobs has no resource-level permissions.
      const stack = Stack.of(this);
      this.stateMachine.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['batch:TerminateJob'],
          resources: [stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' })],
        }),
      );
      this.stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['batch:DescribeJobs'], resources: ['*'] }));
    }
  }
}
