/**
 * The GPU path: one construct owning the tracker's AWS Batch pieces — a managed EC2 compute environment
 * (ECS GPU AMI, GPU instance types, min 0 vCPUs so it costs nothing when idle, Spot or On-Demand), the job
 * queue, and the job definition (1 GPU, the tracker image, retry on Spot reclaim / host errors, a time
 * ceiling). The per-job, duration-derived deadline is enforced inside the container (doc 0004).
 */
import { CfnDeletionPolicy, Duration, Size, Validations } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { DEFAULT_GPU_INSTANCE_TYPES } from './config.js';
import { TIME_FACTOR, attemptCeilingMsFor } from '../core/tracker-protocol.js';
import type { TrackerImage } from './tracker-image.js';

/**
 * Hard ceiling of one attempt, from the same numbers as the container's own deadline (protocol.ts): the deadline of
 * a 6 h video at the GPU time factor plus the transfers (18 h 45 min). The container's deadline always passes first
 * and fails the job with its own message; this only stops a container that hangs (doc 0012).
 */
export const TRACKER_ATTEMPT_CEILING = Duration.seconds(Math.ceil(attemptCeilingMsFor(TIME_FACTOR.gpu) / 1000));
/** A job that cannot start waits this long for GPU capacity before Batch cancels it (CAPACITY:...). */
export const CAPACITY_WAIT_LIMIT = Duration.hours(6);
/** A job no compute environment can ever place (MISCONFIGURATION:...) is cancelled after this long. */
export const MISCONFIGURATION_WAIT_LIMIT = Duration.minutes(30);
/**
 * A job still waiting for any other reason (one Batch does not classify, so no time limit action applies) is stopped
 * by the reconciler this long after admission: after the capacity limit, so Batch's own cancel comes first.
 */
export const NEVER_STARTED_LIMIT = Duration.hours(CAPACITY_WAIT_LIMIT.toHours() + 1);
/** Batch-level attempts: a reclaimed Spot instance or a failed host is retried in place. */
export const BATCH_ATTEMPTS = 3;

/**
 * The compute environment's construct id. Changing the purchase model (`-c spot`) or the instance types is an
 * "infrastructure update" for Batch, which it refuses for a SPOT_PRICE_CAPACITY_OPTIMIZED environment (only
 * BEST_FIT_PROGRESSIVE and SPOT_CAPACITY_OPTIMIZED ones can be updated so), and CDK's compute environments are not
 * replaceable (ReplaceComputeEnvironment false): the stack update failed. A new id for each such choice makes
 * CloudFormation create a new environment, point the queue at it and delete the old one, which always works. The
 * default (Spot, default types) keeps the id existing stacks have; the vCPU limit is a scaling update (same id).
 */
export function computeEnvironmentId(props: Pick<TrackerBatchProps, 'spot' | 'instanceTypes'>): string {
  if (props.spot && props.instanceTypes.join(',') === DEFAULT_GPU_INSTANCE_TYPES.join(',')) return 'GpuCompute';
  const digest = createHash('sha256').update(JSON.stringify({ spot: props.spot, instanceTypes: props.instanceTypes })).digest('hex').slice(0, 8);
  return `GpuCompute${props.spot ? 'Spot' : 'OnDemand'}${digest}`;
}

export interface TrackerBatchProps {
  readonly vpc: ec2.IVpc;
  readonly image: TrackerImage;
  readonly instanceTypes: string[];
  readonly spot: boolean;
  /** With Spot: a second, On-Demand compute environment after the Spot one in the queue's order (doc 0020). */
  readonly onDemandFallback?: boolean;
  readonly maxVcpus: number;
  readonly jobRole: iam.IRole;
  /** Static environment of the container (table, bucket, ...). */
  readonly environment: Record<string, string>;
}

