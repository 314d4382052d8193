/**
 * Starts a job's workflow: Step Functions StartExecution named after the JobId, with the input the state
 * machine expects (lib/workflow.ts): { jobId, accountId, video }. The execution name makes a repeated launch
 * of the same job a no-op (ExecutionAlreadyExists is success).
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { JobRecord, WorkflowLauncher } from '../../core/ports.js';
import type { Video } from '../../core/types.js';

export interface WorkflowInput {
  jobId: string;
  accountId: string;
  video: Video;
}

export class SfnLauncher implements WorkflowLauncher {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
  ) {}

  async launch(job: JobRecord): Promise<void> {
    const input: WorkflowInput = { jobId: job.jobId, accountId: job.accountId, video: job.video };
    try {
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: job.jobId, input: JSON.stringify(input) }));
    } catch (e) {
      if (e instanceof Error && e.name === 'ExecutionAlreadyExists') return;
      throw e;
    }
  }
}
