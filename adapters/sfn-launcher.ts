/**
 * The job's workflow on Step Functions. Each job has one execution, named after its JobId:
 *  - SfnLauncher starts it (StartExecution) with the input the state machine expects (lib/workflow.ts):
 *    { jobId, accountId, video }. The name makes a repeated launch of the same job a no-op
 *    (ExecutionAlreadyExists is success);
 *  - SfnExecutions looks it up (DescribeExecution) for core's reconciler, and stops it (StopExecution) when the
 *    reconciler gives up on a job that never left the queue.
 */
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { JobRecord, WorkflowLauncher } from '../core/ports.js';
import type { ExecutionLookup, ExecutionState } from '../core/jobs/reconcile.js';
import type { Video } from '../core/types.js';

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

/** arn:…:stateMachine:NAME → arn:…:execution:NAME:EXECUTION */
export function executionArn(stateMachineArn: string, name: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') throw new Error('not a state machine ARN');
  return [...parts.slice(0, 5), 'execution', parts[6], name].join(':');
}

export class SfnExecutions implements ExecutionLookup {
  constructor(
    private readonly client: Pick<SFNClient, 'send'>,
    private readonly stateMachineArn: string,
  ) {}

  async stateOf(job: JobRecord): Promise<ExecutionState> {
    try {
      const out = await this.client.send(new DescribeExecutionCommand({ executionArn: executionArn(this.stateMachineArn, job.jobId) }));
      // RUNNING, and PENDING_REDRIVE (a redrive was asked for): something will still finish the job.
      return out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE' ? 'RUNNING' : 'ENDED';
    } catch (e) {
      if (e instanceof Error && e.name === 'ExecutionDoesNotExist') return 'NONE';
      throw e;
    }
  }

  async stop(job: JobRecord): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({
          executionArn: executionArn(this.stateMachineArn, job.jobId),
          error: 'JobNeverStarted',
          cause: 'The tracker did not leave the queue in time (reconciler).',
        }),
      );
    } catch (e) {
      if (e instanceof Error && e.name === 'ExecutionDoesNotExist') return;
      throw e;
    }
  }
}
