/**
 * The GPU compute environment's health, for the scheduled reconciler's metric (AWS Batch sends no event when a
 * compute environment turns INVALID — a deleted instance role, a missing subnet, a launch template error — and a
 * queue behind it just stops running jobs). DescribeComputeEnvironments, one environment.
 */
import { DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import type { BatchClient } from '@aws-sdk/client-batch';

export interface ComputeEnvironmentHealth {
  /** False when Batch reports the environment INVALID, DISABLED, or no longer knows it. */
  healthy: boolean;
  status?: string;
  state?: string;
}

export async function computeEnvironmentHealth(client: Pick<BatchClient, 'send'>, computeEnvironment: string): Promise<ComputeEnvironmentHealth> {
  const out = await client.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: [computeEnvironment] }));
  const env = out.computeEnvironments?.[0];
  if (!env) return { healthy: false };
  return { healthy: env.status !== 'INVALID' && env.state !== 'DISABLED', status: env.status, state: env.state };
}
