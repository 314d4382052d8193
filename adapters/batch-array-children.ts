/**
 * The FAILED children of a Batch array job, for HandleFailure's segments decision (lambdas/workflow/failure.ts
 * segmentChildrenLostToHosts): ListJobs with arrayJobId and jobStatus FAILED, every page. Each JobSummary carries the
 * child's statusReason (a Spot reclaim reads "Host EC2 (instance i-...) terminated.") and its container's reason.
 */
import { ListJobsCommand } from '@aws-sdk/client-batch';
import type { BatchClient } from '@aws-sdk/client-batch';

/** One FAILED child as ListJobs summarises it. */
export interface FailedArrayChild {
  statusReason?: string;
  containerReason?: string;
}

export function batchFailedArrayChildren(client: Pick<BatchClient, 'send'>): (arrayJobId: string) => Promise<FailedArrayChild[]> {
  return async (arrayJobId) => {
    const out: FailedArrayChild[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListJobsCommand({ arrayJobId, jobStatus: 'FAILED', nextToken }));
      for (const j of page.jobSummaryList ?? []) {
        out.push({
          ...(j.statusReason ? { statusReason: j.statusReason } : {}),
          ...(j.container?.reason ? { containerReason: j.container.reason } : {}),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  };
}
