/**
 * DynamoDbJobStore and completeJob on dynalite (the embedded DynamoDB-compatible server, not a mock): atomic
 * admission under bursts, exactly-once completion and notification, 7-day expiry, abandoned tokens.
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { completeJob } from '../../core/jobs/lifecycle.js';
import { ServiceError } from '../../core/api/errors.js';
import type { JobRecord, NewJob, Notifier } from '../../core/ports.js';
import type { NotificationChannel } from '../../core/types.js';

const DAY = 24 * 3600 * 1000;
const CHANNEL = { SNSTopicArn: 'arn:aws:sns:us-east-1:111111111111:t', RoleArn: 'arn:aws:iam::111111111111:role/r' };

describe('DynamoDbJobStore on dynalite', () => {
  let dynamo: EmbeddedDynamo;
  let store: DynamoDbJobStore;
  let clock = Date.UTC(2026, 0, 1);
  let table = 0;
  let tableName = '';

  const newJob = (accountId: string, extra: Partial<NewJob> = {}): NewJob => ({
    accountId,
    video: { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } },
    requestHash: 'hash-a',
    ...extra,
  });
  const reason = (e: unknown) => (e instanceof ServiceError ? e.name : String(e));

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  beforeEach(async () => {
    tableName = `jobs-${++table}`;
    await createJobsTable(dynamo.client, tableName);
    store = new DynamoDbJobStore({ client: dynamo.client, tableName, now: () => clock, abandonedTokenMs: 1000 });
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('admits exactly the limit under a burst of distinct starts, and a finished job frees its slot', async () => {
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => store.startJob(newJob('acct-burst', { clientRequestToken: `t${i}` }), 4)));
    const created = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ job: JobRecord }>).value.job);
    expect(created).toHaveLength(4);
    for (const r of results) if (r.status === 'rejected') expect(reason(r.reason)).toBe('LimitExceededException');
    await expect(store.startJob(newJob('acct-burst'), 4)).rejects.toThrow('4 open Jobs for User acct-burst Maximum limit: 4');
    // Other accounts have their own limit.
    expect((await store.startJob(newJob('acct-other'), 4)).created).toBe(true);

    await store.finishJob('acct-burst', created[0].jobId, { status: 'FAILED', statusMessage: 'x' });
    expect((await store.startJob(newJob('acct-burst'), 4)).created).toBe(true);
    await expect(store.startJob(newJob('acct-burst'), 4)).rejects.toThrow(ServiceError);
    expect((await store.listInProgress()).filter((j) => j.accountId === 'acct-burst')).toHaveLength(4);
  });

  it('gives 25 concurrent identical starts one job, and a mismatch for other parameters', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => store.startJob(newJob('acct-idem', { clientRequestToken: 'same' }), 20)));
    expect(new Set(results.map((r) => r.job.jobId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await expect(store.startJob(newJob('acct-idem', { clientRequestToken: 'same', requestHash: 'hash-b' }), 20)).rejects.toMatchObject({
      name: 'IdempotentParameterMismatchException',
    });
    // The same token in another account is another job.
    expect((await store.startJob(newJob('acct-idem-2', { clientRequestToken: 'same' }), 20)).created).toBe(true);
  });

  it('expires jobs and tokens after 7 days', async () => {
    const { job } = await store.startJob(newJob('acct-ttl', { clientRequestToken: 'tok' }), 20);
    expect(job.jobId).toMatch(/^[0-9a-f]{64}$/);
    expect(job.expiresAt).toBe(Math.floor(clock / 1000) + 7 * 24 * 3600);
    clock += 2 * DAY;
    const done = await store.finishJob('acct-ttl', job.jobId, { status: 'SUCCEEDED', videoMetadata: { Codec: 'h264' }, resultsLocation: '/r' });
    expect(done?.expiresAt).toBe(Math.floor(clock / 1000) + 7 * 24 * 3600); // 7 days after completion
    clock += 6 * DAY;
    expect((await store.getJob('acct-ttl', job.jobId))?.status).toBe('SUCCEEDED');
    expect(await store.getJob('someone-else', job.jobId)).toBeUndefined();
    clock += 1 * DAY + 1000;
    expect(await store.getJob('acct-ttl', job.jobId)).toBeUndefined();
    // The token (7 days from start) has expired too: the same token starts a new job, even with other parameters.
    const again = await store.startJob(newJob('acct-ttl', { clientRequestToken: 'tok', requestHash: 'hash-z' }), 20);
    expect(again.created).toBe(true);
    expect(again.job.jobId).not.toBe(job.jobId);
  });

  it('releases a token whose start died before writing the job', async () => {
    const doc = DynamoDBDocumentClient.from(dynamo.client);
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: 'TOKEN#acct-crash#orphan', sk: 'TOKEN', jobId: 'f'.repeat(64), requestHash: 'hash-a', createdAt: clock - 5000, ttl: Math.floor(clock / 1000) + 3600 },
      }),
    );
    const { job, created } = await store.startJob(newJob('acct-crash', { clientRequestToken: 'orphan' }), 20);
    expect(created).toBe(true);
    expect(job.jobId).not.toBe('f'.repeat(64));
    expect((await store.startJob(newJob('acct-crash', { clientRequestToken: 'orphan' }), 20)).job.jobId).toBe(job.jobId);
  });

  it('completes a job once and notifies once; a failing notifier never leaves it IN_PROGRESS', async () => {
    const published: { channel: NotificationChannel; message: string }[] = [];
    const notifier: Notifier = { publish: async (channel, message) => void published.push({ channel, message }) };
    const { job } = await store.startJob(newJob('acct-done', { notificationChannel: CHANNEL, jobTag: 'tag-1' }), 20);
    await store.setProgress('acct-done', job.jobId, 0.5);
    expect((await store.getJob('acct-done', job.jobId))?.progress).toBe(0.5);

    const outcome = { status: 'SUCCEEDED' as const, videoMetadata: { Codec: 'h264', FrameRate: 29.97 }, resultsLocation: 's3://b/results/acct-done/x/' };
    const [a, b] = await Promise.all([completeJob({ store, notifier }, 'acct-done', job.jobId, outcome), completeJob({ store, notifier }, 'acct-done', job.jobId, outcome)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(published).toHaveLength(1);
    expect(JSON.parse(published[0].message)).toEqual({
      JobId: job.jobId,
      Status: 'SUCCEEDED',
      API: 'StartPersonTracking',
      JobTag: 'tag-1',
      Timestamp: clock,
      Video: { S3ObjectName: 'clip.mp4', S3Bucket: 'videos' },
    });
    const stored = await store.getJob('acct-done', job.jobId);
    expect(stored).toMatchObject({ status: 'SUCCEEDED', progress: 1, videoMetadata: outcome.videoMetadata, resultsLocation: outcome.resultsLocation, completedAt: clock });

    const failing: Notifier = { publish: () => Promise.reject(new Error('SNS down')) };
    const errors: unknown[] = [];
    const { job: second } = await store.startJob(newJob('acct-done', { notificationChannel: CHANNEL }), 20);
    const finished = await completeJob({ store, notifier: failing, onNotificationError: (e) => errors.push(e) }, 'acct-done', second.jobId, { status: 'FAILED', statusMessage: 'bad video' });
    expect(finished?.status).toBe('FAILED');
    expect(errors).toHaveLength(1);
    expect(await store.getJob('acct-done', second.jobId)).toMatchObject({ status: 'FAILED', statusMessage: 'bad video' });
    // Finishing from the wrong account changes nothing.
    const { job: third } = await store.startJob(newJob('acct-done'), 20);
    expect(await store.finishJob('intruder', third.jobId, { status: 'FAILED', statusMessage: 'x' })).toBeUndefined();
    expect((await store.getJob('acct-done', third.jobId))?.status).toBe('IN_PROGRESS');
  });
});
