/**
 * The synthesised state machine definition itself, executed locally (aws-local-stepfunctions), with every
 * Task overridden by a local function:
 *   - Prepare / Complete / HandleFailure → the real workflow step code (lambdas/workflow/steps.ts) on the real
 *     job store (DynamoDbJobStore on dynalite) and a real S3-compatible server (s3rver) for videos and results;
 *   - RunTracker (AWS Batch submitJob.sync, which cannot run here) → a stand-in that runs the real tracker
 *     container entry (runTrackerJob: download from S3, real ffprobe, the real engine with YOLOX-nano, upload)
 *     and answers like Batch: the job description on success, States.TaskFailed with the job as Cause on failure;
 *   - SNS and STS (cannot run here) → recording fakes. The notifier's code around them is the real one;
 *   - long videos: PlanSegments / StitchSegments → the real segment step code (lambdas/workflow/segment-steps.ts)
 *     on s3rver, PlanSegments reading the video's header with ranged reads through the owner-checking proxy and
 *     the synthesised Lambda's split settings unless a test sets shorter ones; RunSegments (a Batch array job) → one real container process per child index, as Batch runs
 *     them (AWS_BATCH_JOB_ARRAY_INDEX, AWS_BATCH_JOB_ID = parent:index), against a recording fake of Batch's
 *     TerminateJob; a terminated parent kills its running children, and a failed child fails the array job.
 * Each case asserts the final job record and the exact completion message (or that none was published).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { resolveConfig } from '../../lib/config.js';
import { PeoplePathingStack } from '../../lib/people-pathing-stack.js';
import { STATE } from '../../lib/workflow.js';
import { startEmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import type { EmbeddedDynamo } from '../../cli/local/embedded-dynamo.js';
import { DynamoDbJobStore, createJobsTable } from '../../adapters/dynamodb-job-store.js';
import { S3ResultsStore } from '../../adapters/s3-results-store.js';
import { CallerRoleNotifier } from '../../adapters/sns-notifier.js';
import { createWorkflowSteps, MAX_RESUBMITS } from '../../lambdas/workflow/steps.js';
import { STATUS_MESSAGES, resultsPrefixFor } from '../../core/tracker-protocol.js';
import { PLAN_FILE, type PlanFile } from '../../core/segment-protocol.js';
import { createSegmentSteps } from '../../lambdas/workflow/segment-steps.js';
import { s3ByteRange } from '../../adapters/s3-byte-range.js';
import { splitSettingsFrom, type SplitSettings } from '../../core/segment-plan.js';
import { SEGMENT_STATE } from '../../lib/segmented-workflow.js';
import { createServer, type Server } from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { createEngineProcessor } from '../../containers/tracker/src/index.js';
import { LocalFolderSource } from '../../core/results-format.js';
import { probeVideo, toVideoMetadata } from '../../containers/tracker/src/index.js';
import { ResultsReader } from '../../core/results-format.js';
import type { JobRecord, NewJob } from '../../core/ports.js';
import type { NotificationChannel, Video } from '../../core/types.js';
import { DATA, describeWithData, MODELS, YOLOX } from './engine-data.js';
import { startOwnerProxy } from '../fixtures/s3-owner-proxy.js';
import { BatchClient } from '@aws-sdk/client-batch';
import { BatchQueueLookup } from '../../adapters/batch-queue.js';
import { batchFailedArrayChildren } from '../../adapters/batch-array-children.js';
import { NEVER_STARTED_MESSAGE, reconcileJobs } from '../../core/jobs/reconcile.js';
import { GRACE_MS, RELAUNCH_FOR_MS } from '../../lambdas/workflow/reconcile.js';
import { NEVER_STARTED_LIMIT } from '../../lib/tracker-batch.js';
import type { OwnerProxy } from '../fixtures/s3-owner-proxy.js';

// aws-local-stepfunctions 3 targets Node >= 22; Node 20 lacks Promise.withResolvers.
if (!('withResolvers' in Promise)) {
  Object.assign(Promise, {
    withResolvers<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
      return { promise, resolve, reject };
    },
  });
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:AmazonRekognitionPeoplePathing`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/RekognitionPublisher`;
const INPUT_BUCKET = 'input-videos';
/** A bucket of another account, readable by the service's role (as a cross-account bucket policy could make it). */
const FOREIGN_BUCKET = 'other-account-videos';
const RESULTS_BUCKET = 'results-bucket';
const VIDEO_FILE = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver is CommonJS without types.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;

type Json = Record<string, unknown>;

