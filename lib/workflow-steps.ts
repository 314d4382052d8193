/**
 * How the workflow calls its Lambdas: every step gets the job's key (plus what it needs from the state), answers
 * with its payload only, stores it at `resultPath`, and retries Lambda's transient errors — throttling included —
 * with exponential backoff and full jitter (so the executions a burst of throttles hit do not retry in step).
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** The job's key in the execution's state: what every step's Lambda looks the job up by. */
const JOB_KEY = { jobId: sfn.JsonPath.stringAt('$.jobId'), accountId: sfn.JsonPath.stringAt('$.accountId') };

/**
 * Errors of the Lambda Invoke API itself (the function did not run, or its answer was lost): safe to retry for every
 * step, since each step is idempotent on the job record. TooManyRequestsException is the account's or the function's
 * concurrency limit, which a burst of jobs finishing together reaches (CDK's retryOnServiceExceptions leaves it out).
 */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
];

/** About 2 + 4 + ... + 64 s (capped at 60 s each), jittered: over two minutes of throttling is ridden out. */
export const LAMBDA_RETRY: sfn.RetryProps = {
  errors: LAMBDA_TRANSIENT_ERRORS,
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

export function lambdaStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  resultPath: string,
  payload: Record<string, unknown> = {},
): tasks.LambdaInvoke {
  const step = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject({ ...JOB_KEY, ...payload }),
    payloadResponseOnly: true,
    resultPath,
    // Our own retrier below replaces CDK's default one, which misses throttling.
    retryOnServiceExceptions: false,
  });
  // First: Step Functions applies the first retrier whose errors match, and a step's own States.TaskFailed retrier
  // (added after this one) would otherwise take these errors with its shorter budget.
  step.addRetry(LAMBDA_RETRY);
  return step;
}

/**
 * The Pass state after HandleFailure answered RETRY: the job's keys, the count it returned carried into `prepared`,
 * and `extra` (the segmented path keeps its plan). The unsplit and the segmented paths resubmit through it.
 */
export function countResubmitState(scope: Construct, id: string, extra: Record<string, string> = {}): sfn.Pass {
  return new sfn.Pass(scope, id, {
    parameters: {
      'jobId.$': '$.jobId',
      'accountId.$': '$.accountId',
      'video.$': '$.video',
      prepared: { proceed: true, 'resultsPrefix.$': '$.prepared.resultsPrefix', 'resubmits.$': '$.failure.resubmits' },
      ...extra,
    },
  });
}
