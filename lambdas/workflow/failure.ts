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

export type FailureKind = 'HOST' | 'TIMEOUT' | 'CAPACITY' | 'CONTAINER' | 'INTERNAL';

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

const HOST_REASON = /^Host EC2/i;

export function classifyFailure(error: CaughtError | undefined, report?: FailureReport): FailureDecision {
  const name = error?.Error ?? '';
  if (name === 'States.Timeout') return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };

  const cause = parseCause(error?.Cause);
  if (cause && (name === 'States.TaskFailed' || name === 'TrackerExitedWithError')) {
    const attempts = cause.Attempts ?? [];
    const last = attempts[attempts.length - 1];
    const reasons = [cause.StatusReason, last?.StatusReason, cause.StoppedReason].filter((r): r is string => typeof r === 'string');
    // Spot reclaim / host failure (Batch), Spot interruption (Fargate): not the video's fault.
    if (reasons.some((r) => HOST_REASON.test(r)) || cause.StopCode === 'SpotInterruption') {
      return { kind: 'HOST', retryable: true, statusMessage: STATUS_MESSAGES.interrupted };
    }
    if (reasons.some((r) => /^(CAPACITY|MISCONFIGURATION):/.test(r))) {
      return { kind: 'CAPACITY', retryable: false, statusMessage: STATUS_MESSAGES.capacity };
    }
    if (reasons.some((r) => /attempt duration exceeded timeout/i.test(r))) {
      return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };
    }
    const exitCode = last?.Container?.ExitCode ?? cause.Container?.ExitCode ?? cause.Containers?.[0]?.ExitCode;
    if (report?.message) return { kind: 'CONTAINER', retryable: false, statusMessage: report.message };
    if (exitCode === EXIT.TIMEOUT) return { kind: 'TIMEOUT', retryable: false, statusMessage: STATUS_MESSAGES.timeout };
    if (exitCode === EXIT.VIDEO_UNREADABLE) return { kind: 'CONTAINER', retryable: false, statusMessage: STATUS_MESSAGES.unreadable };
    return { kind: 'CONTAINER', retryable: false, statusMessage: STATUS_MESSAGES.internal };
  }
  if (report?.message) return { kind: 'CONTAINER', retryable: false, statusMessage: report.message };
  return { kind: 'INTERNAL', retryable: false, statusMessage: STATUS_MESSAGES.internal };
}
