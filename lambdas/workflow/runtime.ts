/**
 * Lambda wiring of the workflow steps: AWS clients from the environment, Powertools logger/metrics/tracer
 * through middy. Logs carry job ids and outcome kinds only — never bucket keys, ARNs or video contents.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDbJobStore } from '../adapters/dynamodb-job-store.js';
import { callerRoleNotifiers } from './notifier.js';
import { createWorkflowSteps } from './steps.js';
import type { WorkflowSteps } from './steps.js';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

let steps: WorkflowSteps | undefined;

function getSteps(): WorkflowSteps {
  if (steps) return steps;
  const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
  const s3 = tracer.captureAWSv3Client(new S3Client({}));
  const sts = tracer.captureAWSv3Client(new STSClient({}));
  steps = createWorkflowSteps({
    store: new DynamoDbJobStore({ client: dynamo, tableName: env('JOBS_TABLE') }),
    s3,
    resultsBucket: env('RESULTS_BUCKET'),
    notifierFor: callerRoleNotifiers({
      sts,
      newSns: (config) => tracer.captureAWSv3Client(new SNSClient(config)),
      onEvent: (event, detail) => logger.info('notification', { event, detail }),
    }),
    count: (metric) => metrics.addMetric(metric, MetricUnit.Count, 1),
    log: (message, fields) => logger.info(message, fields ?? {}),
  });
  return steps;
}

/** Wraps a step as a Lambda handler (the state machine passes the step's input as the event). */
export function lambdaHandler<I, O>(pick: (s: WorkflowSteps) => (input: I) => Promise<O>) {
  return middy(async (event: I): Promise<O> => pick(getSteps())(event))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics));
}
