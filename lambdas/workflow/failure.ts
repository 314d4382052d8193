/**
 * Turns the error a workflow step caught into a decision: run the tracker again (a reclaimed Spot instance
 * or a failed host), or fail the job with a user-facing StatusMessage. Pure: no AWS calls.
 *
 * Shapes read (Step Functions service integrations, JSONPath):
 *  - Batch submitJob.sync failure: Error "States.TaskFailed", Cause = the DescribeJobs job as JSON
 *    ({ Status, StatusReason, Attempts: [{ StatusReason, Container: { ExitCode, Reason } }], Container }).
 *  - ECS runTask.sync stopped with an error (CPU path): Cause = the task ({ StopCode, StoppedReason, Containers: [{ ExitCode }] }).
 *  - "States.Timeout": the task's ceiling passed. Anything else (Lambda errors, API errors): internal.
 */
import type { FailureReport } from '../../core/tracker-protocol.js';
import { EXIT, STATUS_MESSAGES } from '../../core/tracker-protocol.js';

export interface CaughtError {
  Error?: string;
  Cause?: string;
}

export type FailureKind = 'HOST' | 'TIMEOUT' | 'CAPACITY' | 'MISCONFIGURATION' | 'CONTAINER' | 'INTERNAL';

export interface FailureDecision {
  kind: FailureKind;
  /** Worth submitting the tracker again (the video was not at fault). */
  retryable: boolean;
  statusMessage: string;
}

interface BatchAttempt {
  StatusReason?: string;
  Container?: { ExitCode?: number; Reason?: string };
}
interface CauseShape {
  Status?: string;
  /** Batch JobDetail times (epoch ms): submission, start of the running attempt, end. */
  CreatedAt?: number;
  StartedAt?: number;
  StoppedAt?: number;
  StatusReason?: string;
  Attempts?: BatchAttempt[];
  Container?: { ExitCode?: number; Reason?: string };
  StopCode?: string;
  StoppedReason?: string;
  Containers?: { ExitCode?: number; Reason?: string }[];
}

function parseCause(cause: string | undefined): CauseShape | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as CauseShape) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * AWS Batch's documented status reasons, matched by what they say rather than where they start:
 *  - "Host EC2 (instance i-0123456789abcdef0) terminated." — a Spot reclaim or a failed host;
 *  - "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type
 *    [g5.xlarge]" while a job waits, and "Canceled by JobStateTimeLimit action due to reason:
 *    CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY" once the queue's time limit cancels it (or "Terminated by ...");
 *  - "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - ..." / "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - ..."
 *    (and the same after "Canceled by JobStateTimeLimit action due to reason: ");
 *  - "Job attempt duration exceeded timeout" — the job definition's attempt ceiling;
 *  - "Essential container in task exited" — the container's exit code says why.
 */
const HOST_REASON = /\bHost EC2\b.*\bterminated\b/i;
const CAPACITY_REASON = /\bCAPACITY:[A-Z_]+/;
const MISCONFIGURATION_REASON = /\bMISCONFIGURATION:[A-Z_]+/;
const ATTEMPT_TIMEOUT_REASON = /\battempt duration exceeded timeout\b/i;

export function classifyFailure(error: CaughtError | undefined, report?: FailureReport): FailureDecision {
  const name = error?.Error ?? '';
  if (name === 'States.Timeout') return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };

  const cause = parseCause(error?.Cause);
  if (cause && (name === 'States.TaskFailed' || name === 'TrackerExitedWithError')) {
    const attempts = cause.Attempts ?? [];
    const last = attempts[attempts.length - 1];
    const reasons = [cause.StatusReason, last?.StatusReason, last?.Container?.Reason, cause.StoppedReason].filter((r): r is string => typeof r === 'string');
    const says = (re: RegExp) => reasons.some((r) => re.test(r));
    // Spot reclaim / host failure (Batch), Spot interruption (Fargate): not the video's fault.
    if (says(HOST_REASON) || cause.StopCode === 'SpotInterruption') {
      return { kind: 'HOST', retryable: true, statusMessage: STATUS_MESSAGES.interrupted };
    }
    // The job never started: no capacity, or no compute environment that can ever run it.
    if (says(CAPACITY_REASON)) return { kind: 'CAPACITY', retryable: false, statusMessage: STATUS_MESSAGES.capacity };
    if (says(MISCONFIGURATION_REASON)) return { kind: 'MISCONFIGURATION', retryable: false, statusMessage: STATUS_MESSAGES.capacity };
    if (says(ATTEMPT_TIMEOUT_REASON)) return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };
    const exitCode = last?.Container?.ExitCode ?? cause.Container?.ExitCode ?? cause.Containers?.[0]?.ExitCode;
    if (report?.message) return { kind: 'CONTAINER', retryable: false, statusMessage: report.message };
    if (exitCode === EXIT.TIMEOUT) return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };
    if (exitCode === EXIT.VIDEO_UNREADABLE) return { kind: 'CONTAINER', retryable: false, statusMessage: STATUS_MESSAGES.unreadable };
    return { kind: 'CONTAINER', retryable: false, statusMessage: STATUS_MESSAGES.internal };
  }
  if (report?.message) return { kind: 'CONTAINER', retryable: false, statusMessage: report.message };
  return { kind: 'INTERNAL', retryable: false, statusMessage: STATUS_MESSAGES.internal };
}

/** What Batch's ListJobs tells of one FAILED child of an array job (JobSummary: statusReason, container.reason). */
export interface FailedChild {
  statusReason?: string;
  containerReason?: string;
}

/**
 * A segments array job failed and no child left failure.json (no child failed on the video): were its failed
 * children all lost to their hosts? A child exhausts the job definition's attempts when Spot reclaims each of its
 * instances, and Batch then fails the parent with no reason of its own; the children's own status reasons say why
 * ("Host EC2 (instance i-...) terminated."). Only when every failed child says so is the array worth submitting again:
 * one child that crashed on its own makes it the CONTAINER failure classifyFailure reports.
 */
export function segmentChildrenLostToHosts(children: readonly FailedChild[]): FailureDecision | undefined {
  if (children.length === 0) return undefined;
  const lost = children.every((c) => [c.statusReason, c.containerReason].some((r) => typeof r === 'string' && HOST_REASON.test(r)));
  return lost ? { kind: 'HOST', retryable: true, statusMessage: STATUS_MESSAGES.interrupted } : undefined;
}

/**
 * How long a Batch job that never started waited in the queue, from its submission (CreatedAt) to its cancellation
 * (StoppedAt); undefined for a job that started or a cause without those times.
 */
export function neverStartedWaitMs(error: CaughtError | undefined): number | undefined {
  const cause = parseCause(error?.Cause);
  if (!cause || cause.StartedAt !== undefined) return undefined;
  const { CreatedAt, StoppedAt } = cause;
  if (typeof CreatedAt !== 'number' || typeof StoppedAt !== 'number' || StoppedAt < CreatedAt) return undefined;
  return StoppedAt - CreatedAt;
}
