/**
 * The notification outbox (doc/architecture/0017-notification-outbox.md). The write that finishes a job with a
 * NotificationChannel also records the notification as OWED (JobStore.finishJob); a successful publish settles it
 * SENT, a publish the service's rules refuse settles it REFUSED, and anything else (SNS throttled, KMS denied, a
 * full disk, a crash) leaves it OWED for a re-publisher: local mode's worker at start and on a timer, the deployed
 * reconciler on its schedule. Settling is conditional on OWED, so it never resurrects a job or counts twice.
 *
 * Delivery is at least once: a crash after the publish and before the settle sends the message again (byte for
 * byte: its Timestamp is the job's completedAt). Nothing else sends twice: the completer publishes only the
 * transition it wrote, a re-publisher only what has been owed longer than `graceMs` (the completer may be
 * publishing right now), and each re-publish is claimed by a conditional write first, so two re-publishers never
 * send the same message together.
 */
import type { JobRecord, JobStore, Notifier } from '../ports.js';
import { buildCompletionMessage, isNotificationRefused } from '../notification.js';

/** An error's kind for logs: an errno code or the error's name, never its message (paths, ARNs). */
export const errorName = (error: unknown): string =>
  (error as { code?: unknown } | undefined)?.code !== undefined && typeof (error as { code?: unknown }).code === 'string'
    ? String((error as { code: string }).code)
    : error instanceof Error
      ? error.name
      : typeof error;

export interface DeliverDeps {
  store: JobStore;
  notifierFor: (accountId: string) => Notifier;
  now?: () => number;
  /** Test-only fault injection: called after the publish, before the settle (cli/serve.ts). */
  afterPublish?: (job: JobRecord) => void;
}

export type DeliveryResult = 'SENT' | 'REFUSED' | 'FAILED';

/**
 * Publishes an owed job's completion message and settles it. Never throws: a failed publish (or settle) leaves the
 * notification OWED and answers FAILED with the error, for the caller to report.
 */
export async function deliverNotification(deps: DeliverDeps, job: JobRecord): Promise<{ result: DeliveryResult; error?: unknown }> {
  const now = deps.now ?? Date.now;
  const channel = job.notificationChannel;
  if (!channel) return { result: 'SENT' };
  let state: 'SENT' | 'REFUSED' = 'SENT';
  let refusal: unknown;
  try {
    await deps.notifierFor(job.accountId).publish(channel, buildCompletionMessage(job, job.completedAt ?? now()));
  } catch (error) {
    if (!isNotificationRefused(error)) return { result: 'FAILED', error };
    state = 'REFUSED';
    refusal = error;
  }
  deps.afterPublish?.(job);
  try {
    await deps.store.settleNotification(job.accountId, job.jobId, state, now());
  } catch (error) {
    // Published, not marked: a re-publisher sends it again (the at-least-once case).
    return { result: 'FAILED', error };
  }
  return state === 'SENT' ? { result: 'SENT' } : { result: 'REFUSED', error: refusal };
}

export interface RepublishDeps extends DeliverDeps {
  /** Only notifications owed at least this long are re-published (a completer may be publishing the newer ones). */
  graceMs: number;
  /** At most this many per run (default 100); the rest wait for the next run, oldest first. */
  limit?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface RepublishReport {
  /** Owed longer than the grace when the run began. */
  found: number;
  sent: string[];
  refused: string[];
  /** Published but failed, or claimed by another re-publisher meanwhile: still owed, or someone else's. */
  failed: string[];
  /** Still owed after this run (found − sent − refused − claimed elsewhere). */
  stillOwed: number;
}

export async function republishOwedNotifications(deps: RepublishDeps): Promise<RepublishReport> {
  const now = deps.now ?? Date.now;
  const owed = await deps.store.listOwedNotifications(now() - deps.graceMs, deps.limit ?? 100);
  const report: RepublishReport = { found: owed.length, sent: [], refused: [], failed: [], stillOwed: 0 };
  for (const job of owed) {
    const claimedAt = now();
    if (job.notificationAt === undefined || !(await deps.store.claimNotification(job.accountId, job.jobId, job.notificationAt, claimedAt))) {
      continue; // settled or claimed since the list was read
    }
    const { result, error } = await deliverNotification(deps, { ...job, notificationAt: claimedAt });
    if (result === 'SENT') report.sent.push(job.jobId);
    else if (result === 'REFUSED') report.refused.push(job.jobId);
    else {
      report.failed.push(job.jobId);
      report.stillOwed++;
      deps.log?.('notification still owed', { jobId: job.jobId, errorName: errorName(error) });
    }
  }
  return report;
}

/**
 * Re-publishes on a timer (local mode): every `intervalMs`, one run at a time. Returns stop(), which waits for a
 * run in progress.
 */
export function startRepublisher(deps: RepublishDeps & { intervalMs: number; onReport?: (report: RepublishReport) => void }): () => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = republishOwedNotifications(deps)
      .then((report) => deps.onReport?.(report))
      .catch((error: unknown) => deps.log?.('re-publishing owed notifications failed', { errorName: errorName(error) }))
      .finally(() => (running = undefined));
  }, deps.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
