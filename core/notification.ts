/**
 * The completion message Rekognition published to a job's SNS topic (spec §6). The SNS `Message` is this
 * exact JSON string; key order follows real traffic: JobId, Status, API, JobTag (only when set), Timestamp,
 * Video{S3ObjectName,S3Bucket}.
 */
import type { JobRecord } from './ports.js';
import type { NotificationChannel } from './types.js';

export const NOTIFICATION_API_NAME = 'StartPersonTracking';

export function buildCompletionMessage(job: JobRecord, timestampMs: number): string {
  const message: Record<string, unknown> = {
    JobId: job.jobId,
    Status: job.status,
    API: NOTIFICATION_API_NAME,
  };
  if (job.jobTag !== undefined) message.JobTag = job.jobTag;
  message.Timestamp = Math.floor(timestampMs);
  message.Video = {
    S3ObjectName: job.video.S3Object?.Name,
    S3Bucket: job.video.S3Object?.Bucket,
  };
  return JSON.stringify(message);
}

/**
 * A publish that the service's own rules refuse (the topic is not in the job's account; deployed, also a role that
 * cannot be assumed for a topic not on the allow-list). Retrying cannot change the answer, so the outbox settles
 * such a notification as REFUSED instead of re-publishing it (core/jobs/outbox.ts).
 */
export class NotificationRefusedError extends Error {
  constructor(message: string, name = 'NotificationRefused') {
    super(message);
    this.name = name;
  }
}

export const TOPIC_NOT_IN_ACCOUNT = "notification topic is not in the job's account";

/**
 * The confused-deputy rule of every notifier, deployed (adapters/sns-notifier.ts) and local (cli/local/adapters.ts):
 * the topic must be an SNS topic of the account that started the job, or of an account the deployment allows
 * (`-c allowedAccounts`). Checked when publishing, as SNS would.
 */
export function assertTopicInAccount(channel: NotificationChannel, accountId: string, allowedAccounts: readonly string[] = []): { region: string } {
  const parts = channel.SNSTopicArn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'sns' || !(parts[4] === accountId || allowedAccounts.includes(parts[4]))) {
    throw new NotificationRefusedError(TOPIC_NOT_IN_ACCOUNT);
  }
  return { region: parts[3] };
}

export const isNotificationRefused = (e: unknown): boolean => e instanceof NotificationRefusedError;
