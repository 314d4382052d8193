/**
 * The notification outbox as deployed (core/jobs/lifecycle.ts + core/jobs/outbox.ts on the real job store on dynalite,
 * through the real CallerRoleNotifier). SNS and STS cannot run here: SNS is a fake at least as strict as SNS on what
 * is under test — it knows its topics (NotFoundException otherwise), checks the message the way Publish does, and
 * throws SNS's own errors (ThrottledException, KMSAccessDeniedException) while a fault is on.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { createTableIfMissing } from '../../adapters/dynamodb-tables.js';
import { CallerRoleNotifier } from '../../adapters/sns-notifier.js';
import { FileNotifier } from '../../cli/local/adapters.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { completeJob } from '../../core/jobs/lifecycle.js';
import type { CompletionStep } from '../../core/jobs/lifecycle.js';
import { republishOwedNotifications } from '../../core/jobs/outbox.js';
import type { RepublishDeps } from '../../core/jobs/outbox.js';
import type { JobOutcome, NewJob, Notifier } from '../../core/ports.js';
import { makeDataDir } from '../fixtures/api/helpers.js';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionJobs`;
const CHANNEL = { SNSTopicArn: TOPIC, RoleArn: `arn:aws:iam::${ACCOUNT}:role/r` };
const SUCCEEDED: JobOutcome = {
  status: 'SUCCEEDED',
  videoMetadata: { Codec: 'h264', DurationMillis: 1000, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 720, FrameWidth: 1280, ColorRange: 'LIMITED' },
  resultsLocation: 's3://results/x',
};
const GRACE = 5 * 60_000;

/** SNS Publish as strict as the service on these points; `faults` are thrown, one per call, before anything else. */
class StrictSns {
  readonly topics = new Set([TOPIC]);
  readonly delivered: { topic: string; message: string }[] = [];
  attempts = 0;
  faults: string[] = [];

  async send(command: unknown): Promise<unknown> {
    if (!(command instanceof PublishCommand)) throw new Error('only Publish is expected');
    this.attempts++;
    const fault = this.faults.shift();
    if (fault) throw Object.assign(new Error(fault), { name: fault, $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { TopicArn, Message, TargetArn, PhoneNumber } = command.input;
    const error = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: name === 'NotFoundException' ? 404 : 400 } });
    if (TargetArn || PhoneNumber) throw error('InvalidParameterException', 'Invalid parameter: only TopicArn is used');
    if (!TopicArn || !this.topics.has(TopicArn)) throw error('NotFoundException', 'Topic does not exist');
    if (!Message) throw error('InvalidParameterException', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(Message) > 262_144) throw error('InvalidParameterException', 'Invalid parameter: Message too long');
    this.delivered.push({ topic: TopicArn, message: Message });
    return { MessageId: `m-${this.delivered.length}` };
  }
}

