/**
 * Operations: one dashboard and the alarms — failed jobs, workflow failures, API 5xx, queue age, jobs or slots
 * the reconciler had to repair, any job that never started (no capacity / misconfiguration), an unhealthy GPU
 * compute environment — on an SNS topic (optionally mailed), plus Batch's "Job Queue Blocked" events forwarded to
 * the same topic. Job metrics come from the workflow Lambdas (Powertools EMF); the queue wait of a job that ran
 * from a metric filter on the tracker's structured `job-started` log line (measured from the submission), that of
 * a job Batch cancelled in the queue from HandleFailure.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export const METRICS_NAMESPACE = 'PeoplePathing';
export const WORKFLOW_SERVICE = 'people-pathing-workflow';
export const TRACKER_SERVICE = 'people-pathing-tracker';

export interface MonitoringProps {
  readonly api: apigw.RestApi;
  readonly apiFunction: lambda.IFunction;
  readonly reconcileFunction: lambda.IFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly trackerLogGroup: logs.ILogGroup;
  /** The GPU path's job queue (absent on the Fargate path). */
  readonly jobQueue?: batch.IJobQueue;
  readonly alarmEmail?: string;
}

export class PeoplePathingMonitoring extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // This stack's alarms, and nothing else's: the services publish on behalf of this account only.
    const ownAlarms = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'people-pathing alarm topic' });
    // CloudWatch alarms and EventBridge (Batch's queue-blocked events) publish to the encrypted topic: SNS asks KMS
    // for a data key on their behalf, so each service needs the key too. No source condition here (SNS's guide for
    // encrypted topics has none, and KMS may not see the alarm as the source): the key encrypts only this topic,
    // whose own policy below admits this stack's alarms alone.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmPublishersUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    // The topic's policy replaces SNS's default one (enforceSSL and the EventBridge target each add a statement), and
    // the default was what let CloudWatch publish: without this statement every alarm fires into the void.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': ownAlarms } },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subs.EmailSubscription(props.alarmEmail));

    const jobMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: WORKFLOW_SERVICE },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const jobsFailed = jobMetric('JobsFailed');
    const jobsSucceeded = jobMetric('JobsSucceeded');

    new logs.MetricFilter(this, 'QueueWaitFilter', {
      logGroup: props.trackerLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.event', '=', 'job-started'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'QueueWaitSeconds',
      metricValue: '$.queueWaitSeconds',
      unit: cloudwatch.Unit.SECONDS,
    });
    // The longest queue wait: jobs that started (the tracker's log line) and jobs Batch cancelled before they could
    // (HandleFailure's metric), both from their submission.
    const queueWait = new cloudwatch.MathExpression({
      expression: 'MAX([started, neverStarted])',
      usingMetrics: {
        started: new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: 'QueueWaitSeconds', statistic: 'Maximum', period: Duration.minutes(5) }),
        neverStarted: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'QueueWaitSeconds',
          dimensionsMap: { service: WORKFLOW_SERVICE },
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
      },
      label: 'Queue wait from submission, started or cancelled jobs (s)',
      period: Duration.minutes(5),
    });

    const workflowFailures = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: props.stateMachine.metricFailed({ statistic: 'Sum', period: Duration.minutes(5) }),
        timedOut: props.stateMachine.metricTimedOut({ statistic: 'Sum', period: Duration.minutes(5) }),
        aborted: props.stateMachine.metricAborted({ statistic: 'Sum', period: Duration.minutes(5) }),
      },
      label: 'Workflow executions failed/timed out/aborted',
      period: Duration.minutes(5),
    });
    const api5xx = props.api.metricServerError({ statistic: 'Sum', period: Duration.minutes(5) });
    const reconciled = new cloudwatch.MathExpression({
      expression: 'relaunched + failed + slots + errors',
      usingMetrics: {
        relaunched: jobMetric('JobsRelaunched'),
        failed: jobMetric('JobsFailedByReconciler'),
        slots: jobMetric('SlotsFreedByReconciler'),
        errors: props.reconcileFunction.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      },
      label: 'Jobs relaunched or failed and slots freed by the reconciler, reconciler errors',
      period: Duration.minutes(5),
    });

    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const a = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    alarm('FailedJobsAlarm', jobsFailed, 5, 'Five or more jobs FAILED within 5 minutes (bad inputs, tracker errors, capacity).');
    alarm('WorkflowFailuresAlarm', workflowFailures, 1, 'A workflow execution failed, timed out or was stopped (the reconciler fails its job if the workflow did not).');
    alarm('Api5xxAlarm', api5xx, 5, 'The API answered 5 or more 5xx errors within 5 minutes.');
    alarm('QueueAgeAlarm', queueWait, 1800, 'A tracker job waited 30 minutes or more in the queue (GPU capacity or max vCPUs).');
    alarm(
      'JobsNeverStartedAlarm',
      jobMetric('JobsNeverStarted'),
      1,
      'A job was cancelled in the queue without starting: no GPU capacity for its whole wait (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY), or no compute environment can place it (MISCONFIGURATION:...).',
    );
    if (props.jobQueue) {
      const unhealthy = new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'ComputeEnvironmentUnhealthy',
        dimensionsMap: { service: WORKFLOW_SERVICE },
        statistic: 'Maximum',
        period: Duration.minutes(10),
      });
      alarm('ComputeEnvironmentAlarm', unhealthy, 1, 'The GPU compute environment is INVALID or DISABLED: the queue runs no jobs until it is fixed (see its statusReason).');
      // Batch reports a RUNNABLE job blocking the head of the queue (capacity, resources, roles, ...) as an event.
      new events.Rule(this, 'QueueBlockedRule', {
        description: 'people-pathing: a tracker job is stuck RUNNABLE at the head of the GPU queue',
        eventPattern: { source: ['aws.batch'], detailType: ['Batch Job Queue Blocked'], detail: { jobQueue: [props.jobQueue.jobQueueArn] } },
        targets: [
          new targets.SnsTopic(this.alarmTopic, {
            message: events.RuleTargetInput.fromText(
              `people-pathing: Batch job ${events.EventField.fromPath('$.detail.jobName')} is stuck RUNNABLE at the head of the GPU queue: ${events.EventField.fromPath('$.detail.statusReason')}`,
            ),
          }),
        ],
      });
    }
    // The notification outbox (doc 0017): the reconciler's count of notifications still owed after its re-publish.
    alarm(
      'NotificationsOwedAlarm',
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: 'NotificationsOwed', dimensionsMap: { service: WORKFLOW_SERVICE }, statistic: 'Maximum', period: Duration.minutes(10) }),
      1,
      'A completion notification is still owed after the reconciler re-published it (SNS throttling, KMS or topic policy); it is retried every 10 minutes.',
    );
    alarm('ReconcilerAlarm', reconciled, 1, 'The reconciler found a job IN_PROGRESS with nothing running it (launched it again or failed it) or a concurrency slot left taken, or it failed itself.');

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Jobs', left: [jobsSucceeded, jobsFailed, jobMetric('JobsNeverStarted')], right: [reconciled], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Queue wait (s)', left: [queueWait], width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'API',
        left: [
          props.api.metricCount({ statistic: 'Sum', period: Duration.minutes(5) }),
          props.api.metricClientError({ statistic: 'Sum', period: Duration.minutes(5) }),
          api5xx,
        ],
        right: [props.api.metricLatency({ statistic: 'p90', period: Duration.minutes(5) })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Workflow',
        left: [
          props.stateMachine.metricStarted({ statistic: 'Sum', period: Duration.minutes(5) }),
          props.stateMachine.metricSucceeded({ statistic: 'Sum', period: Duration.minutes(5) }),
          workflowFailures,
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API Lambda',
        left: [props.apiFunction.metricErrors({ period: Duration.minutes(5) }), props.apiFunction.metricThrottles({ period: Duration.minutes(5) })],
        right: [props.apiFunction.metricDuration({ statistic: 'p90', period: Duration.minutes(5) })],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
  }
}
