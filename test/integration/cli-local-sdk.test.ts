/**
 * The real @aws-sdk/client-rekognition against `people-pathing serve` (startLocalServer) on a random port:
 * embedded dynalite store, local buckets, in-process worker. The VideoProcessor is a synthetic one writing real
 * result files (the tracking engine has its own tests); everything between the SDK and those files is real.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AccessDeniedException,
  GetPersonTrackingCommand,
  IdempotentParameterMismatchException,
  InvalidPaginationTokenException,
  InvalidParameterException,
  InvalidS3ObjectException,
  LimitExceededException,
  ResourceNotFoundException,
  StartPersonTrackingCommand,
  VideoTooLargeException,
  paginateGetPersonTracking,
} from '@aws-sdk/client-rekognition';
import type { GetPersonTrackingCommandInput, PersonDetection, RekognitionClient, StartPersonTrackingCommandInput } from '@aws-sdk/client-rekognition';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { FRAME_STEP_MS, SYNTHETIC_METADATA, SyntheticProcessor, syntheticConfidence } from '../fixtures/api/synthetic-processor.js';
import { gate, makeDataDir, putObject, putSparseObject, rekognition } from '../fixtures/api/helpers.js';

const ALICE = { key: 'AKIDALICE', account: '111111111111' };
const BOB = { key: 'AKIDBOB', account: '222222222222' };
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'walk/clip.mp4' } };
const CHANNEL = { SNSTopicArn: 'arn:aws:sns:us-east-1:111111111111:AmazonRekognitionTopic', RoleArn: 'arn:aws:iam::111111111111:role/RekRole' };
const DETECTIONS = 3000;

async function expectError(promise: Promise<unknown>, cls: abstract new (...args: never[]) => Error, message?: string | RegExp): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err).toBeInstanceOf(cls);
  if (message !== undefined) expect(err!.message).toMatch(message);
  return err!;
}

async function notifications(server: LocalServer): Promise<{ TopicArn: string; Message: string }[]> {
  try {
    const text = await readFile(server.notificationsFile, 'utf8');
    return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { TopicArn: string; Message: string });
  } catch {
    return [];
  }
}

const key = (p: PersonDetection) => `${p.Person!.Index}@${p.Timestamp}`;

describe('local endpoint with the real Rekognition SDK', () => {
  let dataDir: string;
  let server: LocalServer;
  let processor: SyntheticProcessor;
  let alice: RekognitionClient;
  let bob: RekognitionClient;
  let doneJobId: string;

  beforeAll(async () => {
    dataDir = await makeDataDir();
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk/clip.mp4');
    processor = new SyntheticProcessor({ detections: DETECTIONS });
    server = await startLocalServer({
      port: 0,
      dataDir,
      processor,
      auth: 'none',
      accounts: { [ALICE.key]: ALICE.account, [BOB.key]: BOB.account },
    });
    alice = rekognition(server.url, ALICE.key);
    bob = rekognition(server.url, BOB.key);
  });

  afterAll(async () => {
    alice?.destroy();
    bob?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts a job, reports IN_PROGRESS, then pages the results and notifies once', async () => {
    const hold = gate();
    processor.options = { detections: DETECTIONS, gate: hold.promise };
    const { JobId } = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'walk-1', NotificationChannel: CHANNEL }));
    expect(JobId).toMatch(/^[0-9a-f]{64}$/);

    const running = await alice.send(new GetPersonTrackingCommand({ JobId }));
    expect(running.JobStatus).toBe('IN_PROGRESS');
    expect(running.Persons).toEqual([]);
    expect(running.NextToken).toBeUndefined();
    expect(running.JobId).toBe(JobId);
    expect(running.JobTag).toBe('walk-1');
    expect(running.Video).toEqual(VIDEO);
    expect(running.$metadata.requestId).toMatch(/[0-9a-f-]{36}/);

    hold.open();
    await server.idle();
    const page = await alice.send(new GetPersonTrackingCommand({ JobId }));
    expect(page.JobStatus).toBe('SUCCEEDED');
    expect(page.StatusMessage).toBeUndefined();
    expect(page.VideoMetadata).toEqual(SYNTHETIC_METADATA);
    expect(page.Persons).toHaveLength(1000); // default MaxResults
    expect(page.Persons![0]).toEqual({ Timestamp: 0, Person: expect.objectContaining({ Index: 0, BoundingBox: expect.any(Object) }) });
    expect(page.NextToken!.length).toBeLessThanOrEqual(255);
    expect(page.JobId).toBe(JobId);
    expect(page.JobTag).toBe('walk-1');
    expect(page.Video).toEqual(VIDEO);

    const mine = (await notifications(server)).filter((n) => JSON.parse(n.Message).JobId === JobId);
    expect(mine).toHaveLength(1);
    expect(mine[0].TopicArn).toBe(CHANNEL.SNSTopicArn);
    const message = JSON.parse(mine[0].Message) as Record<string, unknown>;
    expect(Object.keys(message)).toEqual(['JobId', 'Status', 'API', 'JobTag', 'Timestamp', 'Video']);
    expect(message).toMatchObject({ JobId, Status: 'SUCCEEDED', API: 'StartPersonTracking', JobTag: 'walk-1', Video: { S3ObjectName: 'walk/clip.mp4', S3Bucket: 'videos' } });
    expect(Math.abs((message.Timestamp as number) - Date.now())).toBeLessThan(60_000);
    doneJobId = JobId!;
  });

  it('caps MaxResults above 1000 and honours small pages', async () => {
    const big = await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 5000 }));
    expect(big.Persons).toHaveLength(1000);
    const small = await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 7 }));
    expect(small.Persons).toHaveLength(7);
    expect(small.VideoMetadata).toEqual(SYNTHETIC_METADATA);
  });

  it.each(['TIMESTAMP', 'INDEX'] as const)('paginates %s order over 3,000 detections with no gap, duplicate or misorder', async (SortBy) => {
    const all: PersonDetection[] = [];
    let pages = 0;
    for await (const page of paginateGetPersonTracking({ client: alice, pageSize: 700 }, { JobId: doneJobId, SortBy })) {
      pages++;
      expect(page.JobStatus).toBe('SUCCEEDED');
      expect(page.VideoMetadata).toEqual(SYNTHETIC_METADATA); // on every page
      all.push(...page.Persons!);
    }
    expect(pages).toBe(Math.ceil(DETECTIONS / 700));
    expect(all).toHaveLength(DETECTIONS);
    expect(new Set(all.map(key)).size).toBe(DETECTIONS);
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1];
      const b = all[i];
      const [ta, tb, ia, ib] = [a.Timestamp!, b.Timestamp!, a.Person!.Index!, b.Person!.Index!];
      if (SortBy === 'TIMESTAMP') {
        expect(ta < tb || (ta === tb && ia < ib)).toBe(true);
      } else {
        const ca = syntheticConfidence(ta / FRAME_STEP_MS, ia);
        const cb = syntheticConfidence(tb / FRAME_STEP_MS, ib);
        expect(ia < ib || (ia === ib && (ca > cb || (ca === cb && ta < tb)))).toBe(true);
      }
    }
  });

  it('rejects foreign, cross-sort, tampered and malformed NextTokens', async () => {
    const other = (await alice.send(new StartPersonTrackingCommand({ Video: VIDEO }))).JobId!;
    processor.options = { detections: DETECTIONS };
    await server.idle();
    const first = await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 10 }));
    const token = first.NextToken!;
    // Works where it was issued.
    expect((await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 10, NextToken: token }))).Persons![0].Timestamp).toBe(2 * FRAME_STEP_MS);

    const bad = (input: GetPersonTrackingCommandInput) => expectError(alice.send(new GetPersonTrackingCommand(input)), InvalidPaginationTokenException, 'Invalid Pagination Token');
    await bad({ JobId: other, NextToken: token }); // another job
    await bad({ JobId: doneJobId, NextToken: token, SortBy: 'INDEX' }); // another sort order
    const flipped = token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6);
    await bad({ JobId: doneJobId, NextToken: flipped });
    await bad({ JobId: doneJobId, NextToken: token.slice(0, -2) });
    await bad({ JobId: doneJobId, NextToken: 'not-a-token' });
    await bad({ JobId: doneJobId, NextToken: 'x'.repeat(255) });
  });

  it('answers ResourceNotFoundException for an unknown JobId and isolates accounts', async () => {
    await expectError(alice.send(new GetPersonTrackingCommand({ JobId: randomBytes(32).toString('hex') })), ResourceNotFoundException);
    await expectError(alice.send(new GetPersonTrackingCommand({ JobId: 'well-formed-but-never-issued' })), ResourceNotFoundException);
    // Bob cannot see Alice's job, and a token Alice used does not collide with Bob's.
    await expectError(bob.send(new GetPersonTrackingCommand({ JobId: doneJobId })), ResourceNotFoundException);
    const token = `shared-${Date.now()}`;
    const a = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: token }));
    const b = await bob.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: token, JobTag: 'other' }));
    expect(b.JobId).not.toBe(a.JobId);
    expect((await bob.send(new GetPersonTrackingCommand({ JobId: b.JobId }))).JobId).toBe(b.JobId);
    await expectError(alice.send(new GetPersonTrackingCommand({ JobId: b.JobId })), ResourceNotFoundException);
    await server.idle();
  });

  it('is idempotent on ClientRequestToken: sequential and 20 concurrent identical starts give one job, one run, one notification', async () => {
    const input: StartPersonTrackingCommandInput = { Video: VIDEO, ClientRequestToken: 'seq-token-1', JobTag: 'idem', NotificationChannel: CHANNEL };
    const first = await alice.send(new StartPersonTrackingCommand(input));
    // Same members in another order on the wire still match.
    const second = await alice.send(new StartPersonTrackingCommand({ NotificationChannel: CHANNEL, JobTag: 'idem', ClientRequestToken: 'seq-token-1', Video: VIDEO }));
    expect(second.JobId).toBe(first.JobId);

    const concurrent = { Video: VIDEO, ClientRequestToken: 'burst-token-1', NotificationChannel: CHANNEL };
    const ids = await Promise.all(Array.from({ length: 20 }, () => alice.send(new StartPersonTrackingCommand(concurrent)).then((r) => r.JobId)));
    expect(new Set(ids).size).toBe(1);
    await server.idle();
    // A repeat after completion still answers the same job and starts nothing.
    expect((await alice.send(new StartPersonTrackingCommand(concurrent))).JobId).toBe(ids[0]);
    await server.idle();

    for (const id of [first.JobId!, ids[0]!]) {
      expect(processor.calls.filter((c) => c === id)).toHaveLength(1);
      expect((await notifications(server)).filter((n) => JSON.parse(n.Message).JobId === id)).toHaveLength(1);
    }
  });

  it('answers IdempotentParameterMismatchException for the same token with other parameters', async () => {
    await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: 'mismatch-1', JobTag: 'a' }));
    await expectError(
      alice.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: 'mismatch-1', JobTag: 'b' })),
      IdempotentParameterMismatchException,
      'The ClientRequestToken: mismatch-1 you have supplied is already in use',
    );
    await server.idle();
  });

  it('checks the video before accepting the job', async () => {
    await expectError(
      alice.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'missing.mp4' } } })),
      InvalidS3ObjectException,
      'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
    );
    await expectError(
      alice.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: '../../pagination.key' } } })),
      InvalidS3ObjectException,
    );
    const tenGb = 10 * 1024 ** 3;
    await putSparseObject(join(dataDir, 'buckets'), 'videos', 'huge.mp4', tenGb + 1);
    await expectError(
      alice.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'huge.mp4' } } })),
      VideoTooLargeException,
      `Video size in bytes: ${tenGb + 1} is more than the maximum limit of: ${tenGb} bytes`,
    );
  });

  const startCases: [string, Record<string, unknown>, RegExp][] = [
    ['missing Video', {}, /'video' failed to satisfy constraint: Member must not be null/],
    ['short bucket', { Video: { S3Object: { Bucket: 'ab', Name: 'k' } } }, /video.s3Object.bucket.*length greater than or equal to 3/],
    ['bucket pattern', { Video: { S3Object: { Bucket: 'bad/bucket', Name: 'k' } } }, /video.s3Object.bucket.*regular expression pattern/],
    ['long bucket', { Video: { S3Object: { Bucket: 'b'.repeat(256), Name: 'k' } } }, /length less than or equal to 255/],
    ['empty key', { Video: { S3Object: { Bucket: 'videos', Name: '' } } }, /video.s3Object.name.*greater than or equal to 1/],
    ['long key', { Video: { S3Object: { Bucket: 'videos', Name: 'k'.repeat(1025) } } }, /video.s3Object.name.*less than or equal to 1024/],
    ['empty version', { Video: { S3Object: { Bucket: 'videos', Name: 'k', Version: '' } } }, /video.s3Object.version/],
    ['no S3Object', { Video: {} }, /S3Object with Bucket and Name is required/],
    ['token pattern', { Video: VIDEO, ClientRequestToken: 'bad token!' }, /clientRequestToken.*pattern/],
    ['long token', { Video: VIDEO, ClientRequestToken: 't'.repeat(65) }, /clientRequestToken.*less than or equal to 64/],
    ['jobTag pattern', { Video: VIDEO, JobTag: 'bad tag!' }, /jobTag.*pattern/],
    ['long jobTag', { Video: VIDEO, JobTag: 't'.repeat(1025) }, /jobTag.*less than or equal to 1024/],
    ['SNS topic ARN', { Video: VIDEO, NotificationChannel: { ...CHANNEL, SNSTopicArn: 'arn:aws:sqs:us-east-1:111111111111:q' } }, /sNSTopicArn.*pattern/],
    ['role ARN', { Video: VIDEO, NotificationChannel: { ...CHANNEL, RoleArn: 'arn:aws:iam::1:role/x' } }, /roleArn.*pattern/],
    ['missing RoleArn', { Video: VIDEO, NotificationChannel: { SNSTopicArn: CHANNEL.SNSTopicArn } }, /roleArn' failed to satisfy constraint: Member must not be null/],
    ['two violations', { Video: VIDEO, JobTag: '', ClientRequestToken: '' }, /^2 validation errors detected/],
  ];
  it.each(startCases)('StartPersonTracking rejects %s with InvalidParameterException', async (_name, input, message) => {
    await expectError(alice.send(new StartPersonTrackingCommand(input as unknown as StartPersonTrackingCommandInput)), InvalidParameterException, message);
  });

  const getCases: [string, Record<string, unknown>, RegExp][] = [
    ['missing JobId', {}, /'jobId' failed to satisfy constraint: Member must not be null/],
    ['empty JobId', { JobId: '' }, /jobId.*greater than or equal to 1/],
    ['long JobId', { JobId: 'a'.repeat(65) }, /jobId.*less than or equal to 64/],
    ['JobId pattern', { JobId: 'abc/def' }, /jobId.*pattern/],
    ['MaxResults 0', { JobId: 'a'.repeat(64), MaxResults: 0 }, /maxResults.*greater than or equal to 1/],
    ['negative MaxResults', { JobId: 'a'.repeat(64), MaxResults: -5 }, /maxResults/],
    ['SortBy enum', { JobId: 'a'.repeat(64), SortBy: 'BOGUS' }, /sortBy.*enum value set: \[INDEX, TIMESTAMP\]/],
    ['long NextToken', { JobId: 'a'.repeat(64), NextToken: 'n'.repeat(256) }, /nextToken.*less than or equal to 255/],
  ];
  it.each(getCases)('GetPersonTracking rejects %s with InvalidParameterException', async (_name, input, message) => {
    await expectError(alice.send(new GetPersonTrackingCommand(input as unknown as GetPersonTrackingCommandInput)), InvalidParameterException, message);
  });

  it('answers malformed JSON, unknown operations and unsigned calls in the AWS JSON error envelope', async () => {
    const post = (headers: Record<string, string>, body: string, path = '/') =>
      fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body });
    const auth = { authorization: `AWS4-HMAC-SHA256 Credential=${ALICE.key}/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=00` };

    const malformed = await post({ ...auth, 'X-Amz-Target': 'RekognitionService.GetPersonTracking' }, '{"JobId": ', '/prod');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('InvalidParameterException');
    expect(malformed.headers.get('x-amzn-requestid')).toMatch(/[0-9a-f-]{36}/);
    expect(malformed.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    const body = (await malformed.json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['__type', 'Code', 'Logref', 'Message']);
    expect(body).toMatchObject({ __type: 'InvalidParameterException', Code: 'InvalidParameterException' });

    const unknown = await post({ ...auth, 'x-amz-target': 'RekognitionService.DetectLabels' }, '{}', '/prod/');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Record<string, string>).__type).toBe('UnknownOperationException');

    const ok = await post({ ...auth, 'X-AMZ-TARGET': 'RekognitionService.GetPersonTracking' }, JSON.stringify({ JobId: doneJobId, MaxResults: 1 }), '/prod');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { Persons: unknown[] }).Persons).toHaveLength(1);

    const unsigned = await post({ 'x-amz-target': 'RekognitionService.GetPersonTracking' }, JSON.stringify({ JobId: doneJobId }));
    expect(((await unsigned.json()) as Record<string, string>).__type).toBe('AccessDeniedException');
  });

  it('fails a job whose processing throws, with a StatusMessage and a FAILED notification', async () => {
    processor.options = { detections: 10, failWith: 'Unsupported codec: the video stream could not be decoded' };
    const { JobId } = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, NotificationChannel: CHANNEL }));
    await server.idle();
    processor.options = { detections: DETECTIONS };
    const page = await alice.send(new GetPersonTrackingCommand({ JobId }));
    expect(page.JobStatus).toBe('FAILED');
    expect(page.StatusMessage).toBe('Unsupported codec: the video stream could not be decoded');
    expect(page.Persons).toEqual([]);
    const note = (await notifications(server)).find((n) => JSON.parse(n.Message).JobId === JobId);
    expect(JSON.parse(note!.Message)).toMatchObject({ Status: 'FAILED', API: 'StartPersonTracking' });
    expect(Object.keys(JSON.parse(note!.Message))).toEqual(['JobId', 'Status', 'API', 'Timestamp', 'Video']);
  });

  it('keeps jobs and tokens across a restart and resumes jobs left IN_PROGRESS', async () => {
    const before = await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 100 }));
    const hold = gate();
    processor.options = { detections: 50, gate: hold.promise };
    const { JobId: interrupted } = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: 'restart-1' }));
    const goneVideo = { S3Object: { Bucket: 'videos', Name: 'walk/gone.mp4' } };
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk/gone.mp4');
    const { JobId: orphaned } = await alice.send(new StartPersonTrackingCommand({ Video: goneVideo })); // queued behind the first
    await server.close();
    await rm(join(dataDir, 'buckets', 'videos', 'walk', 'gone.mp4'));

    processor.options = { detections: 50 };
    server = await startLocalServer({ port: 0, dataDir, processor, auth: 'none', accounts: { [ALICE.key]: ALICE.account, [BOB.key]: BOB.account } });
    alice.destroy();
    alice = rekognition(server.url, ALICE.key);
    hold.open();
    await server.idle();

    const after = await alice.send(new GetPersonTrackingCommand({ JobId: doneJobId, MaxResults: 100, NextToken: before.NextToken }));
    expect(after.Persons![0].Timestamp).toBe(20 * FRAME_STEP_MS); // token minted before the restart still valid
    const resumed = await alice.send(new GetPersonTrackingCommand({ JobId: interrupted }));
    expect(resumed.JobStatus).toBe('SUCCEEDED');
    expect(resumed.Persons).toHaveLength(50);
    expect(processor.calls.filter((c) => c === interrupted)).toHaveLength(2); // interrupted run + resumed run
    // A job whose video disappeared while the server was down ends FAILED instead of staying IN_PROGRESS.
    const failed = await alice.send(new GetPersonTrackingCommand({ JobId: orphaned }));
    expect(failed.JobStatus).toBe('FAILED');
    expect(failed.StatusMessage).toMatch(/Unable to get object metadata/);
    expect((await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: 'restart-1' }))).JobId).toBe(interrupted);
  });
});

describe('local endpoint: concurrent job limit', () => {
  let dataDir: string;
  let server: LocalServer;
  const hold = gate();

  beforeAll(async () => {
    dataDir = await makeDataDir();
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk/clip.mp4');
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 5, gate: hold.promise }), concurrentJobLimit: 3 });
  });
  afterAll(async () => {
    hold.open();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('admits exactly the limit under a burst, answers LimitExceededException, and admits again once jobs finish', async () => {
    const client = rekognition(server.url, 'AKIDCAROL');
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => client.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: `burst-${i}` }))),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(3);
      expect(rejected).toHaveLength(9);
      for (const r of rejected) {
        expect(r.reason).toBeInstanceOf(LimitExceededException);
        expect((r.reason as Error).message).toBe('3 open Jobs for User AKIDCAROL Maximum limit: 3');
      }
      // A rejected start releases its token: the same token is admitted once a slot frees up.
      const retryToken = `burst-${results.findIndex((r) => r.status === 'rejected')}`;
      const admitted = new Set(ok.map((r) => (r as PromiseFulfilledResult<{ JobId?: string }>).value.JobId));
      // Another account is not affected by Carol's jobs.
      const dave = rekognition(server.url, 'AKIDDAVE');
      expect((await dave.send(new StartPersonTrackingCommand({ Video: VIDEO }))).JobId).toMatch(/^[0-9a-f]{64}$/);
      dave.destroy();

      hold.open();
      await server.idle();
      const again = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, ClientRequestToken: retryToken }));
      expect(again.JobId).toMatch(/^[0-9a-f]{64}$/);
      expect(admitted.has(again.JobId)).toBe(false);
    } finally {
      client.destroy();
    }
  });
});

describe('local mode checks NotificationChannel.RoleArn accounts as deployed (doc 0020)', () => {
  let dataDir: string;
  let server: LocalServer;
  let alice: RekognitionClient;

  beforeAll(async () => {
    dataDir = await makeDataDir();
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk/clip.mp4');
    server = await startLocalServer({
      port: 0,
      dataDir,
      processor: new SyntheticProcessor({ detections: 5 }),
      auth: 'none',
      accounts: { [ALICE.key]: ALICE.account },
      allowedAccounts: ['333333333333'],
    });
    alice = rekognition(server.url, ALICE.key);
  });

  afterAll(async () => {
    alice?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const channel = (roleAccount: string) => ({ SNSTopicArn: `arn:aws:sns:us-east-1:${ALICE.account}:AmazonRekognitionTopic`, RoleArn: `arn:aws:iam::${roleAccount}:role/Publisher` });

  it("accepts a role of the caller's own account and of an allowed account", async () => {
    for (const account of [ALICE.account, '333333333333']) {
      const { JobId } = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, NotificationChannel: channel(account) }));
      expect(JobId).toMatch(/^[0-9a-f]{64}$/);
    }
    await server.idle();
  });

  it("refuses another account's role with Rekognition's AccessDeniedException, before a job exists", async () => {
    const error = await alice.send(new StartPersonTrackingCommand({ Video: VIDEO, NotificationChannel: channel(BOB.account) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toBe('NotificationChannel.RoleArn must be a role in your own AWS account or in an account this service allows');
  });
});
