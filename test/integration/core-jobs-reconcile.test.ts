/**
 * core's reconcileJobs with the real job store on dynalite and the real Step Functions adapters (SfnLauncher,
 * SfnExecutions). Step Functions itself cannot run here, so the adapters talk to a small in-memory stand-in that
 * keeps the two API behaviours they rely on: executions are named (a second StartExecution of a name throws
 * ExecutionAlreadyExists) and DescribeExecution of an unknown name throws ExecutionDoesNotExist. SNS is a recorder.
 */
import { DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { SfnExecutions, SfnLauncher, executionArn } from '../../adapters/sfn-launcher.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { NEVER_STARTED_MESSAGE, NOT_COMPLETED_MESSAGE, NOT_STARTED_MESSAGE, reconcileJobs } from '../../core/jobs/reconcile.js';
import type { ReconcileDeps } from '../../core/jobs/reconcile.js';
import type { JobRecord, NewJob } from '../../core/ports.js';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:PeoplePathingWorkflow';
const CHANNEL = { SNSTopicArn: 'arn:aws:sns:eu-west-1:111111111111:AmazonRekognitionJobs', RoleArn: 'arn:aws:iam::111111111111:role/r' };
const MIN = 60_000;

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** Step Functions as far as the adapters use it. `failStarts` makes StartExecution fail (service trouble). */
class FakeStepFunctions {
  readonly executions = new Map<string, { status: Status; input: string }>();
  starts = 0;
  failStarts = false;
  readonly stopped: string[] = [];

  async send(command: unknown): Promise<unknown> {
    const error = (name: string) => Object.assign(new Error(name), { name });
    if (command instanceof StartExecutionCommand) {
      this.starts++;
      if (this.failStarts) throw error('ServiceUnavailable');
      const { stateMachineArn, name, input } = command.input;
      const arn = executionArn(stateMachineArn as string, name as string);
      if (this.executions.has(arn)) throw error('ExecutionAlreadyExists');
      this.executions.set(arn, { status: 'RUNNING', input: input as string });
      return { executionArn: arn };
    }
    if (command instanceof StopExecutionCommand) {
      const found = this.executions.get(command.input.executionArn as string);
      if (!found) throw error('ExecutionDoesNotExist');
      if (found.status === 'RUNNING') found.status = 'ABORTED';
      this.stopped.push(command.input.executionArn as string);
      return {};
    }
    if (command instanceof DescribeExecutionCommand) {
      const found = this.executions.get(command.input.executionArn as string);
      if (!found) throw error('ExecutionDoesNotExist');
      return { status: found.status };
    }
    throw new Error('unexpected command');
  }

  end(jobId: string, status: Status): void {
    (this.executions.get(executionArn(STATE_MACHINE, jobId)) as { status: Status }).status = status;
  }
}

describe('reconcileJobs (jobs left IN_PROGRESS with nothing running them)', () => {
  let dynamo: EmbeddedDynamo;
  let store: DynamoDbJobStore;
  let sfn: FakeStepFunctions;
  let published: Array<{ topic: string; message: Record<string, unknown> }>;
  let clock = Date.UTC(2026, 5, 1);
  let table = 0;

  const newJob = (extra: Partial<NewJob> = {}): NewJob => ({
    accountId: '111111111111',
    video: { S3Object: { Bucket: 'videos', Name: 'street.mp4' } },
    requestHash: `h${Math.random()}`,
    notificationChannel: CHANNEL,
    jobTag: 'nightly',
    ...extra,
  });
  const deps = (): ReconcileDeps => {
    const client = sfn as unknown as Pick<SFNClient, 'send'>;
    return {
      store,
      launcher: new SfnLauncher(client, STATE_MACHINE),
      executions: new SfnExecutions(client, STATE_MACHINE),
      notifierFor: () => ({
        publish: async (channel, message) => {
          published.push({ topic: channel.SNSTopicArn, message: JSON.parse(message) as Record<string, unknown> });
        },
      }),
      graceMs: 5 * MIN,
      relaunchForMs: 60 * MIN,
      now: () => clock,
    };
  };
  const status = async (job: JobRecord) => (await store.getJob(job.accountId, job.jobId))?.status;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
  });
  beforeEach(async () => {
    const tableName = `jobs-${++table}`;
    await createJobsTable(dynamo.client, tableName);
    store = new DynamoDbJobStore({ client: dynamo.client, tableName, now: () => clock });
    sfn = new FakeStepFunctions();
    published = [];
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('launches a job that was admitted but never launched (the API crashed in between), once it is past the grace period', async () => {
    const { job } = await store.startJob(newJob(), 5);
    clock += 2 * MIN; // the API may still be launching it
    expect(await reconcileJobs(deps())).toMatchObject({ checked: 0, relaunched: [] });
    expect(sfn.starts).toBe(0);

    clock += 4 * MIN;
    expect(await reconcileJobs(deps())).toMatchObject({ checked: 1, relaunched: [job.jobId], failed: [] });
    const execution = sfn.executions.get(executionArn(STATE_MACHINE, job.jobId));
    expect(execution?.status).toBe('RUNNING');
    expect(JSON.parse(execution?.input as string)).toEqual({ jobId: job.jobId, accountId: job.accountId, video: job.video });
    expect(await status(job)).toBe('IN_PROGRESS');

    // Running now: later runs leave it alone.
    clock += 10 * MIN;
    expect(await reconcileJobs(deps())).toMatchObject({ checked: 1, relaunched: [], failed: [] });
    expect(sfn.starts).toBe(1);
    expect(published).toEqual([]);
  });

  it.each(['TIMED_OUT', 'ABORTED', 'FAILED', 'SUCCEEDED'] as const)(
    'fails and notifies, once, a job whose execution ended %s without finishing it, and frees its slot',
    async (ended) => {
      const { job } = await store.startJob(newJob(), 1);
      await new SfnLauncher(sfn as unknown as Pick<SFNClient, 'send'>, STATE_MACHINE).launch(job);
      await expect(store.startJob(newJob(), 1)).rejects.toThrow(/Maximum limit: 1/);
      sfn.end(job.jobId, ended);
      clock += 30 * MIN;

      expect(await reconcileJobs(deps())).toMatchObject({ failed: [job.jobId], relaunched: [] });
      const failed = await store.getJob(job.accountId, job.jobId);
      expect(failed).toMatchObject({ status: 'FAILED', statusMessage: NOT_COMPLETED_MESSAGE });
      expect(published).toEqual([
        {
          topic: CHANNEL.SNSTopicArn,
          message: expect.objectContaining({ JobId: job.jobId, Status: 'FAILED', API: 'StartPersonTracking', JobTag: 'nightly' }),
        },
      ]);
      expect((await store.startJob(newJob(), 1)).created).toBe(true); // the slot is free again

      clock += 10 * MIN;
      await reconcileJobs(deps());
      expect(published).toHaveLength(1);
    },
  );

  it('stops and fails, once, a job Batch cannot place after neverStartedMs; one waiting its turn and a started one are left running', async () => {
    const launcher = new SfnLauncher(sfn as unknown as Pick<SFNClient, 'send'>, STATE_MACHINE);
    const { job: waiting } = await store.startJob(newJob(), 5);
    const { job: started } = await store.startJob(newJob(), 5);
    const { job: queued } = await store.startJob(newJob(), 5);
    await launcher.launch(waiting);
    await launcher.launch(started);
    await launcher.launch(queued);
    // The second job's container came out of the queue (the tracker marks the job when it starts).
    await store.markStarted(started.accountId, started.jobId, clock + 10 * MIN);
    // What Batch's ListJobs says of each RUNNABLE job: the first blocks the queue, the third waits its turn (no reason).
    const reasons = new Map<string, string>([[waiting.jobId, 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.']]);
    const queue = { waitReasonOf: async (job: JobRecord) => reasons.get(job.jobId) };
    const withLimit = (): ReconcileDeps => ({ ...deps(), neverStartedMs: 7 * 60 * MIN, queue });

    clock += 6 * 60 * MIN; // still within the limit: Batch's own capacity cancel may come yet
    expect(await reconcileJobs(withLimit())).toMatchObject({ checked: 3, failed: [] });
    expect(sfn.stopped).toEqual([]);

    clock += 61 * MIN;
    expect(await reconcileJobs(withLimit())).toMatchObject({ checked: 3, failed: [waiting.jobId], waiting: [queued.jobId] });
    expect(await store.getJob(queued.accountId, queued.jobId)).toMatchObject({ status: 'IN_PROGRESS' });
    expect(sfn.stopped).toEqual([executionArn(STATE_MACHINE, waiting.jobId)]);
    expect(await store.getJob(waiting.accountId, waiting.jobId)).toMatchObject({ status: 'FAILED', statusMessage: NEVER_STARTED_MESSAGE });
    expect(await store.getJob(started.accountId, started.jobId)).toMatchObject({ status: 'IN_PROGRESS', startedAt: expect.any(Number) });
    expect(published.map((p) => [p.message.JobId, p.message.Status])).toEqual([[waiting.jobId, 'FAILED']]);

    // Without the limit (local mode, the Fargate path) nothing is stopped.
    const { job: other } = await store.startJob(newJob(), 5);
    await launcher.launch(other);
    reasons.set(other.jobId, 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [g5.xlarge]');
    clock += 8 * 60 * MIN;
    expect(await reconcileJobs(deps())).toMatchObject({ failed: [] });
    expect(sfn.stopped).toHaveLength(1);
    clock += 10 * MIN;
    expect(await reconcileJobs(withLimit())).toMatchObject({ failed: [other.jobId], waiting: [queued.jobId] });
    expect(published).toHaveLength(2);
    // The one waiting its turn, a day later, is still waiting, never failed.
    clock += 24 * 60 * MIN;
    expect(await reconcileJobs(withLimit())).toMatchObject({ failed: [], waiting: [queued.jobId] });
    expect(await store.getJob(queued.accountId, queued.jobId)).toMatchObject({ status: 'IN_PROGRESS' });
  });

  it('keeps trying a launch that fails, then fails the job after relaunchForMs', async () => {
    const { job } = await store.startJob(newJob(), 5);
    sfn.failStarts = true;
    clock += 6 * MIN;
    expect(await reconcileJobs(deps())).toMatchObject({ errors: [job.jobId], relaunched: [], failed: [] });
    expect(await status(job)).toBe('IN_PROGRESS');

    clock += 55 * MIN;
    expect(await reconcileJobs(deps())).toMatchObject({ failed: [job.jobId] });
    expect(await store.getJob(job.accountId, job.jobId)).toMatchObject({ status: 'FAILED', statusMessage: NOT_STARTED_MESSAGE });
    expect(published.map((p) => p.message.Status)).toEqual(['FAILED']);
  });

  it('leaves running and redriving executions alone, and never overwrites a job its workflow finished meanwhile', async () => {
    const launcher = new SfnLauncher(sfn as unknown as Pick<SFNClient, 'send'>, STATE_MACHINE);
    const running = (await store.startJob(newJob(), 5)).job;
    const redriving = (await store.startJob(newJob(), 5)).job;
    const racing = (await store.startJob(newJob(), 5)).job;
    for (const j of [running, redriving, racing]) await launcher.launch(j);
    sfn.end(redriving.jobId, 'PENDING_REDRIVE');
    clock += 30 * MIN;

    // The racing job's workflow completes it between the listing and the lookup, then its execution ends.
    const base = deps();
    const report = await reconcileJobs({
      ...base,
      executions: {
        stateOf: async (job) => {
          if (job.jobId === racing.jobId) {
            await store.finishJob(job.accountId, job.jobId, {
              status: 'SUCCEEDED',
              videoMetadata: { Codec: 'h264', DurationMillis: 1000, Format: 'QuickTime / MOV', FrameRate: 25, FrameHeight: 720, FrameWidth: 1280, ColorRange: 'LIMITED' },
              resultsLocation: 'results/x',
            });
            sfn.end(job.jobId, 'SUCCEEDED');
          }
          return base.executions.stateOf(job);
        },
      },
    });
    expect(report).toMatchObject({ checked: 3, relaunched: [], failed: [] });
    expect(await status(running)).toBe('IN_PROGRESS');
    expect(await status(redriving)).toBe('IN_PROGRESS');
    expect(await status(racing)).toBe('SUCCEEDED');
    expect(published).toEqual([]);
  });
});

describe('reconcileJobs: concurrency slots left taken by a crash', () => {
  let dynamo: EmbeddedDynamo;
  let store: DynamoDbJobStore;
  let doc: DynamoDBDocumentClient;
  let tableName = '';
  let clock = Date.UTC(2026, 6, 1);
  let table = 0;
  const ACCOUNT = '222222222222';

  const start = async (limit = 2) =>
    (await store.startJob({ accountId: ACCOUNT, video: { S3Object: { Bucket: 'videos', Name: 'v.mp4' } }, requestHash: `h${Math.random()}` }, limit)).job;
  /** What a crash between admission's counter update and its job write leaves behind: the counter one up. */
  const leakSlot = () =>
    doc.send(new UpdateCommand({ TableName: tableName, Key: { pk: `ACCOUNT#${ACCOUNT}`, sk: 'CONCURRENCY' }, UpdateExpression: 'ADD running :one', ExpressionAttributeValues: { ':one': 1 } }));
  const running = async () => (await store.listSlotCounters()).find((c) => c.accountId === ACCOUNT)?.running;
  const deps = (slotAuditMs: number): ReconcileDeps => ({
    store,
    launcher: { launch: async () => undefined },
    executions: { stateOf: async () => 'RUNNING' },
    notifierFor: () => ({ publish: async () => undefined }),
    graceMs: 5 * MIN,
    relaunchForMs: 60 * MIN,
    slotAuditMs,
    now: () => clock,
  });

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    doc = DynamoDBDocumentClient.from(dynamo.client);
  });
  beforeEach(async () => {
    tableName = `slots-${++table}`;
    await createJobsTable(dynamo.client, tableName);
    store = new DynamoDbJobStore({ client: dynamo.client, tableName, now: () => clock });
  });
  afterAll(async () => {
    await dynamo?.close();
  });

  it('gives a leaked slot back once a second look, slotAuditMs later, sees the same counter and jobs', async () => {
    await start();
    await leakSlot();
    await expect(start()).rejects.toThrow(/2 open Jobs for User 222222222222 Maximum limit: 2/); // one job, two slots taken

    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({}); // first look: noted, not corrected
    expect(await running()).toBe(2);
    clock += 4 * MIN;
    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({});
    clock += 6 * MIN;
    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({ [ACCOUNT]: 1 });
    expect(await running()).toBe(1);
    expect((await store.listSlotCounters())[0].suspect).toBeUndefined();
    await start(); // the account can use its second slot again
  });

  it('leaves a counter alone when it moved between the two looks (a start or a finish in between)', async () => {
    const first = await start(5);
    await leakSlot();
    await reconcileJobs(deps(5 * MIN));
    await start(5); // counter 3, jobs 2: the excess is the same, the counter is not
    clock += 10 * MIN;
    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({}); // a new first look
    await store.finishJob(ACCOUNT, first.jobId, { status: 'FAILED', statusMessage: 'x' });
    clock += 10 * MIN;
    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({});
    clock += 10 * MIN;
    expect((await reconcileJobs(deps(5 * MIN))).slotsFreed).toEqual({ [ACCOUNT]: 1 });
    expect(await running()).toBe(1);
  });

  it('never lowers a counter below the IN_PROGRESS jobs, and with slotAuditMs 0 corrects at once (local start-up)', async () => {
    await start(5);
    await start(5);
    expect((await reconcileJobs(deps(0))).slotsFreed).toEqual({});
    expect(await running()).toBe(2);
    await leakSlot();
    await leakSlot();
    expect((await reconcileJobs(deps(0))).slotsFreed).toEqual({ [ACCOUNT]: 2 });
    expect(await running()).toBe(2);
  });
});

describe('executionArn', () => {
  it("names a job's execution under its state machine", () => {
    expect(executionArn(STATE_MACHINE, 'abc')).toBe('arn:aws:states:eu-west-1:111111111111:execution:PeoplePathingWorkflow:abc');
    expect(() => executionArn('arn:aws:sns:eu-west-1:111111111111:topic', 'abc')).toThrow();
  });
});
