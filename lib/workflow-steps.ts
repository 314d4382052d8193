/**
 * How the workflow calls its Lambdas: every step gets the job's key (plus what it needs from the state), answers
 * with its payload only, stores it at `resultPath`, and retries Lambda's own service errors.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** The job's key in the execution's state: what every step's Lambda looks the job up by. */
const JOB_KEY = { jobId: sfn.JsonPath.stringAt('$.jobId'), accountId: sfn.JsonPath.stringAt('$.accountId') };

export function lambdaStep(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  resultPath: string,
  payload: Record<string, unknown> = {},
): tasks.LambdaInvoke {
  return new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject({ ...JOB_KEY, ...payload }),
    payloadResponseOnly: true,
    resultPath,
    retryOnServiceExceptions: true,
  });
}
