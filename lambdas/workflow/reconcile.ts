/**
 * The scheduled reconciler (EventBridge, every few minutes): core's reconcileJobs over the jobs table and the
 * workflow's executions. A job admitted but never launched (the API crashed in between) is launched; a job whose
 * execution ended without finishing it (timed out, stopped) is failed and notified. Logs carry job ids and counts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { reconcileJobs, type ReconcileDeps, type ReconcileReport } from '../../core/jobs/reconcile.js';
import { DynamoDbJobStore } from '../adapters/dynamodb-job-store.js';
import { SfnExecutions, SfnLauncher } from '../adapters/sfn-launcher.js';
import { callerRoleNotifiers } from './notifier.js';

/** The API answers a start within its 29 s timeout; a job this old with no execution was never launched. */
export const GRACE_MS = 5 * 60_000;
/** A job with no execution is launched again for this long after it was admitted, then failed. */
export const RELAUNCH_FOR_MS = 60 * 60_000;

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

let deps: ReconcileDeps | undefined;

function getDeps(): ReconcileDeps {
  if (deps) return deps;
  const sfn = tracer.captureAWSv3Client(new SFNClient({}));
  const stateMachineArn = env('STATE_MACHINE_ARN');
  deps = {
    store: new DynamoDbJobStore({ client: tracer.captureAWSv3Client(new DynamoDBClient({})), tableName: env('JOBS_TABLE') }),
    launcher: new SfnLauncher(sfn, stateMachineArn),
    executions: new SfnExecutions(sfn, stateMachineArn),
    notifierFor: callerRoleNotifiers({
      sts: tracer.captureAWSv3Client(new STSClient({})),
      newSns: (config) => tracer.captureAWSv3Client(new SNSClient(config)),
      onEvent: (event, detail) => logger.info('notification', { event, detail }),
    }),
    graceMs: GRACE_MS,
    relaunchForMs: RELAUNCH_FOR_MS,
    log: (message, fields) => logger.warn(message, fields),
  };
  return deps;
}

export const handler = middy(async (): Promise<ReconcileReport> => {
  const report = await reconcileJobs(getDeps());
  metrics.addMetric('JobsRelaunched', MetricUnit.Count, report.relaunched.length);
  metrics.addMetric('JobsFailedByReconciler', MetricUnit.Count, report.failed.length);
  if (report.relaunched.length + report.failed.length + report.errors.length > 0) logger.warn('reconciled jobs', { ...report });
  return report;
})
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger, { logEvent: false }))
  .use(logMetrics(metrics));
