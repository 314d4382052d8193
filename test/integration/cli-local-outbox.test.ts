/**
 * Every completion is notified through crashes (doc/architecture/0017-notification-outbox.md), in local mode as a user
 * runs it: the real `serve` in a child process, the real engine on a real video, the real Rekognition SDK.
 *  - SIGKILL at each boundary of a completion (before the store write, between the write and the publish, between
 *    the publish and the settle; serve's test-only PEOPLE_PATHING_TEST_CRASH_AT kills itself exactly there), then a
 *    restart: the job ends SUCCEEDED and notified, exactly once — twice, byte for byte, only after the last boundary
 *    (at least once: the publish happened, its mark did not).
 *  - A notification file that cannot be written fails the publish again and again: once it can, each job is
 *    notified exactly once.
 *  - Finding 4: a caller of account B naming account A's topic is refused at publish as the deployed notifier refuses
 *    it, and every notification line records its account.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject, rekognition } from '../fixtures/api/helpers.js';
import { readNotifications, startServe, stopServe } from '../fixtures/api/serve-process.js';
import type { ServeProcess } from '../fixtures/api/serve-process.js';
import { describeWithData, DATA, MODELS } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VIDEO_FILE = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');
const ACCOUNT = '123456789012';
const KEY = 'AKIDOUTBOX';
const CHANNEL = { SNSTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:AmazonRekognitionDone`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/Rek` };
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'street.mp4' } };

async function until<T>(what: () => Promise<T | undefined>, timeoutMs: number, label: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const describeData = describeWithData(VIDEO_FILE, join(MODELS, 'yolox_nano_416x416.onnx'));

describeData('serve killed with SIGKILL at each boundary of a completion', () => {
  let dataDir: string;
  let serve: ServeProcess | undefined;
  let client: RekognitionClient | undefined;

  beforeEach(async () => {
    dataDir = await makeDataDir('pp-outbox-');
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    await copyFile(VIDEO_FILE, join(dataDir, 'buckets', 'videos', 'street.mp4'));
  });
  afterEach(async () => {
    client?.destroy();
    await stopServe(serve);
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['before-finish', 1],
    ['after-finish', 1],
    ['after-publish', 2],
  ])('killed at %s: after a restart the job is SUCCEEDED and notified %i time(s)', async (boundary, times) => {
    serve = await startServe(REPO, dataDir, { accounts: `${KEY}=${ACCOUNT}`, env: { PEOPLE_PATHING_TEST_CRASH_AT: boundary } });
    client = rekognition(serve.url, KEY);
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: `crash-${boundary}`, NotificationChannel: CHANNEL }));
    client.destroy();
    // The real process dies at that exact boundary, by a real SIGKILL.
    expect(await serve.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const before = (await readNotifications(dataDir)).filter((n) => JSON.parse(n.Message).JobId === JobId);
    expect(before).toHaveLength(boundary === 'after-publish' ? 1 : 0);

    serve = await startServe(REPO, dataDir, { accounts: `${KEY}=${ACCOUNT}` });
    client = rekognition(serve.url, KEY);
    const c = client;
    const status = await until(
      async () => {
        const page = await c.send(new GetPersonTrackingCommand({ JobId, MaxResults: 1 }));
        return page.JobStatus === 'IN_PROGRESS' ? undefined : page.JobStatus;
      },
      120_000,
      'the job to finish',
    );
    expect(status).toBe('SUCCEEDED');
    const mine = await until(
      async () => {
        const lines = (await readNotifications(dataDir)).filter((n) => JSON.parse(n.Message).JobId === JobId);
        return lines.length >= times ? lines : undefined;
      },
      30_000,
      'the notification',
    );
    // A clean stop, then the file is final: nothing was left owed to be sent again.
    await stopServe(serve);
    const final = (await readNotifications(dataDir)).filter((n) => JSON.parse(n.Message).JobId === JobId);
    expect(final).toHaveLength(times);
    expect(final).toEqual(mine);
    for (const line of final) {
      expect(line.AccountId).toBe(ACCOUNT);
      expect(line.TopicArn).toBe(CHANNEL.SNSTopicArn);
      // What a consumer de-duplicates on: JobId and Status (and the resent message is the same bytes).
      expect(JSON.parse(line.Message)).toMatchObject({ JobId, Status: 'SUCCEEDED', API: 'StartPersonTracking', JobTag: `crash-${boundary}` });
      expect(line.Message).toBe(final[0].Message);
    }
  }, 240_000);
});

describe('local notifications: a publish that fails until the fault clears, and the account', () => {
  const ALICE = { key: 'AKIDALICE', account: '111111111111' };
  const BOB = { key: 'AKIDBOB', account: '222222222222' };
  const aliceChannel = { SNSTopicArn: `arn:aws:sns:us-east-1:${ALICE.account}:Done`, RoleArn: `arn:aws:iam::${ALICE.account}:role/R` };
  const bobChannel = { SNSTopicArn: `arn:aws:sns:us-east-1:${BOB.account}:Done`, RoleArn: `arn:aws:iam::${BOB.account}:role/R` };
  let dataDir: string;
  let server: LocalServer | undefined;
  const logLines: string[] = [];

  beforeEach(async () => {
    dataDir = await makeDataDir('pp-outbox-local-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    logLines.length = 0;
    server = await startLocalServer({
      port: 0,
      dataDir,
      auth: 'none',
      accounts: { [ALICE.key]: ALICE.account, [BOB.key]: BOB.account },
      processor: new SyntheticProcessor({ detections: 5 }),
      outbox: { intervalMs: 100, graceMs: 200 },
      log: (line) => logLines.push(line),
    });
  });
  afterEach(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a notification file that cannot be written for a while: each job ends notified exactly once', async () => {
    // notifications.ndjson is a folder: every append fails (EISDIR), as an unwritable file would for a non-root user.
    await mkdir(join(dataDir, 'notifications.ndjson', 'blocker'), { recursive: true });
    const alice = rekognition(server!.url, ALICE.key);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) ids.push((await alice.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } }, NotificationChannel: aliceChannel }))).JobId!);
      await server!.idle();
      // The completer failed once per job, then the timer retried each at least twice more.
      await until(async () => (ids.every((id) => logLines.filter((l) => l.includes(id) && /not sent|still owed/.test(l)).length >= 3) ? true : undefined), 20_000, 'failed publishes');
      for (const id of ids) expect((await alice.send(new GetPersonTrackingCommand({ JobId: id }))).JobStatus).toBe('SUCCEEDED');
      expect(await readNotifications(dataDir)).toEqual([]);

      await rm(join(dataDir, 'notifications.ndjson'), { recursive: true });
      await until(async () => ((await readNotifications(dataDir)).length >= ids.length ? true : undefined), 20_000, 'the notifications');
      await new Promise((r) => setTimeout(r, 1000)); // ten more timer runs: nothing is sent again
      const lines = await readNotifications(dataDir);
      expect(lines.map((l) => JSON.parse(l.Message).JobId as string).sort()).toEqual([...ids].sort());
      for (const l of lines) expect(l.AccountId).toBe(ALICE.account);
    } finally {
      alice.destroy();
    }
  }, 60_000);

  it("a caller of account B naming account A's topic gets no notification written, with the deployed notifier's error", async () => {
    const bob = rekognition(server!.url, BOB.key);
    try {
      const video = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };
      // Account A's role is refused at Start (doc/architecture/0020); with Bob's own role, A's topic is refused when
      // publishing, as the deployed notifier refuses it.
      await expect(bob.send(new StartPersonTrackingCommand({ Video: video, NotificationChannel: aliceChannel }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      const aliceTopic = { SNSTopicArn: aliceChannel.SNSTopicArn, RoleArn: bobChannel.RoleArn };
      const foreign = (await bob.send(new StartPersonTrackingCommand({ Video: video, NotificationChannel: aliceTopic }))).JobId!;
      const own = (await bob.send(new StartPersonTrackingCommand({ Video: video, NotificationChannel: bobChannel }))).JobId!;
      await server!.idle();
      expect((await bob.send(new GetPersonTrackingCommand({ JobId: foreign }))).JobStatus).toBe('SUCCEEDED');
      await new Promise((r) => setTimeout(r, 600)); // a few timer runs: a refused notification is not retried
      const lines = await readNotifications(dataDir);
      expect(lines).toEqual([{ AccountId: BOB.account, TopicArn: bobChannel.SNSTopicArn, Message: expect.stringContaining(own) }]);
      expect(logLines.filter((l) => l.includes(foreign))).toContainEqual(expect.stringContaining(`notification not sent (NotificationRefused)`));
      expect(logLines.filter((l) => l.includes(foreign) && /still owed|notification of job/.test(l))).toEqual([]);
    } finally {
      bob.destroy();
    }
  }, 60_000);
});
