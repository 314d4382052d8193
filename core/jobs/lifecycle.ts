/**
 * Job completion, shared by the AWS workflow Lambdas and the local worker: apply the outcome once, then
 * notify once. The store's conditional transition (IN_PROGRESS → SUCCEEDED/FAILED) is the exactly-once
 * guard, so a retried completion neither rewrites the job nor publishes a second message.
 */
import type { JobOutcome, JobRecord, JobStore, Notifier } from '../ports.js';
import { buildCompletionMessage } from '../notification.js';
import { userFacingStatusMessage } from './status-message.js';

export interface CompleteJobDeps {
  store: JobStore;
  notifier: Notifier;
  now?: () => number;
  /** Called when publishing the notification failed (the job is already finished). Default: one line on stderr. */
  onNotificationError?: (error: unknown, job: JobRecord) => void;
}

/**
 * Finishes the job and, only if this call made the transition and the job has a NotificationChannel,
 * publishes the spec §6 message. A failed publish is reported through `onNotificationError` and never
 * leaves the job IN_PROGRESS (the transition is written first). Returns the finished record, or undefined
 * when the job was not IN_PROGRESS any more (already finished, unknown or expired).
 */
export async function completeJob(
  deps: CompleteJobDeps,
  accountId: string,
  jobId: string,
  outcome: JobOutcome,
): Promise<JobRecord | undefined> {
  // Every StatusMessage passes here: no server path, bounded length (status-message.ts).
  const written: JobOutcome = outcome.status === 'FAILED' ? { ...outcome, statusMessage: userFacingStatusMessage(outcome.statusMessage) } : outcome;
  const finished = await deps.store.finishJob(accountId, jobId, written);
  if (!finished || !finished.notificationChannel) return finished;
  const timestamp = finished.completedAt ?? (deps.now ?? Date.now)();
  try {
    await deps.notifier.publish(finished.notificationChannel, buildCompletionMessage(finished, timestamp));
  } catch (error) {
    const report =
      deps.onNotificationError ??
      ((e: unknown, job: JobRecord) =>
        process.stderr.write(`people-pathing: completion notification for job ${job.jobId} failed: ${e instanceof Error ? e.name : 'error'}\n`));
    report(error, finished);
  }
  return finished;
}
