/**
 * The completion message Rekognition published to a job's SNS topic (spec §6). The SNS `Message` is this
 * exact JSON string; key order follows real traffic: JobId, Status, API, JobTag (only when set), Timestamp,
 * Video{S3ObjectName,S3Bucket}.
 */
import type { JobRecord } from './ports.js';

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
