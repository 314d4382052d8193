/**
 * Lambda wiring of the workflow steps and the reconciler: AWS clients from the environment, Powertools logger/
 * metrics/tracer through middy. Logs carry job ids and outcome kinds only — never bucket keys, ARNs or video contents.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { Notifier } from '../../core/ports.js';
import { batchFailedArrayChildren } from '../../adapters/batch-array-children.js';
import { DynamoDbJobStore } from '../../adapters/dynamodb-job-store.js';
import { callerRoleNotifiers } from '../../adapters/sns-notifier.js';
import { createWorkflowSteps } from './steps.js';
import type { WorkflowSteps } from './steps.js';

export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

/** The jobs table (JOBS_TABLE). */
export function jobStore(): DynamoDbJobStore {
  return new DynamoDbJobStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: env('JOBS_TABLE') });
}

/** Completion messages, published as the caller's RoleArn or to allow-listed topics (doc 0001). */
export function notifiers(): (accountId: string) => Notifier {
  return callerRoleNotifiers({
    sts: tracer.captureAWSv3Client(new STSClient({})),
    newSns: (config) => tracer.captureAWSv3Client(new SNSClient(config)),
    onEvent: (event, detail) => logger.info('notification', { event, detail }),
  });
}

/** A Lambda handler with tracing, the Lambda context in logs (never the event) and metrics flushed. */
export function observed<I, O>(fn: (event: I) => Promise<O>) {
  return middy(fn)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics));
}

let steps: WorkflowSteps | undefined;

function getSteps(): WorkflowSteps {
  steps ??= createWorkflowSteps({
    store: jobStore(),
    s3: tracer.captureAWSv3Client(new S3Client({})),
    resultsBucket: env('RESULTS_BUCKET'),
    notifierFor: notifiers(),
    count: (metric) => metrics.addMetric(metric, MetricUnit.Count, 1),
    measure: (metric, value) => metrics.addMetric(metric, MetricUnit.Seconds, value),
    log: (message, fields) => logger.info(message, fields ?? {}),
    failedArrayChildren: batchFailedArrayChildren(tracer.captureAWSv3Client(new BatchClient({}))),
  });
  return steps;
}

/** Wraps a step as a Lambda handler (the state machine passes the step's input as the event). */
export function lambdaHandler<I, O>(pick: (s: WorkflowSteps) => (input: I) => Promise<O>) {
  return observed(async (event: I): Promise<O> => pick(getSteps())(event));
}
