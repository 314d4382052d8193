/**
 * The reconciler Lambda's outbox run (lambdas/workflow/reconcile.ts) as deployed code: its real wiring (runtime.ts,
 * middy, Powertools metrics) with the job store on dynalite through AWS_ENDPOINT_URL_DYNAMODB. STS and SNS cannot
 * run here: they point at a closed loopback port, so every publish fails like a network fault (neither refused nor
 * denied), and the owed notification must stay owed and be counted in NotificationsOwed.
 */
import type { Context } from 'aws-lambda';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { completeJob } from '../../core/jobs/lifecycle.js';
import { makeDataDir } from '../fixtures/api/helpers.js';

const ACCOUNT = '111111111111';
const CHANNEL = { SNSTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionJobs`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/r` };
const context = {
  functionName: 'people-pathing-reconcile',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:999999999999:function:people-pathing-reconcile',
  memoryLimitInMB: '256',
  awsRequestId: 'reconcile-request',
  logGroupName: '/aws/lambda/people-pathing-reconcile',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 300_000,
} as unknown as Context;

describe('reconciler Lambda: owed notifications', () => {
  let dynamo: EmbeddedDynamo;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo({ path: await makeDataDir('pp-reconcile-lambda-') });
    await createJobsTable(dynamo.client, 'jobs');
    Object.assign(process.env, {
      JOBS_TABLE: 'jobs',
      STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:999999999999:stateMachine:PeoplePathingWorkflow',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
      POWERTOOLS_METRICS_NAMESPACE: 'PeoplePathing',
      POWERTOOLS_SERVICE_NAME: 'people-pathing-workflow',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await dynamo?.close();
  });

  it('re-publishes a notification owed past the grace; one that still fails is counted in NotificationsOwed', async () => {
    const tenMinutesAgo = Date.now() - 10 * 60_000;
    const store = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs', now: () => tenMinutesAgo });
    const owed = (await store.startJob({ accountId: ACCOUNT, video: { S3Object: { Bucket: 'v', Name: 'a.mp4' } }, requestHash: 'h1', notificationChannel: CHANNEL }, 20)).job;
    const fresh = (await store.startJob({ accountId: ACCOUNT, video: { S3Object: { Bucket: 'v', Name: 'b.mp4' } }, requestHash: 'h2', notificationChannel: CHANNEL }, 20)).job;
    const failing = { publish: () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottledException' })) };
    await completeJob({ store, notifier: failing, onNotificationError: () => undefined }, ACCOUNT, owed.jobId, { status: 'FAILED', statusMessage: 'x' });
    const now = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs' });
    await completeJob({ store: now, notifier: failing, onNotificationError: () => undefined }, ACCOUNT, fresh.jobId, { status: 'FAILED', statusMessage: 'x' });

    const emitted: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const log = console.log;
    console.log = (...args: unknown[]) => void emitted.push(args.map(String).join(' '));
    process.stdout.write = ((chunk: string | Uint8Array) => (emitted.push(String(chunk)), true)) as typeof process.stdout.write;
    let report: { notifications?: { found: number; failed: string[]; stillOwed: number } };
    try {
      const { handler } = await import('../../lambdas/workflow/reconcile.js');
      report = (await handler({}, context)) as typeof report;
    } finally {
      process.stdout.write = write;
      console.log = log;
    }
    // Only the one owed past the 5-minute grace; the fresh one may still be publishing from its completer.
    expect(report.notifications).toMatchObject({ found: 1, failed: [owed.jobId], stillOwed: 1 });
    expect((await now.getJob(ACCOUNT, owed.jobId))?.notification).toBe('OWED');
    const emf = emitted.map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return undefined; } }).find((m) => m && '_aws' in m);
    expect(emf).toMatchObject({ NotificationsOwed: 1, NotificationsRepublished: 0, service: 'people-pathing-workflow' });
  }, 60_000);
});