export class TrackerBatch extends Construct {
  readonly computeEnvironment: batch.ManagedEc2EcsComputeEnvironment;
  /** The On-Demand compute environment the queue falls back to (Spot with onDemandFallback only). */
  readonly onDemandComputeEnvironment?: batch.ManagedEc2EcsComputeEnvironment;
  readonly jobQueue: batch.JobQueue;
  readonly jobDefinition: batch.EcsJobDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrackerBatchProps) {
    super(scope, id);

    const securityGroup = new ec2.SecurityGroup(this, 'InstancesSg', {
      vpc: props.vpc,
      description: 'Tracker GPU instances: no inbound traffic; outbound HTTPS to S3, ECR, DynamoDB, CloudWatch',
      allowAllOutbound: true,
    });

    // Videos up to 10 GB are copied to local disk: a larger, encrypted root volume. IMDSv2 only, with a hop limit of 1:
    // Batch runs containers in bridge networking, one hop away from the host, so the instance role's credentials are
    // out of reach of a container (a video that exploited ffmpeg). The ECS agent runs in the host's network namespace
    // (0 hops) and keeps them; the tracker gets its job role from the ECS credentials endpoint, not from IMDS.
    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }),
        },
      ],
    });

    const gpuCompute = (id: string, spot: boolean) => {
      const ce = new batch.ManagedEc2EcsComputeEnvironment(this, id, {
        vpc: props.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        securityGroups: [securityGroup],
        instanceTypes: props.instanceTypes.map((t) => new ec2.InstanceType(t)),
        useOptimalInstanceClasses: false,
        images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023_NVIDIA }],
        minvCpus: 0,
        maxvCpus: props.maxVcpus,
        spot,
        allocationStrategy: spot ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
        launchTemplate,
        updateToLatestImageVersion: true,
      });
      if (ce.instanceRole) {
        Validations.of(ce.instanceRole).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
          reason: 'AWS Batch ECS container instances need the ECS agent policy AWS maintains for exactly this role.',
        });
      }
      return ce;
    };
    this.computeEnvironment = gpuCompute(computeEnvironmentId(props), props.spot);
    // Spot first; the queue places jobs in the On-Demand environment after it, so a job is not left waiting on Spot
    // (on by default, -c onDemandFallback=false to refuse the On-Demand price). Both start from 0 vCPUs.
    // Its id is the one `-c spot=false` would give the main environment, so switching Spot on or off later is
    // an update of the queue's order, not a replacement of a named environment in use.
    if (props.spot && (props.onDemandFallback ?? true)) {
      this.onDemandComputeEnvironment = gpuCompute(computeEnvironmentId({ spot: false, instanceTypes: props.instanceTypes }), false);
    }

    this.jobQueue = new batch.JobQueue(this, 'GpuQueue', {
      computeEnvironments: [
        { computeEnvironment: this.computeEnvironment, order: 1 },
        ...(this.onDemandComputeEnvironment ? [{ computeEnvironment: this.onDemandComputeEnvironment, order: 2 }] : []),
      ],
      // A job that can never start must not wait forever: Batch cancels it and the workflow marks it FAILED.
      jobStateTimeLimitActions: [
        {
          action: batch.JobStateTimeLimitActionsAction.CANCEL,
          state: batch.JobStateTimeLimitActionsState.RUNNABLE,
          reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
          maxTime: CAPACITY_WAIT_LIMIT,
        },
        {
          action: batch.JobStateTimeLimitActionsAction.CANCEL,
          state: batch.JobStateTimeLimitActionsState.RUNNABLE,
          reason: batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
          maxTime: MISCONFIGURATION_WAIT_LIMIT,
        },
        {
          action: batch.JobStateTimeLimitActionsAction.CANCEL,
          state: batch.JobStateTimeLimitActionsState.RUNNABLE,
          reason: batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
          maxTime: MISCONFIGURATION_WAIT_LIMIT,
        },
      ],
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });

    const container = new batch.EcsEc2ContainerDefinition(this, 'Container', {
      image: ecs.ContainerImage.fromDockerImageAsset(props.image.asset),
      // One job per xlarge GPU instance (4 vCPUs, 16 GiB, of which the ECS agent keeps some).
      cpu: 4,
      memory: Size.gibibytes(14),
      gpu: 1,
      jobRole: props.jobRole,
      // The time factor of the deadline, from the same constant as the attempt ceiling above.
      environment: { ...props.environment, TRACKER_TIME_FACTOR: String(TIME_FACTOR.gpu) },
      logging: ecs.LogDriver.awsLogs({ streamPrefix: 'tracker', logGroup: this.logGroup }),
    });

    this.jobDefinition = new batch.EcsJobDefinition(this, 'JobDefinition', {
      container,
      timeout: TRACKER_ATTEMPT_CEILING,
      retryAttempts: BATCH_ATTEMPTS,
      retryStrategies: [
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        // Without a catch-all EXIT, Batch would also retry container failures (bad video, ...).
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: '*' })),
      ],
      propagateTags: true,
    });
    // A new image (or any container change) registers a new revision, and CloudFormation would deregister the one it
    // replaces. Executions in flight keep the definition they started with (the state machine definition names the
    // revision), so a Spot resubmission or a segment array after the update would call SubmitJob on an inactive
    // revision. Replaced revisions are kept ACTIVE instead (they cost nothing; doc/operations.md says how to prune
    // them): each execution runs the same image from its first submission to its last.
    const cfnJobDefinition = this.jobDefinition.node.defaultChild as CfnResource;
    cfnJobDefinition.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    Validations.of(cfnJobDefinition).acknowledge({
      id: 'CloudFormation-Validate::W3011',
      reason: 'Only revisions replaced by an update are kept (for executions in flight); the current one is deregistered with the stack, when no execution can use it any more.',
    });
  }
}
