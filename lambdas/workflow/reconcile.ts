/**
 * The scheduled reconciler (EventBridge, every few minutes): core's reconcileJobs over the jobs table and the
 * workflow's executions. A job admitted but never launched (the API crashed in between) is launched; a job whose
 * execution ended without finishing it (timed out, stopped) is failed and notified; a concurrency counter left too
 * high by a crash is corrected; a completion notification still owed (a failed publish, a crash) is re-published
 * (core/jobs/outbox.ts, doc 0017). Logs carry job ids and counts.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchClient } from '@aws-sdk/client-batch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { reconcileJobs, type ReconcileDeps, type ReconcileReport } from '../../core/jobs/reconcile.js';
import { republishOwedNotifications, type RepublishReport } from '../../core/jobs/outbox.js';
import { computeEnvironmentHealth } from '../../adapters/batch-health.js';
import { BatchQueueLookup } from '../../adapters/batch-queue.js';
import { SfnExecutions, SfnLauncher } from '../../adapters/sfn-launcher.js';
import { env, jobStore, logger, metrics, notifiers, observed, tracer } from './runtime.js';

/** The API answers a start within its 29 s timeout; a job this old with no execution was never launched. */
export const GRACE_MS = 5 * 60_000;
/** A job with no execution is launched again for this long after it was admitted, then failed. */
export const RELAUNCH_FOR_MS = 60 * 60_000;
/** A concurrency counter above its account's IN_PROGRESS jobs is corrected when the next run sees it the same. */
export const SLOT_AUDIT_MS = 5 * 60_000;
/**
 * A notification owed this long is re-published (doc 0017): a completer publishes within its Lambda's timeout, far
 * less than this, so the re-publisher never races one that is publishing right now.
 */
export const NOTIFICATION_GRACE_MS = 5 * 60_000;
/** Owed notifications re-published per run, oldest first (the rest wait 10 minutes). */
export const NOTIFICATIONS_PER_RUN = 200;

let deps: ReconcileDeps | undefined;
let batch: BatchClient | undefined;

function getDeps(): ReconcileDeps {
  if (deps) return deps;
  const sfn = tracer.captureAWSv3Client(new SFNClient({}));
  const stateMachineArn = env('STATE_MACHINE_ARN');
  deps = {
    store: jobStore(),
    launcher: new SfnLauncher(sfn, stateMachineArn),
    executions: new SfnExecutions(sfn, stateMachineArn),
    notifierFor: notifiers(),
    graceMs: GRACE_MS,
    relaunchForMs: RELAUNCH_FOR_MS,
    slotAuditMs: SLOT_AUDIT_MS,
    // GPU path: a job still in the Batch queue this long after admission is stopped and failed if Batch says it cannot
    // be placed; one waiting for its turn is left alone (doc 0019).
    ...(process.env.NEVER_STARTED_AFTER_SECONDS && process.env.JOB_QUEUE
      ? {
          neverStartedMs: Number(process.env.NEVER_STARTED_AFTER_SECONDS) * 1000,
          queue: new BatchQueueLookup((batch ??= tracer.captureAWSv3Client(new BatchClient({}))), process.env.JOB_QUEUE),
        }
      : {}),
    log: (message, fields) => logger.warn(message, fields),
  };
  return deps;
}

/** GPU path (COMPUTE_ENVIRONMENT set): 1 when the compute environment cannot run jobs, else 0 (an alarm watches it). */
async function checkComputeEnvironment(): Promise<void> {
  const computeEnvironment = process.env.COMPUTE_ENVIRONMENT;
  if (!computeEnvironment) return;
  batch ??= tracer.captureAWSv3Client(new BatchClient({}));
  try {
    const health = await computeEnvironmentHealth(batch, computeEnvironment);
    metrics.addMetric('ComputeEnvironmentUnhealthy', MetricUnit.Count, health.healthy ? 0 : 1);
    if (!health.healthy) logger.error('compute environment cannot run jobs', { status: health.status, state: health.state });
  } catch (error) {
    logger.warn('compute environment not checked', { error: error instanceof Error ? error.name : 'error' });
  }
}

/**
 * The outbox: re-publishes notifications owed longer than the grace. NotificationsOwed counts those still owed after
 * this run (an alarm watches it); NotificationsRepublished those it sent.
 */
async function republishNotifications(deps: ReconcileDeps): Promise<RepublishReport | undefined> {
  try {
    const report = await republishOwedNotifications({
      store: deps.store,
      notifierFor: deps.notifierFor,
      graceMs: NOTIFICATION_GRACE_MS,
      limit: NOTIFICATIONS_PER_RUN,
      log: (message, fields) => logger.warn(message, fields),
    });
    metrics.addMetric('NotificationsOwed', MetricUnit.Count, report.stillOwed);
    metrics.addMetric('NotificationsRepublished', MetricUnit.Count, report.sent.length);
    if (report.found > 0) {
      const { found, sent, refused, failed } = report;
      logger.warn('owed notifications', { found, sent, refused, failed });
    }
    return report;
  } catch (error) {
    // The index could not be read: the alarm must see it as owed, not as nothing.
    metrics.addMetric('NotificationsOwed', MetricUnit.Count, 1);
    logger.error('owed notifications not checked', { error: error instanceof Error ? error.name : 'error' });
    return undefined;
  }
}

export const handler = observed(async (): Promise<ReconcileReport & { notifications?: RepublishReport }> => {
  await checkComputeEnvironment();
  const report = await reconcileJobs(getDeps());
  const notifications = await republishNotifications(getDeps());
  metrics.addMetric('JobsRelaunched', MetricUnit.Count, report.relaunched.length);
  metrics.addMetric('JobsFailedByReconciler', MetricUnit.Count, report.failed.length);
  const slotsFreed = Object.values(report.slotsFreed).reduce((a, b) => a + b, 0);
  metrics.addMetric('SlotsFreedByReconciler', MetricUnit.Count, slotsFreed);
  if (report.relaunched.length + report.failed.length + report.errors.length + slotsFreed > 0) {
    // Job ids and counts; no account ids.
    const { checked, relaunched, failed, errors } = report;
    logger.warn('reconciled jobs', { checked, relaunched, failed, errors, slotsFreed, waiting: report.waiting.length });
  }
  return { ...report, ...(notifications ? { notifications } : {}) };
});
