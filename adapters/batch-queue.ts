/**
 * Where a job's tracker waits in the GPU queue, for core's reconciler (core/jobs/reconcile.ts QueueLookup): AWS Batch
 * ListJobs on the job queue, by job name. The workflow names each submission after the job (lib/workflow.ts:
 * `people-pathing-<jobId>`, its segments `people-pathing-<jobId>-segments`), so a name filter with Batch's trailing
 * wildcard finds them all; with a filter ListJobs returns jobs of every status, and the newest one that is still
 * RUNNABLE carries the reason Batch gives for not placing it (statusReason), if any.
 */
import { ListJobsCommand } from '@aws-sdk/client-batch';
import type { BatchClient, JobSummary } from '@aws-sdk/client-batch';
import type { JobRecord } from '../core/ports.js';
import type { QueueLookup } from '../core/jobs/reconcile.js';

/** The Batch job name prefix of a job's submissions (lib/workflow.ts names them so). */
export const batchJobNamePrefix = (jobId: string): string => `people-pathing-${jobId}`;

export class BatchQueueLookup implements QueueLookup {
  constructor(
    private readonly client: Pick<BatchClient, 'send'>,
    private readonly jobQueue: string,
  ) {}

  async waitReasonOf(job: JobRecord): Promise<string | undefined> {
    const found: JobSummary[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.client.send(
        new ListJobsCommand({ jobQueue: this.jobQueue, filters: [{ name: 'JOB_NAME', values: [`${batchJobNamePrefix(job.jobId)}*`] }], nextToken }),
      );
      found.push(...(out.jobSummaryList ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    const waiting = found.filter((j) => j.status === 'RUNNABLE').sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    return waiting[0]?.statusReason;
  }
}
