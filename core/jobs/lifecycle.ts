/**
 * Job completion, shared by the AWS workflow Lambdas and the local worker: apply the outcome once, then
 * notify. The store's conditional transition (IN_PROGRESS → SUCCEEDED/FAILED) is the exactly-once guard, so a
 * retried completion neither rewrites the job nor publishes a second message; the same write records the
 * notification as owed, and the outbox (./outbox.ts) re-publishes it if this process never settles it.
 */
import type { JobOutcome, JobRecord, JobStore, Notifier } from '../ports.js';
import { deliverNotification } from './outbox.js';
import { userFacingStatusMessage } from './status-message.js';

/** The boundaries of a completion, for test-only fault injection (cli/serve.ts, PEOPLE_PATHING_TEST_CRASH_AT). */
export type CompletionStep = 'before-finish' | 'after-finish' | 'after-publish';
export const COMPLETION_STEPS: readonly CompletionStep[] = ['before-finish', 'after-finish', 'after-publish'];

export interface CompleteJobDeps {
  store: JobStore;
  notifier: Notifier;
  now?: () => number;
  /** Called when publishing the notification failed (the job is already finished). Default: one line on stderr. */
  onNotificationError?: (error: unknown, job: JobRecord) => void;
  /** Test-only: called at each boundary of the completion (crash injection). Production never sets it. */
  atStep?: (step: CompletionStep, jobId: string) => void;
}

/**
 * Finishes the job and, only if this call made the transition and the job has a NotificationChannel,
 * publishes the spec §6 message and settles the owed notification. A failed publish is reported through
 * `onNotificationError`, leaves the notification owed for the outbox, and never leaves the job IN_PROGRESS (the
 * transition is written first). Returns the finished record, or undefined when the job was not IN_PROGRESS any
 * more (already finished, unknown or expired).
 */
export async function completeJob(
  deps: CompleteJobDeps,
  accountId: string,
  jobId: string,
  outcome: JobOutcome,
): Promise<JobRecord | undefined> {
  // Every StatusMessage passes here: no server path, bounded length (status-message.ts).
  const written: JobOutcome = outcome.status === 'FAILED' ? { ...outcome, statusMessage: userFacingStatusMessage(outcome.statusMessage) } : outcome;
  deps.atStep?.('before-finish', jobId);
  const finished = await deps.store.finishJob(accountId, jobId, written);
  if (!finished || !finished.notificationChannel) return finished;
  deps.atStep?.('after-finish', jobId);
  const { result, error } = await deliverNotification(
    { store: deps.store, notifierFor: () => deps.notifier, now: deps.now, afterPublish: () => deps.atStep?.('after-publish', jobId) },
    finished,
  );
  if (result !== 'SENT') {
    const report =
      deps.onNotificationError ??
      ((e: unknown, job: JobRecord) =>
        process.stderr.write(`people-pathing: completion notification for job ${job.jobId} ${result === 'REFUSED' ? 'refused' : 'failed; it is retried'}: ${e instanceof Error ? e.name : 'error'}\n`));
    report(error, finished);
  }
  return finished;
}