describe('notification outbox (deployed: job store on dynalite, the real SNS notifier)', () => {
  let dynamo: EmbeddedDynamo;
  let store: DynamoDbJobStore;
  let sns: StrictSns;
  let clock = Date.UTC(2026, 11, 7, 12);
  let table = 0;
  let tableName: string;
  const now = () => clock;

  const notifierFor = (accountId: string): Notifier =>
    new CallerRoleNotifier({
      accountId,
      allowList: [],
      sts: { send: async () => ({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't' } }) } as unknown as Pick<STSClient, 'send'>,
      snsFor: () => sns as unknown as Pick<SNSClient, 'send'>,
    });
  const admit = async (extra: Partial<NewJob> = {}) =>
    (await store.startJob({ accountId: ACCOUNT, video: { S3Object: { Bucket: 'v', Name: 'a.mp4' } }, requestHash: `h${Math.random()}`, notificationChannel: CHANNEL, ...extra }, 20)).job;
  const complete = (jobId: string, atStep?: (step: CompletionStep) => void) =>
    completeJob({ store, notifier: notifierFor(ACCOUNT), now, onNotificationError: () => undefined, ...(atStep ? { atStep } : {}) }, ACCOUNT, jobId, SUCCEEDED);
  const republisher = (extra: Partial<RepublishDeps> = {}): RepublishDeps => ({ store, notifierFor, now, graceMs: GRACE, ...extra });
  const item = async (jobId: string) =>
    (await DynamoDBDocumentClient.from(dynamo.client).send(new GetCommand({ TableName: tableName, Key: { pk: `JOB#${jobId}`, sk: 'JOB' } }))).Item;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo({ path: await makeDataDir('pp-outbox-db-') });
  });
  afterAll(async () => dynamo?.close());
  beforeEach(async () => {
    tableName = `jobs-${++table}`;
    expect(await createJobsTable(dynamo.client, tableName)).toEqual({ owedIndex: true });
    store = new DynamoDbJobStore({ client: dynamo.client, tableName, now });
    sns = new StrictSns();
  });

  it('a publish that fails N times ends in exactly one notification once the fault clears', async () => {
    const job = await admit({ jobTag: 'retry' });
    sns.faults = ['ThrottledException', 'KMSAccessDeniedException', 'ThrottledException'];
    const finished = await complete(job.jobId);
    expect(finished?.status).toBe('SUCCEEDED');
    expect(finished?.notification).toBe('OWED');
    expect(sns.delivered).toEqual([]);

    // Within the grace the completer may still be publishing: not touched.
    clock += GRACE - 1;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0, sent: [] });
    clock += 1;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 1, failed: [job.jobId], stillOwed: 1 });
    // A claimed retry waits another grace (backoff); then the last fault, then the delivery.
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0 });
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 1, failed: [job.jobId] });
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 1, sent: [job.jobId], stillOwed: 0 });
    for (let i = 0; i < 3; i++) {
      clock += GRACE;
      expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0, sent: [] });
    }
    expect(sns.attempts).toBe(4);
    expect(sns.delivered).toHaveLength(1);
    expect(JSON.parse(sns.delivered[0].message)).toEqual({
      JobId: job.jobId,
      Status: 'SUCCEEDED',
      API: 'StartPersonTracking',
      JobTag: 'retry',
      Timestamp: finished!.completedAt,
      Video: { S3ObjectName: 'a.mp4', S3Bucket: 'v' },
    });
    const settled = await store.getJob(ACCOUNT, job.jobId);
    expect(settled).toMatchObject({ notification: 'SENT' });
    expect((await item(job.jobId))?.owed).toBeUndefined(); // out of the sparse index
  });

  it.each<[CompletionStep, number]>([
    ['after-finish', 1],
    ['after-publish', 2],
  ])('a completer that dies at %s: the re-publisher sends it, %i message(s) in all, all the same bytes', async (step, total) => {
    const job = await admit();
    const crash = new Error('process killed');
    await expect(complete(job.jobId, (s) => { if (s === step) throw crash; })).rejects.toBe(crash);
    expect((await store.getJob(ACCOUNT, job.jobId))?.status).toBe('SUCCEEDED');
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 1, sent: [job.jobId] });
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0 });
    expect(sns.delivered).toHaveLength(total);
    expect(new Set(sns.delivered.map((d) => d.message)).size).toBe(1);
  });

  it('a completer that dies before its store write: nothing is owed, nothing is sent (the reconciler fails or relaunches the job)', async () => {
    const job = await admit();
    await expect(complete(job.jobId, (s) => { if (s === 'before-finish') throw new Error('killed'); })).rejects.toThrow('killed');
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0 });
    expect(await complete(job.jobId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await store.getJob(ACCOUNT, job.jobId)).toMatchObject({ notification: 'SENT' });
    expect(sns.delivered).toHaveLength(1);
  });

  it('two re-publishers at once send an owed notification once; a retried completion sends nothing', async () => {
    const job = await admit();
    sns.faults = ['ThrottledException'];
    await complete(job.jobId);
    expect(await complete(job.jobId)).toBeUndefined();
    clock += GRACE;
    const reports = await Promise.all([republishOwedNotifications(republisher()), republishOwedNotifications(republisher()), republishOwedNotifications(republisher())]);
    expect(reports.flatMap((r) => r.sent)).toEqual([job.jobId]);
    expect(sns.delivered).toHaveLength(1);
  });

  it('only jobs with a NotificationChannel are owed, and a settle never recreates a deleted job or changes a settled one', async () => {
    const silent = await admit({ notificationChannel: undefined });
    expect(await complete(silent.jobId)).toMatchObject({ status: 'SUCCEEDED' });
    expect((await store.getJob(ACCOUNT, silent.jobId))?.notification).toBeUndefined();

    const gone = await admit();
    sns.faults = ['ThrottledException'];
    await complete(gone.jobId);
    await DynamoDBDocumentClient.from(dynamo.client).send(new DeleteCommand({ TableName: tableName, Key: { pk: `JOB#${gone.jobId}`, sk: 'JOB' } }));
    expect(await store.settleNotification(ACCOUNT, gone.jobId, 'SENT', clock)).toBe(false);
    expect(await item(gone.jobId)).toBeUndefined();

    const done = await admit();
    await complete(done.jobId);
    expect(await store.settleNotification(ACCOUNT, done.jobId, 'REFUSED', clock)).toBe(false);
    expect(await store.settleNotification(OTHER, done.jobId, 'SENT', clock)).toBe(false);
    expect((await store.getJob(ACCOUNT, done.jobId))?.notification).toBe('SENT');
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0 });
  });

  it('a local table made before the index existed keeps working: owed notifications are found by a scan there', async () => {
    const old = `jobs-old-${table}`;
    await createTableIfMissing(dynamo.client, {
      TableName: old,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(await createJobsTable(dynamo.client, old)).toEqual({ owedIndex: false });
    store = new DynamoDbJobStore({ client: dynamo.client, tableName: old, now, owedIndex: false });
    const job = await admit();
    sns.faults = ['ThrottledException'];
    await complete(job.jobId);
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 1, sent: [job.jobId] });
    expect(sns.delivered).toHaveLength(1);
  });

  it("a topic outside the job's account is refused by both notifiers with the same error, settled REFUSED and never retried", async () => {
    const foreign = { SNSTopicArn: `arn:aws:sns:eu-west-1:${OTHER}:AmazonRekognitionJobs`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/r` };
    const deployed = await notifierFor(ACCOUNT).publish(foreign, 'm').then(() => undefined, (e: Error) => e);
    const local = await new FileNotifier(`${await makeDataDir('pp-outbox-n-')}/n.ndjson`).forAccount(ACCOUNT).publish(foreign, 'm').then(() => undefined, (e: Error) => e);
    expect(deployed).toBeInstanceOf(Error);
    expect({ name: local?.name, message: local?.message }).toEqual({ name: deployed!.name, message: deployed!.message });
    expect(deployed!.message).toBe("notification topic is not in the job's account");

    const job = await admit({ notificationChannel: foreign });
    expect(await complete(job.jobId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await store.getJob(ACCOUNT, job.jobId)).toMatchObject({ notification: 'REFUSED' });
    clock += GRACE;
    expect(await republishOwedNotifications(republisher())).toMatchObject({ found: 0 });
    expect(sns.attempts).toBe(0);
  });
});