/** The state machine's definition from the synthesised template, with CloudFormation tokens made concrete. */
function synthesisedDefinition(): {
  definition: Json;
  jobDefinitionEnv: string[];
  /** The job definition's environment values. */
  jobDefinitionValues: Record<string, string>;
  /** The PlanSegments Lambda's environment (the stack's split settings). */
  planEnv: Record<string, string>;
  roles: { complete: RoleGrants; handleFailure: RoleGrants };
  /** What CloudFormation does with the revision an update replaces: keeps it (Retain) or deregisters it. */
  jobDefinitionRetainedOnUpdate: boolean;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new PeoplePathingStack(app, 'WorkflowTest', { config: resolveConfig({ inputBuckets: [INPUT_BUCKET] }), env: { account: ACCOUNT, region: REGION } });
  const template = Template.fromStack(stack);
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const resolve = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Json;
    if ('Ref' in o) {
      const ref = o.Ref as string;
      // A job definition's Ref is its ARN with the revision CloudFormation registered: 1 at the first deploy.
      if (template.toJSON().Resources[ref]?.Type === 'AWS::Batch::JobDefinition') return `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${ref}:1`;
      return ({ 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' } as Json)[ref] as string ?? `arn:aws:batch:${REGION}:${ACCOUNT}:ref/${ref}`;
    }
    if ('Fn::GetAtt' in o) {
      const [id] = o['Fn::GetAtt'] as [string, string];
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(sep);
    }
    throw new Error(`unresolved token ${JSON.stringify(v)}`);
  };
  const [jobDef] = Object.values(template.findResources('AWS::Batch::JobDefinition'));
  const jobDefinitionRetainedOnUpdate = jobDef.UpdateReplacePolicy === 'Retain';
  const env = (jobDef.Properties.ContainerProperties.Environment as { Name: string }[]).map((e) => e.Name);
  const resultsBucketId = Object.keys(template.findResources('AWS::S3::Bucket')).find((k) => k.startsWith('StateResults')) as string;
  const roleOf = (fnPrefix: string): RoleGrants => {
    const fns = template.findResources('AWS::Lambda::Function');
    const fnId = Object.keys(fns).find((k) => k.startsWith(fnPrefix)) as string;
    const roleId = (fns[fnId].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => ((p.Properties.Roles ?? []) as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    return { statements, resultsBucketArn: { 'Fn::GetAtt': [resultsBucketId, 'Arn'] } };
  };
  return {
    definition: JSON.parse(resolve(sm.Properties.DefinitionString)) as Json,
    jobDefinitionEnv: env,
    jobDefinitionValues: Object.fromEntries((jobDef.Properties.ContainerProperties.Environment as { Name: string; Value: string }[]).map((e) => [e.Name, e.Value])),
    roles: { complete: roleOf('CompleteFn'), handleFailure: roleOf('HandleFailureFn') },
    jobDefinitionRetainedOnUpdate,
    planEnv: (() => {
      const fns = template.findResources('AWS::Lambda::Function');
      const id = Object.keys(fns).find((k) => k.startsWith('PlanSegmentsFn')) as string;
      return Object.fromEntries(
        Object.entries(fns[id].Properties.Environment.Variables as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
      );
    })(),
  };
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: { StringLike?: Record<string, string | string[]> };
}
interface RoleGrants {
  statements: Statement[];
  resultsBucketArn: unknown;
}

const glob = (pattern: string) => new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');

/**
 * What S3 does for a GetObject of a missing key: 404 NoSuchKey only when the caller may list the bucket (for that
 * key: an s3:prefix condition must cover it), otherwise 403 AccessDenied. Read from the role's synthesised policy.
 */
function mayList(role: RoleGrants, key: string): boolean {
  return role.statements.some((st) => {
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    if (st.Effect !== 'Allow' || !actions.includes('s3:ListBucket')) return false;
    const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
    if (!resources.some((r) => JSON.stringify(r) === JSON.stringify(role.resultsBucketArn))) return false;
    const conditions = Object.entries(st.Condition ?? {});
    if (conditions.some(([op]) => op !== 'StringLike')) return false;
    const prefixes = st.Condition?.StringLike?.['s3:prefix'];
    if (prefixes === undefined) return conditions.length === 0;
    return (Array.isArray(prefixes) ? prefixes : [prefixes]).some((p) => glob(p).test(key));
  });
}

class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** What Step Functions' Batch integration reports for a failed job (Cause = the DescribeJobs job). */
function batchFailure(jobName: string, statusReason: string, exitCode?: number, attempts = 1): StatesError {
  const attempt = { StatusReason: statusReason, Container: exitCode === undefined ? {} : { ExitCode: exitCode } };
  return new StatesError(
    'States.TaskFailed',
    JSON.stringify({ JobName: jobName, JobId: `batch-${jobName}`, Status: 'FAILED', StatusReason: statusReason, Attempts: Array(attempts).fill(attempt), Container: attempt.Container }),
  );
}

const describeData = describeWithData(VIDEO_FILE, YOLOX);

describeData('workflow state machine, executed locally', () => {
  const { definition, jobDefinitionEnv, roles, jobDefinitionRetainedOnUpdate, planEnv } = synthesisedDefinition();
  /** PlanSegments' split settings in the current test: the synthesised Lambda's unless the test sets shorter ones. */
  let split: SplitSettings;
  /** What PlanSegments logged in the current test. */
  let planLogs: Array<Record<string, unknown>> = [];
  /** Batch's job definition revisions: an INACTIVE (deregistered) one cannot be submitted. */
  const inactiveDefinitions = new Set<string>();
  /** An S3 outage for the workflow steps (every call answers 503), to drive the catch-alls. */
  let s3Down = false;
  /** The metrics the workflow steps emitted in the current test. */
  let counted: string[] = [];
  let measured: [string, number][] = [];
  let dir: string;
  let dynamo: EmbeddedDynamo;
  /** What the engine itself says of an undecodable upload (the StatusMessage such a job must end with). */
  const undecodableMessage = (): Promise<string> =>
    probeVideo(join(dir, 'not-a-video.mp4')).then(
      () => 'probe unexpectedly succeeded',
      (e: Error) => e.message,
    );
  let store: DynamoDbJobStore;
  let server: S3rverServer;
  let s3: S3Client;
  let published: { region: string; assumed: boolean; topic?: string; message?: string; subject?: string }[];
  let stsAnswer: 'deny' | 'allow';
  let s3Endpoint: string;
  let ownerProxy: OwnerProxy;
  const containerLogs: string[] = [];
  let batchServer: Server;
  let batchEndpoint: string;
  const terminated: Array<{ jobId?: string; reason?: string }> = [];
  /** The GPU queue as ListJobs shows it: the stand-in of RunTracker registers each submission here. */
  /** The children of each array job the fake ran, as ListJobs summarises them. */
  const arrayChildren = new Map<string, { jobId: string; status: string; statusReason?: string; arrayProperties: { index: number } }[]>();
  const batchJobs = new Map<string, { jobId: string; jobName: string; status: string; statusReason?: string; createdAt: number }>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-workflow-'));
    dynamo = await startEmbeddedDynamo();
    await createJobsTable(dynamo.client, 'jobs');
    store = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs' });
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3') });
    const { port } = await server.run();
    s3Endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({ endpoint: s3Endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    // The container reaches S3 through a proxy that checks ExpectedBucketOwner as S3 does (s3rver ignores it).
    ownerProxy = await startOwnerProxy(s3Endpoint, { [INPUT_BUCKET]: ACCOUNT, [RESULTS_BUCKET]: '000000000000', [FOREIGN_BUCKET]: '999999999999' });
    await s3.send(new CreateBucketCommand({ Bucket: FOREIGN_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: FOREIGN_BUCKET, Key: 'street/night.mp4', Body: await readFile(VIDEO_FILE) }));
    await s3.send(new CreateBucketCommand({ Bucket: INPUT_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: RESULTS_BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: INPUT_BUCKET, Key: 'street/night.mp4', Body: await readFile(VIDEO_FILE) }));
    await writeFile(join(dir, 'not-a-video.mp4'), 'this is a text file, not an MP4\n'.repeat(64));
    await s3.send(new PutObjectCommand({ Bucket: INPUT_BUCKET, Key: 'broken/upload.mp4', Body: await readFile(join(dir, 'not-a-video.mp4')) }));
    // 24 s of the PETS09 walk: 3 segments of 8 s with 2 s overlaps when the stack's plan is made that short.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'), '-t', '24', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-an', join(dir, 'walk.mp4')]);
    await s3.send(new PutObjectCommand({ Bucket: INPUT_BUCKET, Key: 'long/walk.mp4', Body: await readFile(join(dir, 'walk.mp4')) }));
    await s3.send(new PutObjectCommand({ Bucket: FOREIGN_BUCKET, Key: 'long/walk.mp4', Body: await readFile(join(dir, 'walk.mp4')) }));
    // Batch's TerminateJob (REST-JSON POST /v1/terminatejob), recorded.
    batchServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/terminatejob') {
          terminated.push(JSON.parse(body) as { jobId?: string; reason?: string });
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else if (req.method === 'POST' && req.url === '/v1/listjobs' && (JSON.parse(body) as { arrayJobId?: string }).arrayJobId !== undefined) {
          // ListJobs of an array job's children, by status (Batch's default is RUNNING): one page of summaries.
          const { arrayJobId, jobStatus, jobQueue } = JSON.parse(body) as { arrayJobId: string; jobStatus?: string; jobQueue?: string };
          if (jobQueue !== undefined) {
            res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"only one of jobQueue, arrayJobId, multiNodeJobId"}');
            return;
          }
          const jobSummaryList = (arrayChildren.get(arrayJobId) ?? []).filter((c) => c.status === (jobStatus ?? 'RUNNING'));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobSummaryList }));
        } else if (req.method === 'POST' && req.url === '/v1/listjobs') {
          // ListJobs with a JOB_NAME filter (a trailing * matches a prefix): jobs of every status, as Batch answers it.
          const { filters } = JSON.parse(body) as { filters?: { name: string; values: string[] }[] };
          const [value] = filters?.find((f) => f.name === 'JOB_NAME')?.values ?? [];
          const matches = (name: string) => (value?.endsWith('*') ? name.startsWith(value.slice(0, -1)) : name === value);
          const jobSummaryList = [...batchJobs.values()].filter((j) => value !== undefined && matches(j.jobName));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jobSummaryList }));
        } else {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"unexpected request"}');
        }
      });
    });
    await new Promise<void>((r) => batchServer.listen(0, '127.0.0.1', r));
    batchEndpoint = `http://127.0.0.1:${(batchServer.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await ownerProxy?.close();
    s3?.destroy();
    await new Promise((r) => batchServer?.close(r));
    await server?.close();
    await dynamo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    published = [];
    stsAnswer = 'deny';
    s3Down = false;
    counted = [];
    measured = [];
    terminated.length = 0;
    faults = {};
    stepCalls = {};
    split = splitSettingsFrom(planEnv);
    planLogs = [];
  });

  /** s3rver (which answers 404 to anyone) made as strict as S3 for a Lambda with the given role. */
  const s3As = (role: RoleGrants): Pick<S3Client, 'send'> => ({
    send: (async (command: GetObjectCommand) => {
      if (s3Down) throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
      try {
        return await s3.send(command);
      } catch (error) {
        const name = (error as Error).name;
        if (command instanceof GetObjectCommand && (name === 'NoSuchKey' || name === 'NotFound') && !mayList(role, command.input.Key ?? '')) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        }
        throw error;
      }
    }) as never,
  });

  /** SNS and STS as recorders (the notifier's own code is the real one). */
  const notifierFor = (accountId: string) =>
    new CallerRoleNotifier({
      accountId,
      allowList: ['arn:aws:sns:*:*:AmazonRekognition*'],
      sts: {
        send: async () => {
          if (stsAnswer === 'deny') throw Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' });
          return { Credentials: { AccessKeyId: 'ASIAFAKE', SecretAccessKey: 'secret', SessionToken: 'token' } };
        },
      } as never,
      snsFor: (region, credentials) =>
        ({
          send: async (command: { input: { TopicArn?: string; Message?: string; Subject?: string } }) => {
            published.push({ region, assumed: credentials !== undefined, topic: command.input.TopicArn, message: command.input.Message, subject: command.input.Subject });
            return { MessageId: 'm-1' };
          },
        }) as never,
    });

  const steps = (role: RoleGrants) =>
    createWorkflowSteps({
      store,
      s3: s3As(role),
      resultsBucket: RESULTS_BUCKET,
      count: (metric) => counted.push(metric),
      measure: (metric, value) => measured.push([metric, value]),
      notifierFor,
      failedArrayChildren: batchFailedArrayChildren(
        new BatchClient({ endpoint: batchEndpoint, region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      ),
    });

  async function admit(key: string, extra: { jobTag?: string; channel?: NotificationChannel; bucket?: string } = {}): Promise<JobRecord> {
    const video: Video = { S3Object: { Bucket: extra.bucket ?? INPUT_BUCKET, Name: key } };
    const job: NewJob = { accountId: ACCOUNT, video, jobTag: extra.jobTag, notificationChannel: extra.channel, requestHash: `${key}-${Math.random()}` };
    return (await store.startJob(job, 100)).job;
  }

  /**
   * Faults injected in front of a Lambda step, by state name: each call takes the next entry, if any — an error to
   * throw instead of running the step (what Step Functions reports when the Invoke API fails), or 's3-down' to run
   * the real step while S3 answers 503 to it, or a function given the real step to run.
   */
  type Fault = Error | 's3-down' | ((run: () => Promise<unknown>) => Promise<unknown>);
  let faults: Record<string, Fault[]> = {};
  /** Calls of each Lambda step in the last execution, by state name. */
  let stepCalls: Record<string, number> = {};
  const lambdaError = (name: string) => Object.assign(new Error(`${name}: Rate Exceeded.`), { name });
  async function withFaults<T>(state: string, run: () => Promise<T>): Promise<T> {
    stepCalls[state] = (stepCalls[state] ?? 0) + 1;
    const fault = faults[state]?.shift();
    if (fault instanceof Error) throw fault;
    if (typeof fault === 'function') return fault(run) as Promise<T>;
    if (fault !== 's3-down') return run();
    s3Down = true;
    try {
      return await run();
    } finally {
      s3Down = false;
    }
  }

  type ArrayJob = (env: Record<string, string>, size: number) => Promise<Json>;
  /** Runs the definition; `batch` answers each RunTracker submission, `arrayJob` each RunSegments one. */
  let handleFailureCalls = 0;
  async function execute(
    job: JobRecord,
    batch: (env: Record<string, string>, call: number) => Promise<Json>,
    arrayJob?: ArrayJob,
    submittedAt = new Date(),
    onRunning?: (stop: () => void) => void,
  ) {
    handleFailureCalls = 0;
    // Each Lambda step with its own role's S3 permissions (Prepare reads no S3).
    const completeSteps = steps(roles.complete);
    const failureSteps = steps(roles.handleFailure);
    // s3rver stores aws-chunked uploads (the SDK's default for streamed bodies) verbatim: checksums only when required.
    const stitchS3 = new S3Client({ endpoint: s3Endpoint, region: REGION, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    // PlanSegments reads the caller's video through the proxy that checks ExpectedBucketOwner as S3 does.
    const planS3 = new S3Client({ endpoint: ownerProxy.endpoint, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const seg = createSegmentSteps({
      s3: stitchS3,
      resultsBucket: RESULTS_BUCKET,
      workDir: dir,
      split,
      videoBytes: (video, accountId) => s3ByteRange(planS3, video, accountId),
      log: (message, fields) => planLogs.push({ message, ...fields }),
    });
    const submissions: Record<string, string>[] = [];
    const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const execution = machine.run(
      { jobId: job.jobId, accountId: job.accountId, video: job.video } as never,
      {
        // The context object Step Functions gives each state ($$.State.EnteredTime: when RunTracker was entered).
        context: { Execution: { Id: `exec-${job.jobId}`, Name: job.jobId, StartTime: submittedAt.toISOString() }, State: { EnteredTime: submittedAt.toISOString(), Name: STATE.runTracker, RetryCount: 0 } },
        overrides: {
          retryIntervalOverrides: { [STATE.prepare]: 0, [STATE.complete]: 0, [STATE.handleFailure]: 0, [STATE.failJob]: 0, [SEGMENT_STATE.handleFailure]: 0, [SEGMENT_STATE.plan]: 0 },
          taskResourceLocalHandlers: {
            [STATE.prepare]: (input) => withFaults(STATE.prepare, () => completeSteps.prepare(input as never)) as never,
            [STATE.complete]: (input) => withFaults(STATE.complete, () => completeSteps.complete(input as never)) as never,
            [STATE.handleFailure]: (input) => {
              handleFailureCalls += 1;
              return failureSteps.handleFailure(input as never) as never;
            },
            // FailJob is the HandleFailure Lambda, told the failure is final.
            [STATE.failJob]: (input) => failureSteps.handleFailure(input as never) as never,
            // The HandleFailure Lambda again, for the segments array job.
            [SEGMENT_STATE.handleFailure]: (input) => {
              handleFailureCalls += 1;
              return failureSteps.handleFailure(input as never) as never;
            },
            [SEGMENT_STATE.plan]: (input) => withFaults(SEGMENT_STATE.plan, () => seg.plan(input as never)) as never,
            [SEGMENT_STATE.stitch]: (input) => seg.stitch(input as never) as never,
            [SEGMENT_STATE.runSegments]: async (input) => {
              const params = input as { JobName: string; ArrayProperties: { Size: number }; ContainerOverrides: { Environment: { Name: string; Value: string }[] } };
              if (!arrayJob) throw new Error('no array job expected');
              const env = Object.fromEntries(params.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
              env.JOB_NAME = params.JobName;
              return arrayJob(env, params.ArrayProperties.Size) as never;
            },
            [STATE.runTracker]: async (input) => {
              const params = input as { JobName: string; JobQueue: string; JobDefinition: string; ContainerOverrides: { Environment: { Name: string; Value: string }[] } };
              // SubmitJob refuses a deregistered revision (Step Functions reports Batch's ClientException).
              if (inactiveDefinitions.has(params.JobDefinition)) {
                throw new StatesError('Batch.ClientException', `Job definition ${params.JobDefinition} is INACTIVE and cannot be used to submit jobs.`);
              }
              const env = Object.fromEntries(params.ContainerOverrides.Environment.map((e) => [e.Name, e.Value]));
              env.JOB_NAME = params.JobName;
              submissions.push(env);
              return batch(env, submissions.length) as never;
            },
          },
        },
      },
    );
    // StopExecution (the reconciler's): the execution ends ABORTED, running no more states.
    let stopped = false;
    onRunning?.(() => {
      stopped = true;
      execution.abort();
    });
    const output = await (execution.result as Promise<Json>)
      .catch((error: unknown) => {
        if (stopped) return { aborted: true } as Json;
        throw error;
      })
      .finally(() => {
        stitchS3.destroy();
        planS3.destroy();
      });
    if (process.env.PP_DEBUG) console.log(JSON.stringify(output));
    return { output, submissions, record: await store.getJob(job.accountId, job.jobId) };
  }

  /**
   * The real container entry (containers/tracker/src/container/main.ts) as a process, as Batch runs it: the
   * job definition's environment plus the workflow's overrides; S3 and DynamoDB point at s3rver and dynalite.
   * A non-zero exit becomes what Step Functions reports for a failed Batch job.
   */
  async function runContainer(env: Record<string, string>, extra: Record<string, string> = {}): Promise<Json> {
    for (const name of ['JOBS_TABLE', 'RESULTS_BUCKET']) expect(jobDefinitionEnv).toContain(name);
    const child = spawn(process.execPath, ['--import', 'tsx', 'containers/tracker/src/container/main.ts'], {
      env: containerEnv({ ...env, ...extra }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    containerLogs.push(stdout);
    if (process.env.PP_DEBUG) console.log(stdout);
    if (exitCode !== 0) throw batchFailure(env.JOB_NAME, 'Essential container in task exited', exitCode);
    return { JobId: `batch-${env.JOB_NAME}`, JobName: env.JOB_NAME, Status: 'SUCCEEDED' };
  }

  /** The container's environment as Batch gives it: the job definition's plus the workflow's overrides. */
  function containerEnv(env: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      JOBS_TABLE: 'jobs',
      RESULTS_BUCKET,
      PEOPLE_PATHING_MODEL: YOLOX,
      PEOPLE_PATHING_MODEL_KIND: 'yolox',
      // The image's models folder (re-ID, faces), as its Dockerfile sets it; never the public URLs.
      PEOPLE_PATHING_MODELS_DIR: MODELS,
      PEOPLE_PATHING_MODELS_URL: process.env.PEOPLE_PATHING_MODELS_URL ?? 'http://127.0.0.1:9',
      TRACKER_WORK_DIR: join(dir, 'scratch'),
      AWS_REGION: REGION,
      // s3rver accepts only its own key pair; dynalite accepts any.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: ownerProxy.endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      // s3rver stores aws-chunked uploads (the SDK's default for streamed bodies with checksums) verbatim.
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ...env,
    };
  }

  /**
   * A Batch array job of real container processes, two at a time: child k gets AWS_BATCH_JOB_ARRAY_INDEX=k and
   * AWS_BATCH_JOB_ID=<parent>:k. When TerminateJob names the parent, running children are killed and no more start;
   * a failed child fails the array job (States.TaskFailed, as Step Functions reports a FAILED parent).
   */
  function arrayOfContainers(
    extra: Record<string, string>,
    perChild: (k: number) => Record<string, string> = () => ({}),
    /** Child k of the n-th submission (1-based) loses every attempt's Spot instance: it never runs and FAILS with Batch's host reason. */
    lost: (k: number, submission: number) => boolean = () => false,
  ): ArrayJob & { started: number[]; ran: number[][] } {
    const started: number[] = [];
    const ran: number[][] = [];
    const run = async (env: Record<string, string>, size: number): Promise<Json> => {
      ran.push([]);
      const submission = ran.length;
      // Each submission is a new array job (a new id).
      const parent = submission === 1 ? `batch-${env.JOB_NAME}` : `batch-${env.JOB_NAME}-${submission}`;
      const children: { jobId: string; status: string; statusReason?: string; arrayProperties: { index: number } }[] = [];
      arrayChildren.set(parent, children);
      const running = new Set<ChildProcess>();
      let next = 0;
      let failed: number | undefined;
      let anyLost = false;
      const stopped = () => terminated.some((t) => t.jobId === parent);
      const lane = async (): Promise<void> => {
        while (next < size && !stopped()) {
          const k = next++;
          const child = { jobId: `${parent}:${k}`, arrayProperties: { index: k } };
          if (lost(k, submission)) {
            anyLost = true;
            children.push({ ...child, status: 'FAILED', statusReason: `Host EC2 (instance i-0${k}23456789abcdef) terminated.` });
            continue;
          }
          started.push(k);
          ran[submission - 1].push(k);
          const code = await runChildProcess({ ...env, ...extra, ...perChild(k), AWS_BATCH_JOB_ARRAY_INDEX: String(k), AWS_BATCH_JOB_ID: `${parent}:${k}` }, running);
          children.push({ ...child, status: code === 0 ? 'SUCCEEDED' : 'FAILED', ...(code === 0 ? {} : { statusReason: 'Essential container in task exited' }) });
          if (code !== 0 && failed === undefined) failed = code;
          if (stopped()) for (const c of running) c.kill('SIGKILL');
        }
      };
      await Promise.all([lane(), lane()]);
      if (failed !== undefined || stopped()) throw batchFailure(env.JOB_NAME, 'Essential container in task exited', failed ?? 137);
      // A parent whose children failed says only that; the reasons are the children's.
      if (anyLost) {
        throw new StatesError(
          'States.TaskFailed',
          JSON.stringify({ JobName: env.JOB_NAME, JobId: parent, Status: 'FAILED', StatusReason: 'Array Child Job failed', Attempts: [], ArrayProperties: { Size: size } }),
        );
      }
      return { JobId: parent, JobName: env.JOB_NAME, Status: 'SUCCEEDED' };
    };
    return Object.assign(run, { started, ran });
  }

  async function runChildProcess(env: Record<string, string>, running: Set<ChildProcess>): Promise<number> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'containers/tracker/src/container/main.ts'], {
      env: { ...containerEnv(env), AWS_ENDPOINT_URL_BATCH: batchEndpoint },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 137)));
    running.delete(child);
    containerLogs.push(out);
    if (process.env.PP_DEBUG) console.log(out);
    return code;
  }

  const expectedMessage = (job: JobRecord, status: string, timestamp: number, key: string, jobTag?: string, bucket = INPUT_BUCKET) =>
    `{"JobId":"${job.jobId}","Status":"${status}","API":"StartPersonTracking",${jobTag ? `"JobTag":"${jobTag}",` : ''}"Timestamp":${timestamp},"Video":{"S3ObjectName":"${key}","S3Bucket":"${bucket}"}}`;

  test('success: the tracker runs once, the job is SUCCEEDED with its VideoMetadata, results are pageable, one message', async () => {
    const job = await admit('street/night.mp4', { jobTag: 'nightly:run-7', channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    let progressWhenTrackerExited: number | undefined;
    const { output, submissions, record } = await execute(job, async (env) => {
      const described = await runContainer(env, { TRACKER_PROGRESS_INTERVAL_SECONDS: '0' });
      progressWhenTrackerExited = (await store.getJob(ACCOUNT, job.jobId))?.progress;
      return described;
    });

    // The tracker reported progress on the job record while the job was still IN_PROGRESS.
    expect(progressWhenTrackerExited).toBeGreaterThan(0);
    expect(progressWhenTrackerExited).toBeLessThan(1);
    expect(submissions).toHaveLength(1);
    // The container logs what the job ran on: execution provider, decoder hwaccel, model (no silent CPU fallback).
    const engineLine = containerLogs[containerLogs.length - 1].split('\n').find((l) => l.includes('"event":"engine"'));
    expect(JSON.parse(engineLine ?? '{}')).toMatchObject({
      jobId: job.jobId,
      executionProvider: expect.stringMatching(/^(cpu|cuda)$/),
      hwaccel: expect.stringMatching(/^(none|cuda)$/),
      model: expect.stringMatching(/^yolox_nano_416x416\.onnx \(yolox 416x416\)$/),
    });
    expect(submissions[0]).toMatchObject({ JOB_ID: job.jobId, ACCOUNT_ID: ACCOUNT, RESULTS_PREFIX: `results/${ACCOUNT}/${job.jobId}` });
    expect(JSON.parse(submissions[0].VIDEO)).toEqual(job.video);
    expect(output.completed).toEqual({ status: 'SUCCEEDED' });
    expect(record?.status).toBe('SUCCEEDED');
    expect(record?.statusMessage).toBeUndefined();
    expect(record?.videoMetadata).toEqual(toVideoMetadata(await probeVideo(VIDEO_FILE)));
    expect(record?.resultsLocation).toBe(`s3://${RESULTS_BUCKET}/results/${ACCOUNT}/${job.jobId}`);
    // The tracker marked the job as out of the queue (the reconciler stops only jobs that never were).
    expect(record?.startedAt).toBeGreaterThanOrEqual(job.createdAt);

    // What GetPersonTracking will read: the API's S3 results store over the files the container uploaded.
    const reader = new ResultsReader(new S3ResultsStore(s3).open(record as JobRecord));
    const manifest = await reader.getManifest();
    expect(manifest.count).toBeGreaterThan(0);
    const page = await reader.readPage('TIMESTAMP', 0, 5);
    expect(page[0].Person?.BoundingBox?.Width).toBeGreaterThan(0);

    expect(published).toEqual([
      { region: REGION, assumed: false, topic: TOPIC, subject: undefined, message: expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4', 'nightly:run-7') },
    ]);
  });

  test('queue wait is measured from the submission, not from the admission (a job admitted 3 h ago, submitted now)', async () => {
    const threeHoursAgo = Date.now() - 3 * 3600_000;
    const oldStore = new DynamoDbJobStore({ client: dynamo.client, tableName: 'jobs', now: () => threeHoursAgo });
    const video: Video = { S3Object: { Bucket: INPUT_BUCKET, Name: 'street/night.mp4' } };
    const { job } = await oldStore.startJob({ accountId: ACCOUNT, video, requestHash: `queue-wait-${Math.random()}` }, 100);
    const logsBefore = containerLogs.length;
    const { record } = await execute(job, (env) => runContainer(env), undefined, new Date());
    expect(record?.status).toBe('SUCCEEDED');
    const started = containerLogs
      .slice(logsBefore)
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; queueWaitSeconds?: number })
      .find((e) => e.event === 'job-started');
    expect(started?.queueWaitSeconds).toBeGreaterThanOrEqual(0);
    expect(started?.queueWaitSeconds).toBeLessThan(120);
  });

  test('container failure: an undecodable upload is FAILED with the engine\'s message; no channel, no message', async () => {
    const job = await admit('broken/upload.mp4');
    const { output, submissions, record } = await execute(job, (env) => runContainer(env));

    expect(submissions).toHaveLength(1);
    expect(output.failure).toMatchObject({ action: 'FAILED', kind: 'CONTAINER' });
    const engineMessage = await undecodableMessage();
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(engineMessage);
    expect(record?.statusMessage).not.toBe(STATUS_MESSAGES.internal);
    expect(published).toEqual([]);
  });

  test('container failure: a video that cannot be read from S3 is FAILED with the InvalidS3Object message', async () => {
    const job = await admit('missing/never-uploaded.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const { record } = await execute(job, (env) => runContainer(env));
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.unreadable);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'missing/never-uploaded.mp4')]);
  });

  test('a workflow step that keeps failing: its catch-all fails the job and notifies it, once', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The tracker was reclaimed, and HandleFailure cannot read failure.json (S3 unavailable) on any of its attempts.
    s3Down = true;
    const { output, submissions, record } = await execute(job, async (env) => {
      throw batchFailure(env.JOB_NAME, 'Host EC2 (instance i-0123456789abcdef0) terminated.', undefined, 3);
    });
    expect(submissions).toHaveLength(1);
    expect(handleFailureCalls).toBe(4); // the first try and its 3 retries
    expect(output.failure).toMatchObject({ action: 'FAILED', kind: 'INTERNAL', finished: true });
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.internal);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'street/night.mp4')]);
  });

  // The reclaimed container wrote no failure.json: HandleFailure's GetObject of it must be a 404 (its role may list
  // results/), not the 403 S3 gives a role that may not, or the resubmission never happens.
  test('Spot reclaim: the reclaimed run is submitted again and the job SUCCEEDS, notified once', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const { output, submissions, record } = await execute(job, async (env, call) => {
      if (call === 1) throw batchFailure(env.JOB_NAME, 'Host EC2 (instance i-0123456789abcdef0) terminated.', undefined, 3);
      return runContainer(env);
    });
    expect(submissions).toHaveLength(2);
    expect(submissions[1].JOB_ID).toBe(job.jobId);
    expect(output.prepared).toMatchObject({ resubmits: 1 });
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test("a video in a bucket another account owns is not analysed, even where the service's role could read it", async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE }, bucket: FOREIGN_BUCKET });
    const checkedBefore = ownerProxy.checked.length;
    const { record } = await execute(job, (env) => runContainer(env));
    // PlanSegments' ranged read, then the container's copy, asked S3 for a bucket of the job's account, and S3 (the
    // proxy) refused the other account's each time.
    expect(ownerProxy.checked.slice(checkedBefore)).toEqual([
      { bucket: FOREIGN_BUCKET, expectedOwner: ACCOUNT },
      { bucket: FOREIGN_BUCKET, expectedOwner: ACCOUNT },
    ]);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.unreadable);
    expect(record?.videoMetadata).toBeUndefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET, Prefix: `results/${ACCOUNT}/${job.jobId}/` }));
    expect((listed.Contents ?? []).map((o) => o.Key?.split('/').pop())).toEqual(['failure.json']);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'street/night.mp4', undefined, FOREIGN_BUCKET)]);
  });

  test('Spot reclaim every time: after the resubmissions the job is FAILED as interrupted, and notified', async () => {
    const job = await admit('street/night.mp4', { jobTag: 'retry-me', channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const { submissions, record } = await execute(job, async (env) => {
      throw batchFailure(env.JOB_NAME, 'Host EC2 (instance i-0fedcba9876543210) terminated.', undefined, 3);
    });
    expect(submissions).toHaveLength(1 + MAX_RESUBMITS);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.interrupted);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'street/night.mp4', 'retry-me')]);
  });

  test('timeout: the container stops at its duration-derived deadline; the job is FAILED with a time-limit message', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // Deadline = 0 ms + 1e-6 × 2.7 s of video: the engine is aborted at once, as a too-slow run would be.
    const { submissions, record } = await execute(job, (env) => runContainer(env, { TRACKER_TIME_FACTOR: '0.000001', TRACKER_DEADLINE_BASE_SECONDS: '0' }));
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toMatch(/did not finish within its time limit/);
    expect(record?.videoMetadata?.DurationMillis).toBeGreaterThan(0);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test('no capacity: Batch cancels the job in the queue; FAILED with the capacity message, counted as never started with its queue wait', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const { submissions, record } = await execute(job, async (env) => {
      // What DescribeJobs says of a job the queue's JobStateTimeLimit action cancelled: no attempt, no StartedAt.
      const createdAt = Date.now() - 6 * 3600_000;
      throw new StatesError(
        'States.TaskFailed',
        JSON.stringify({
          JobName: env.JOB_NAME,
          JobId: `batch-${env.JOB_NAME}`,
          Status: 'FAILED',
          StatusReason: 'Canceled by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
          Attempts: [],
          CreatedAt: createdAt,
          StoppedAt: createdAt + 6 * 3600_000 + 4_000,
        }),
      );
    });
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.capacity);
    expect(counted).toEqual(['JobsNeverStarted', 'JobsFailed']);
    expect(measured).toEqual([['QueueWaitSeconds', 6 * 3600 + 4]]);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test('timeout: Batch stops an attempt at the job definition ceiling; the job is FAILED, not resubmitted', async () => {
    const job = await admit('street/night.mp4');
    const { submissions, record } = await execute(job, async (env) => {
      throw batchFailure(env.JOB_NAME, 'Job attempt duration exceeded timeout');
    });
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.timeout);
    expect(published).toEqual([]);
  });

  test('the caller\'s RoleArn is used when it can be assumed', async () => {
    stsAnswer = 'allow';
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:any-topic-name`, RoleArn: ROLE } });
    const { record } = await execute(job, async (env) => {
      throw batchFailure(env.JOB_NAME, 'Job attempt duration exceeded timeout');
    });
    expect(record?.status).toBe('FAILED');
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ assumed: true, topic: `arn:aws:sns:${REGION}:${ACCOUNT}:any-topic-name` });
  });

  // The stack's plan, made short so that a 24 s video is three segments (8 s, 2 s overlap); faces off for speed.
  const SHORT_SPLIT: SplitSettings = { parallelism: 3, segmentSec: 8, overlapSec: 2 };
  const FACES_OFF = { PEOPLE_PATHING_FACES: 'off' };
  /**
   * A fault for PlanSegments: the real step runs, then `then` sees the plan.json it wrote before any child starts;
   * a plan it returns replaces that file.
   */
  const afterPlan =
    (job: JobRecord, then: (plan: PlanFile) => Promise<PlanFile | void>): Fault =>
    async (run) => {
      const answer = await run();
      const key = `${resultsPrefixFor(ACCOUNT, job.jobId)}/${PLAN_FILE}`;
      const text = await (await s3.send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: key }))).Body?.transformToString();
      const changed = await then(JSON.parse(text as string) as PlanFile);
      if (changed) await s3.send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: key, Body: JSON.stringify(changed) }));
      return answer;
    };
  /** The events each container run since `from` logged, one line per run. */
  const runsSince = (from: number) =>
    containerLogs.slice(from).map((log) =>
      log
        .split('\n')
        .map((l) => /"event":"([^"]+)"/.exec(l)?.[1])
        .filter(Boolean)
        .join(' '),
    );

  test('long video: planned off the GPU (no container run only plans), an array job tracks the segments, one set of persons', async () => {
    split = SHORT_SPLIT;
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const children = arrayOfContainers(FACES_OFF);
    const checkedBefore = ownerProxy.checked.length;
    const logsBefore = containerLogs.length;
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    // What each container run logged (its events in order): shown when an assertion below fails.
    const runs = runsSince(logsBefore);
    const explain = (what: string) => `${what}\nstatus ${record?.status} ${record?.statusMessage ?? ''}\nruns:\n${runs.join('\n')}`;
    if (record?.status !== 'SUCCEEDED') throw new Error(explain('the job did not succeed'));
    // Every container that ran tracked a segment: no RunTracker submission, no planning run; one run per child.
    expect(submissions).toHaveLength(0);
    expect(runs).toHaveLength(3);
    expect(runs.filter((r) => r.includes('segment-succeeded'))).toHaveLength(3);
    expect(output.plan).toEqual({ segmented: true, size: 3 });
    expect(children.started.sort()).toEqual([0, 1, 2]);
    expect(output.stitched).toMatchObject({ segments: 3 });
    // The plan read only the header, in a few ranged reads.
    const planned = planLogs.find((l) => l.message === 'planned');
    expect(planned?.bytesRead).toBeLessThan((await readFile(join(dir, 'walk.mp4'))).length);
    // Every read of the video (the plan's ranged reads and each child's sparse copy) asked S3 for a bucket of the
    // job's account; each child read only the ranges the header named (its requests, logged, are all the reads).
    const reads = ownerProxy.checked.slice(checkedBefore).filter((c) => c.bucket === INPUT_BUCKET);
    expect(reads.filter((c) => c.expectedOwner !== ACCOUNT)).toEqual([]);
    const ranged = containerLogs
      .slice(logsBefore)
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"event":"video-ranged"'))
      .map((l) => JSON.parse(l) as { requests: number });
    if (ranged.length !== 3) throw new Error(explain(`${ranged.length} children copied their range`));
    expect(reads).toHaveLength((planned?.reads as number) + ranged.reduce((n, r) => n + r.requests, 0));
    // VideoMetadata is ffprobe's, as an unsplit run's (the children's, never the header reader's).
    expect(record?.videoMetadata).toEqual(toVideoMetadata(await probeVideo(join(dir, 'walk.mp4'))));

    // GetPersonTracking's view: one set of persons with the unsplit run's Timestamps and contiguous Indexes.
    const reader = new ResultsReader(new S3ResultsStore(s3).open(record as JobRecord));
    const persons = await reader.readPage('TIMESTAMP', 0, (await reader.getManifest()).count);
    const unsplitDir = join(dir, 'unsplit');
    // As the containers run here: YOLOX, no re-ID model in their environment, no faces.
    await createEngineProcessor({ faces: false, modelPath: YOLOX, modelKind: 'yolox', appearance: false }).process({ jobId: 'unsplit', videoPath: join(dir, 'walk.mp4'), resultsDir: unsplitDir });
    const local = new ResultsReader(new LocalFolderSource(unsplitDir));
    const unsplit = await local.readPage('TIMESTAMP', 0, (await local.getManifest()).count);
    const stamps = (ps: { Timestamp?: number }[]) => [...new Set(ps.map((p) => p.Timestamp))];
    expect(stamps(persons)).toEqual(stamps(unsplit));
    const order: number[] = [];
    for (const p of persons) if (!order.includes(p.Person?.Index as number)) order.push(p.Person?.Index as number);
    expect(order).toEqual(order.map((_, k) => k));
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('long video: a child that fails on the video stops the others; the job is FAILED with its message, notified once', async () => {
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // Child 0 is handed an undecodable file (as a damaged stretch of a real upload would fail): the engine's own error.
    const broken = JSON.stringify({ S3Object: { Bucket: INPUT_BUCKET, Name: 'broken/upload.mp4' } });
    split = SHORT_SPLIT;
    // Another object for one child is refused by the plan's ETag pin ('long video replaced under its key'): the plan
    // is left unpinned here, so that child reads the broken file and the engine, not S3, fails it.
    faults[SEGMENT_STATE.plan] = [afterPlan(job, async (plan) => ({ ...plan, etag: undefined }))];
    const children = arrayOfContainers(FACES_OFF, (k): Record<string, string> => (k === 0 ? { VIDEO: broken } : {}));
    const { output, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(terminated).toHaveLength(1);
    expect(terminated[0].jobId).toBe(`batch-people-pathing-${job.jobId}-segments`);
    // The lane that was not failing had started at most one more child before the parent was terminated.
    expect(children.started.length).toBeLessThan(3);
    expect(output.failure).toMatchObject({ action: 'FAILED', kind: 'CONTAINER' });
    const engineMessage = await undecodableMessage();
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(engineMessage);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('a Lambda task throttled twice, then answering: the job SUCCEEDS, notified once', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // Lambda's concurrency limit reached while a burst of jobs starts: the Invoke API answers 429 twice.
    faults[STATE.prepare] = [lambdaError('Lambda.TooManyRequestsException'), lambdaError('Lambda.TooManyRequestsException')];
    const { submissions, record } = await execute(job, (env) => runContainer(env));
    expect(stepCalls[STATE.prepare]).toBe(3);
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test('a Complete that fails once after the results were written is retried: SUCCEEDED, one notification', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The tracker wrote its results; the first Complete cannot read the manifest (S3 answers 503), the second can.
    faults[STATE.complete] = ['s3-down'];
    const { output, submissions, record } = await execute(job, (env) => runContainer(env));
    expect(stepCalls[STATE.complete]).toBe(2);
    expect(submissions).toHaveLength(1);
    expect(handleFailureCalls).toBe(0);
    expect(output.completed).toEqual({ status: 'SUCCEEDED' });
    expect(record?.status).toBe('SUCCEEDED');
    expect(record?.statusMessage).toBeUndefined();
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test('a Complete whose answer is lost after it finished the job: the retry changes nothing, one notification', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The first Complete does all its work, then its invocation fails (the Lambda timed out answering).
    faults[STATE.complete] = [
      async (run) => {
        await run();
        throw Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Sandbox.Timedout' });
      },
    ];
    const { output, record } = await execute(job, (env) => runContainer(env));
    expect(stepCalls[STATE.complete]).toBe(2);
    expect(output.completed).toEqual({ status: 'ALREADY_FINISHED' });
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4')]);
  });

  test('a backlog: 30 jobs wait RUNNABLE for 12 simulated hours while the reconciler runs; none is failed, all SUCCEED; a blocked one is failed', async () => {
    const jobs = await Promise.all(Array.from({ length: 30 }, (_, i) => admit('street/night.mp4', { jobTag: `backlog-${i}`, channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } })));
    // One more job that Batch says it cannot place (the documented blocking reason the queue's time limits do not cancel).
    const blocked = await admit('street/night.mp4', { jobTag: 'blocked', channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const blockedReason = 'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.';
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let first: { prefix: string; run: Promise<Json> } | undefined;
    // RunTracker as Batch: the job waits RUNNABLE (no reason: waiting its turn) until capacity frees, then runs.
    const queued = (env: Record<string, string>): Promise<Json> => {
      const jobName = env.JOB_NAME;
      const isBlocked = jobName === `people-pathing-${blocked.jobId}`;
      batchJobs.set(jobName, { jobId: `batch-${jobName}`, jobName, status: 'RUNNABLE', createdAt: Date.now(), ...(isBlocked ? { statusReason: blockedReason } : {}) });
      if (isBlocked) return new Promise<Json>(() => undefined); // never placed: only a stop ends it
      return released.then(async () => {
        (batchJobs.get(jobName) as { status: string }).status = 'RUNNING';
        if (!first) {
          // The first job out of the queue runs the real container; the others get copies of its results (same video).
          first = { prefix: env.RESULTS_PREFIX, run: runContainer(env) };
          return first.run;
        }
        await first.run;
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET, Prefix: `${first.prefix}/` }));
        for (const o of listed.Contents ?? []) {
          const body = await (await s3.send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: o.Key }))).Body?.transformToByteArray();
          await s3.send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: `${env.RESULTS_PREFIX}/${(o.Key as string).slice(first.prefix.length + 1)}`, Body: body }));
        }
        return { JobId: `batch-${jobName}`, JobName: jobName, Status: 'SUCCEEDED' };
      });
    };
    const stops = new Map<string, () => void>();
    const running = new Set<string>();
    const executions = [...jobs, blocked].map((job) => {
      running.add(job.jobId);
      return execute(job, queued, undefined, new Date(), (stop) => stops.set(job.jobId, stop)).finally(() => running.delete(job.jobId));
    });
    // All 31 submitted and waiting.
    while (batchJobs.size < 31 || [...batchJobs.values()].filter((j) => j.status === 'RUNNABLE').length < 31) await new Promise((r) => setTimeout(r, 50));

    // The scheduled reconciler as the stack configures it, every 30 minutes of simulated time for 12 hours, asking
    // Batch (ListJobs, through the real adapter) why each long-queued job waits.
    const batchClient = new BatchClient({ endpoint: batchEndpoint, region: REGION, credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'secret' } });
    let offset = 0;
    const ours = new Set([...jobs, blocked].map((j) => j.jobId));
    const reconcileDeps = {
      store,
      launcher: { launch: async () => undefined },
      executions: {
        stateOf: async (job: JobRecord) => (running.has(job.jobId) ? 'RUNNING' : ours.has(job.jobId) ? 'ENDED' : 'RUNNING') as 'RUNNING' | 'ENDED',
        stop: async (job: JobRecord) => stops.get(job.jobId)?.(),
      },
      queue: new BatchQueueLookup(batchClient, 'arn:aws:batch:eu-west-1:123456789012:job-queue/GpuQueue'),
      notifierFor,
      graceMs: GRACE_MS,
      relaunchForMs: RELAUNCH_FOR_MS,
      neverStartedMs: NEVER_STARTED_LIMIT.toMilliseconds(),
      now: () => Date.now() + offset,
    };
    for (offset = 0; offset <= 12 * 3600_000; offset += 30 * 60_000) await reconcileJobs(reconcileDeps);
    batchClient.destroy();
    for (const job of jobs) expect((await store.getJob(ACCOUNT, job.jobId))?.status).toBe('IN_PROGRESS');
    const blockedRecord = await store.getJob(ACCOUNT, blocked.jobId);
    expect(blockedRecord).toMatchObject({ status: 'FAILED', statusMessage: NEVER_STARTED_MESSAGE });

    // Capacity frees: every waiting job runs and succeeds, each notified once.
    release();
    await Promise.all(executions);
    for (const job of jobs) {
      const record = await store.getJob(ACCOUNT, job.jobId);
      expect(record?.status).toBe('SUCCEEDED');
    }
    const messages = published.map((p) => JSON.parse(p.message as string) as { JobId: string; Status: string });
    expect(messages.filter((m) => ours.has(m.JobId)).map((m) => m.Status).sort()).toEqual([...Array(30).fill('SUCCEEDED'), 'FAILED'].sort());
  }, 300_000);

  test('an execution that outlives a job definition revision: a stack update mid-job, then a Spot resubmission, SUCCEEDS', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const firstRevision = (definition.States as Record<string, { Parameters?: { JobDefinition?: string } }>)[STATE.runTracker].Parameters?.JobDefinition as string;
    expect(firstRevision).toMatch(/:job-definition\/.+:1$/);
    try {
      const { submissions, record } = await execute(job, async (env, call) => {
        if (call === 1) {
          // While the first attempt runs, `cdk deploy` of a new image replaces the job definition (revision 2):
          // CloudFormation deregisters revision 1 unless the template retains it. Then Spot reclaims the instance.
          if (!jobDefinitionRetainedOnUpdate) inactiveDefinitions.add(firstRevision);
          throw batchFailure(env.JOB_NAME, 'Host EC2 (instance i-0123456789abcdef0) terminated.', undefined, 3);
        }
        return runContainer(env);
      });
      // The execution resubmitted with the revision it started with, and Batch accepted it.
      expect(submissions).toHaveLength(2);
      expect(record?.status).toBe('SUCCEEDED');
      expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'street/night.mp4')]);
    } finally {
      inactiveDefinitions.clear();
    }
  });

  test('a video below the stack\'s split threshold runs as one job, even where the plan would cut it', async () => {
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The synthesised PlanSegments Lambda's threshold (derived from the cold start, GPU rate and stitch figures) with
    // the short plan that cuts this 24 s video into three segments when nothing stops it.
    const minSeconds = Number(planEnv.TRACKER_SEGMENT_MIN_SECONDS);
    expect(minSeconds).toBeGreaterThan(24);
    split = { ...SHORT_SPLIT, minSplitSec: minSeconds };
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF));
    expect(submissions).toHaveLength(1);
    expect(output.plan).toEqual({ segmented: false, size: 0 });
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('long video: a segment child lost to Spot on every attempt is resubmitted; only its segment is tracked again; SUCCEEDED', async () => {
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // Child 1 of the first array job loses its Spot instance on every attempt the job definition allows.
    split = SHORT_SPLIT;
    const children = arrayOfContainers(FACES_OFF, () => ({}), (k, n) => k === 1 && n === 1);
    const logsBefore = containerLogs.length;
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    // Planned once, off the GPU; the array job submitted twice; in the second, children 0 and 2 found their segment in
    // S3 and exited at once (segment 1 alone was tracked again). No container ran but the children.
    expect(submissions).toHaveLength(0);
    expect(runsSince(logsBefore)).toHaveLength(5);
    expect(children.ran.map((r) => r.sort())).toEqual([[0, 2], [0, 1, 2]]);
    const done = containerLogs.slice(logsBefore).join('\n').split('\n').filter((l) => l.includes('"event":"segment-already-done"'));
    expect(done).toHaveLength(2);
    expect(counted).toContain('TrackerResubmitted');
    expect(output.stitched).toMatchObject({ segments: 3 });
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('long video: children lost to Spot past the resubmission budget: FAILED as interrupted, notified once', async () => {
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    split = SHORT_SPLIT;
    const children = arrayOfContainers(FACES_OFF, () => ({}), () => true);
    const { output, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(children.ran).toHaveLength(1 + MAX_RESUBMITS);
    expect(output.failure).toMatchObject({ action: 'FAILED', kind: 'HOST' });
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.interrupted);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test("long video: a segment child never reads a bucket another account owns; the job is FAILED as unreadable", async () => {
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The children are handed the same key in a bucket of another account, which the service's role can read.
    const foreign = JSON.stringify({ S3Object: { Bucket: FOREIGN_BUCKET, Name: 'long/walk.mp4' } });
    split = SHORT_SPLIT;
    const children = arrayOfContainers({ ...FACES_OFF, VIDEO: foreign });
    const checkedBefore = ownerProxy.checked.length;
    const { output, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(ownerProxy.checked.slice(checkedBefore).filter((c) => c.bucket === FOREIGN_BUCKET)[0]).toEqual({ bucket: FOREIGN_BUCKET, expectedOwner: ACCOUNT });
    expect(output.failure).toMatchObject({ action: 'FAILED' });
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.unreadable);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('a long upload that is not an MP4: the header is undecided, one unsplit run fails with the engine\'s message, notified once', async () => {
    split = SHORT_SPLIT;
    const job = await admit('broken/upload.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const children = arrayOfContainers(FACES_OFF);
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(output.plan).toEqual({ segmented: false, size: 0 });
    expect(planLogs).toContainEqual(expect.objectContaining({ message: 'plan-unsplit', reason: expect.stringMatching(/not an MP4/) }));
    expect(children.started).toEqual([]);
    expect(submissions).toHaveLength(1);
    const engineMessage = await undecodableMessage();
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(engineMessage);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'broken/upload.mp4')]);
  }, 300_000);

  test('a long video in a bucket another account owns: the plan\'s ranged read is refused, one unsplit run fails as unreadable', async () => {
    split = SHORT_SPLIT;
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE }, bucket: FOREIGN_BUCKET });
    const checkedBefore = ownerProxy.checked.length;
    const children = arrayOfContainers(FACES_OFF);
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    // The plan asked with the job's account as the owner, and was refused (as S3 does); nothing was cut.
    expect(ownerProxy.checked.slice(checkedBefore)[0]).toEqual({ bucket: FOREIGN_BUCKET, expectedOwner: ACCOUNT });
    expect(output.plan).toEqual({ segmented: false, size: 0 });
    expect(children.started).toEqual([]);
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.unreadable);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/walk.mp4', undefined, FOREIGN_BUCKET)]);
  }, 300_000);

  test('PlanSegments failing past its retries (throttled every time): the long video runs as one job and SUCCEEDS', async () => {
    split = SHORT_SPLIT;
    faults[SEGMENT_STATE.plan] = Array.from({ length: 10 }, () => lambdaError('Lambda.TooManyRequestsException'));
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    const children = arrayOfContainers(FACES_OFF);
    const { output, submissions, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    // LAMBDA_RETRY's six retries, then the catch: the unsplit run.
    expect(stepCalls[SEGMENT_STATE.plan]).toBe(7);
    expect(output.planError).toMatchObject({ Error: 'Lambda.TooManyRequestsException' });
    expect(children.started).toEqual([]);
    expect(submissions).toHaveLength(1);
    expect(record?.status).toBe('SUCCEEDED');
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'SUCCEEDED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('long video: a plan whose frame rate is not ffprobe\'s is refused by the children (internal error, notified once), never stitched', async () => {
    split = SHORT_SPLIT;
    const job = await admit('long/walk.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    // The real PlanSegments, then its plan.json rewritten with another frame rate (as a header misread would give).
    faults[SEGMENT_STATE.plan] = [afterPlan(job, async (plan) => ({ ...plan, fps: plan.fps * 1.01 }))];
    const children = arrayOfContainers(FACES_OFF);
    const logsBefore = containerLogs.length;
    const { output, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(output.plan).toEqual({ segmented: true, size: 3 });
    expect(runsSince(logsBefore).some((r) => r.includes('plan-mismatch'))).toBe(true);
    expect(output.stitched).toBeUndefined();
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.internal);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/walk.mp4')]);
  }, 300_000);

  test('long video replaced under its key after planning: every child\'s read names the plan\'s ETag and is refused; FAILED as unreadable, notified once', async () => {
    split = SHORT_SPLIT;
    await s3.send(new PutObjectCommand({ Bucket: INPUT_BUCKET, Key: 'long/replaced.mp4', Body: await readFile(join(dir, 'walk.mp4')) }));
    const planned = await s3.send(new HeadObjectCommand({ Bucket: INPUT_BUCKET, Key: 'long/replaced.mp4' }));
    const job = await admit('long/replaced.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    let planEtag: string | undefined;
    // The real PlanSegments; then the caller uploads another video under the same key before any child reads it.
    faults[SEGMENT_STATE.plan] = [
      afterPlan(job, async (plan) => {
        planEtag = plan.etag;
        await s3.send(new PutObjectCommand({ Bucket: INPUT_BUCKET, Key: 'long/replaced.mp4', Body: await readFile(VIDEO_FILE) }));
      }),
    ];
    const children = arrayOfContainers(FACES_OFF);
    const logsBefore = containerLogs.length;
    const { output, record } = await execute(job, (env) => runContainer(env, FACES_OFF), children);
    expect(output.plan).toEqual({ segmented: true, size: 3 });
    expect(planEtag).toBe(planned.ETag);
    expect(runsSince(logsBefore).some((r) => r.includes('video-download-failed'))).toBe(true);
    expect(output.stitched).toBeUndefined();
    expect(record?.status).toBe('FAILED');
    expect(record?.statusMessage).toBe(STATUS_MESSAGES.unreadable);
    expect(published.map((p) => p.message)).toEqual([expectedMessage(job, 'FAILED', record?.completedAt as number, 'long/replaced.mp4')]);
  }, 300_000);

  test('a job that is no longer IN_PROGRESS is not run again (duplicate or redriven execution)', async () => {
    const job = await admit('street/night.mp4', { channel: { SNSTopicArn: TOPIC, RoleArn: ROLE } });
    await store.finishJob(ACCOUNT, job.jobId, { status: 'FAILED', statusMessage: 'cancelled for the test' });
    const { output, submissions, record } = await execute(job, async () => {
      throw new Error('must not be submitted');
    });
    expect(output.prepared).toMatchObject({ proceed: false });
    expect(submissions).toHaveLength(0);
    expect(record?.statusMessage).toBe('cancelled for the test');
    expect(published).toEqual([]);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: RESULTS_BUCKET, Prefix: `results/${ACCOUNT}/${job.jobId}/` }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});
