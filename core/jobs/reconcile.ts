/**
 * Reconciliation: no job stays IN_PROGRESS without something working on it. Shared by the scheduled AWS
 * reconciler (lambdas/workflow/reconcile.ts) and local mode's start-up (cli/local/server.ts).
 *
 * A job is admitted (written IN_PROGRESS) and then launched; the two are separate calls, so a crash between
 * them leaves a job that nothing runs. And a workflow can end without finishing its job (an execution that
 * times out or is stopped never reaches its catch-all). For each IN_PROGRESS job older than `graceMs` (the API
 * may be launching it right now), the execution is looked up:
 *  - running: left alone — waiting in the queue for its turn is never a failure, however long the backlog. Only a
 *    job whose tracker has not started (no `startedAt`) `neverStartedMs` after admission is looked up in the queue:
 *    if Batch says it cannot be placed (a blocking statusReason, `isBlockingReason`) — one the queue's own time
 *    limits did not cancel — the execution is stopped (which stops its Batch job) and the job failed ("could not be
 *    started in time");
 *  - none: launched again — launches are idempotent per job — while the job is younger than `relaunchForMs`,
 *    else failed ("could not be started");
 *  - ended: failed ("did not complete").
 * Failing goes through completeJob, so the job's concurrency slot is freed and its notification is sent, once.
 *
 * Then the slots: admission counts each account's IN_PROGRESS jobs in a counter (the job limit), and a crash
 * between the counter and the job write, or between a job's finish and its release, leaves the counter one too
 * high for good. A counter above the account's IN_PROGRESS jobs is corrected once it has read the same, with the
 * same jobs, for `slotAuditMs` (a start in flight has moved the counter before its job is written — for
 * milliseconds, never for minutes); each correction is conditional on the counter not having moved meanwhile.
 */
import type { JobRecord, JobStore, Notifier, SlotCounter, WorkflowLauncher } from '../ports.js';
import { completeJob } from './lifecycle.js';

/** Where a job's workflow execution stands. */
export type ExecutionState = 'NONE' | 'RUNNING' | 'ENDED';

/** Looks up a job's workflow execution (Step Functions DescribeExecution; local mode: nothing survives a restart). */
export interface ExecutionLookup {
  stateOf(job: JobRecord): Promise<ExecutionState>;
  /** Stops the job's execution (and with it whatever it runs); a missing or ended execution is no error. */
  stop?(job: JobRecord): Promise<void>;
}

export const NOT_STARTED_MESSAGE = 'The job could not be started. Try again.';
export const NOT_COMPLETED_MESSAGE = 'The job did not complete. Try again.';
export const NEVER_STARTED_MESSAGE = 'The job could not be started in time (no compute capacity). Try again later.';

/**
 * Where a job's tracker waits (AWS Batch ListJobs): the statusReason Batch gives the job while it is RUNNABLE, or
 * undefined when it has none (waiting its turn) or is not waiting any more.
 */
export interface QueueLookup {
  waitReasonOf(job: JobRecord): Promise<string | undefined>;
}

/**
 * Batch's documented reasons for a RUNNABLE job that blocks its queue ("Jobs stuck in a RUNNABLE status", AWS Batch
 * User Guide): `CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`, `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`,
 * `MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE`, `MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS`, ... — each a class
 * and a code, then a message. Anything else (no reason at all, the usual case) is a job waiting for its turn.
 */
export function isBlockingReason(statusReason: string | undefined): boolean {
  return statusReason !== undefined && /^(CAPACITY|MISCONFIGURATION|RESOURCE):[A-Z_]+/.test(statusReason.trim());
}

