/**
 * The optional CPU path (compute=cpu): the same tracker image as an ECS task on Fargate, for accounts
 * without GPU quota or for light use. Slower per video, no instances to manage.
 */
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TIME_FACTOR } from '../core/tracker-protocol.js';
import type { TrackerImage } from './tracker-image.js';

export const TRACKER_CONTAINER_NAME = 'tracker';

export interface TrackerFargateProps {
  readonly vpc: ec2.IVpc;
  readonly image: TrackerImage;
  readonly taskRole: iam.IRole;
  readonly environment: Record<string, string>;
}

export class TrackerFargate extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TrackerFargateProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSg', {
      vpc: props.vpc,
      description: 'Tracker Fargate tasks: no inbound traffic',
      allowAllOutbound: true,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 4096,
      memoryLimitMiB: 16384,
      ephemeralStorageGiB: 100,
      taskRole: props.taskRole,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.logGroup = logGroup;
    this.container = this.taskDefinition.addContainer(TRACKER_CONTAINER_NAME, {
      image: ecs.ContainerImage.fromDockerImageAsset(props.image.asset),
      // CPU inference is slower than real time on long videos: a larger deadline factor (the task timeout in
      // lib/workflow.ts comes from the same constant). The image requires a GPU (PEOPLE_PATHING_REQUIRE_GPU=1);
      // this path is the CPU one on purpose.
      environment: { ...props.environment, TRACKER_TIME_FACTOR: String(TIME_FACTOR.cpu), PEOPLE_PATHING_ALLOW_CPU: '1' },
      logging: ecs.LogDriver.awsLogs({ streamPrefix: 'tracker', logGroup }),
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only resource names (table, bucket, model path), no secrets.',
    });
  }
}