export interface ReconcileDeps {
  store: JobStore;
  launcher: WorkflowLauncher;
  executions: ExecutionLookup;
  notifierFor: (accountId: string) => Notifier;
  /** A job younger than this is left alone: its start may still be launching it. */
  graceMs: number;
  /** A job with no execution is launched again until it is this old, then failed. */
  relaunchForMs: number;
  /**
   * A job whose execution runs but whose tracker has not started is looked up in the queue once it is this old, and
   * stopped and failed if Batch says it cannot be placed (needs `executions.stop` and `queue`). Undefined: never
   * (local mode, the Fargate path).
   */
  neverStartedMs?: number;
  /** The tracker's queue (GPU path). Without it a waiting job is never failed by the reconciler. */
  queue?: QueueLookup;
  /**
   * A counter above its account's IN_PROGRESS jobs is corrected once seen so for this long (0: at once, where no
   * start can be in flight). Undefined: counters are not checked.
   */
  slotAuditMs?: number;
  now?: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface ReconcileReport {
  checked: number;
  relaunched: string[];
  failed: string[];
  /** Jobs whose lookup or launch threw; they are tried again on the next run. */
  errors: string[];
  /** Jobs past `neverStartedMs` still waiting in the queue for their turn (left alone). */
  waiting: string[];
  /** Slots given back, by account. */
  slotsFreed: Record<string, number>;
}

export async function reconcileJobs(deps: ReconcileDeps): Promise<ReconcileReport> {
  const now = (deps.now ?? Date.now)();
  const report: ReconcileReport = { checked: 0, relaunched: [], failed: [], errors: [], waiting: [], slotsFreed: {} };
  const fail = async (job: JobRecord, statusMessage: string): Promise<void> => {
    const finished = await completeJob({ store: deps.store, notifier: deps.notifierFor(job.accountId), now: deps.now }, job.accountId, job.jobId, {
      status: 'FAILED',
      statusMessage,
    });
    if (finished) report.failed.push(job.jobId);
  };
  const jobs = await deps.store.listInProgress();
  for (const job of jobs) {
    const age = now - job.createdAt;
    if (age < deps.graceMs) continue;
    report.checked++;
    try {
      const state = await deps.executions.stateOf(job);
      if (state === 'RUNNING') {
        const stop = deps.executions.stop?.bind(deps.executions);
        if (stop && deps.queue && deps.neverStartedMs !== undefined && job.startedAt === undefined && age >= deps.neverStartedMs) {
          const reason = await deps.queue.waitReasonOf(job);
          if (!isBlockingReason(reason)) {
            report.waiting.push(job.jobId);
            continue;
          }
          deps.log?.('a job Batch cannot place is stopped', { jobId: job.jobId, statusReason: reason?.split(' ')[0] });
          // Stop first: a job failed while its execution lives on could still get a GPU later, for nothing.
          await stop(job);
          await fail(job, NEVER_STARTED_MESSAGE);
        }
        continue;
      }
      if (state === 'ENDED') {
        await fail(job, NOT_COMPLETED_MESSAGE);
      } else if (age < deps.relaunchForMs) {
        await deps.launcher.launch(job);
        report.relaunched.push(job.jobId);
      } else {
        await fail(job, NOT_STARTED_MESSAGE);
      }
    } catch (error) {
      report.errors.push(job.jobId);
      deps.log?.('reconcile failed for a job', { jobId: job.jobId, errorName: error instanceof Error ? error.name : typeof error });
    }
  }
  if (deps.slotAuditMs !== undefined) {
    const failed = new Set(report.failed);
    const inProgress = new Map<string, number>();
    for (const job of jobs) if (!failed.has(job.jobId)) inProgress.set(job.accountId, (inProgress.get(job.accountId) ?? 0) + 1);
    for (const counter of await deps.store.listSlotCounters()) {
      await auditSlots(deps, counter, inProgress.get(counter.accountId) ?? 0, now, report);
    }
  }
  return report;
}

async function auditSlots(deps: ReconcileDeps, counter: SlotCounter, inProgress: number, now: number, report: ReconcileReport): Promise<void> {
  const { accountId, running, suspect } = counter;
  if (running <= inProgress) {
    if (suspect) await deps.store.noteSlotSuspect(accountId, running, undefined);
    return;
  }
  const same = suspect !== undefined && suspect.running === running && suspect.inProgress === inProgress;
  if (deps.slotAuditMs === 0 || (same && now - suspect.atMs >= (deps.slotAuditMs ?? Infinity))) {
    if (await deps.store.correctSlots(accountId, running, inProgress)) report.slotsFreed[accountId] = running - inProgress;
  } else if (!same) {
    await deps.store.noteSlotSuspect(accountId, running, { running, inProgress, atMs: now });
  }
}
