/**
 * npm run bench:soak — the notification outbox under random SIGKILLs (doc/architecture/0017-notification-outbox.md).
 *
 * A real `people-pathing serve` (auth none, the real engine, no faces) on a short real video from the shared data.
 * Each round starts serve, submits jobs with a NotificationChannel, and kills serve with SIGKILL at a point picked at
 * random: at a random moment (`random-time`), or exactly at a boundary of a completion through serve's test-only
 * PEOPLE_PATHING_TEST_CRASH_AT (`before-finish`, `after-finish`, `after-publish`). Jobs left IN_PROGRESS resume on the
 * next start; owed notifications are re-published at that start. After the last round, one clean start runs until
 * every job is finished and notified, then stops.
 *
 * Prints one JSON object: jobs, finished, notified, duplicates (extra messages; expected only after a kill between a
 * publish and its mark), by kill point, the machine and the date. Exit code 1 when a job was not finished or not
 * notified.
 *
 * Environment: PEOPLE_PATHING_DATA_DIR (default ../shared/data), PEOPLE_PATHING_MODELS_DIR, SOAK_ROUNDS (20),
 * SOAK_JOBS_PER_ROUND (2), SOAK_SEED (7).
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { makeDataDir, rekognition } from '../test/fixtures/api/helpers.js';
import { rng } from '../test/fixtures/random.js';
import { readNotifications, startServe, stopServe } from '../test/fixtures/api/serve-process.js';
import type { ServeProcess } from '../test/fixtures/api/serve-process.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(REPO, '../shared/data'));
process.env.PEOPLE_PATHING_MODELS_DIR ??= join(DATA, 'models');
const VIDEO_FILE = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');
const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 20);
const JOBS_PER_ROUND = Number(process.env.SOAK_JOBS_PER_ROUND ?? 2);
const random = rng(Number(process.env.SOAK_SEED ?? 7));
const ACCOUNT = '123456789012';
const KEY = 'AKIDSOAK';
const CHANNEL = { SNSTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:AmazonRekognitionSoak`, RoleArn: `arn:aws:iam::${ACCOUNT}:role/Soak` };
const KILL_POINTS = ['random-time', 'before-finish', 'after-finish', 'after-publish'] as const;
type KillPoint = (typeof KILL_POINTS)[number];
/** A boundary kill that no job reaches within this long is done from outside instead (counted as random-time). */
const BOUNDARY_WAIT_MS = 90_000;
/** A random-time kill lands within this long of the round's submissions (a job here takes a few seconds). */
const RANDOM_KILL_MS = 8_000;

/** Every job of every round may be IN_PROGRESS at once (kills come faster than jobs finish). */
const SERVE_ARGS = ['--concurrent-job-limit', String(ROUNDS * JOBS_PER_ROUND + 1)];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} soak: ${line}\n`);

async function main(): Promise<number> {
  const dataDir = await makeDataDir('pp-soak-');
  await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
  await copyFile(VIDEO_FILE, join(dataDir, 'buckets', 'videos', 'street.mp4'));
  const started = Date.now();
  const jobs: string[] = [];
  const rounds: { point: KillPoint; killed: boolean; linesAfter: number }[] = [];
  let serve: ServeProcess | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      let point = KILL_POINTS[Math.floor(random() * KILL_POINTS.length)];
      const env = point === 'random-time' ? {} : { PEOPLE_PATHING_TEST_CRASH_AT: point };
      serve = await startServe(REPO, dataDir, { accounts: `${KEY}=${ACCOUNT}`, env, args: SERVE_ARGS });
      const client = rekognition(serve.url, KEY);
      const delay = Math.floor(random() * RANDOM_KILL_MS);
      try {
        for (let j = 0; j < JOBS_PER_ROUND; j++) {
          const out = await client.send(
            new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'street.mp4' } }, JobTag: `soak-${round}-${j}`, NotificationChannel: CHANNEL }),
          );
          jobs.push(out.JobId!);
        }
      } catch (error) {
        // serve died at a boundary while a resumed job completed: the round's remaining jobs are not submitted
        log(`round ${round + 1}: a start was not answered (${error instanceof Error ? error.name : 'error'})`);
      } finally {
        client.destroy();
      }
      const current = serve;
      let killed: boolean;
      if (point === 'random-time') {
        await Promise.race([sleep(delay), current.exited]);
        killed = current.child.kill('SIGKILL');
      } else {
        const exitedByItself = await Promise.race([current.exited.then(() => true), sleep(BOUNDARY_WAIT_MS).then(() => false)]);
        if (!exitedByItself) {
          point = 'random-time';
          current.child.kill('SIGKILL');
        }
        killed = true;
      }
      const exit = await current.exited;
      const linesAfter = (await readNotifications(dataDir)).length;
      rounds.push({ point, killed: killed && exit.signal === 'SIGKILL', linesAfter });
      log(`round ${round + 1}/${ROUNDS}: ${point}, exit ${exit.signal ?? exit.code}, ${jobs.length} jobs, ${linesAfter} notification lines`);
    }

    // The last start: no kills; wait until every job is finished and notified.
    serve = await startServe(REPO, dataDir, { accounts: `${KEY}=${ACCOUNT}`, args: SERVE_ARGS });
    const client = rekognition(serve.url, KEY);
    const status = new Map<string, string>();
    const deadline = Date.now() + 15 * 60_000;
    try {
      for (;;) {
        for (const id of jobs) {
          if (status.get(id) && status.get(id) !== 'IN_PROGRESS') continue;
          status.set(id, (await client.send(new GetPersonTrackingCommand({ JobId: id, MaxResults: 1 }))).JobStatus ?? 'UNKNOWN');
        }
        const notified = new Set((await readNotifications(dataDir)).map((n) => JSON.parse(n.Message).JobId as string));
        if (jobs.every((id) => status.get(id) !== 'IN_PROGRESS' && notified.has(id))) break;
        if (Date.now() > deadline) break;
        await sleep(500);
      }
    } finally {
      client.destroy();
    }
    await stopServe(serve);
    serve = undefined;

    const lines = await readNotifications(dataDir);
    const firstLine = new Map<string, number>();
    const count = new Map<string, number>();
    const distinctMessages = new Map<string, Set<string>>();
    lines.forEach((line, index) => {
      const id = JSON.parse(line.Message).JobId as string;
      if (!firstLine.has(id)) firstLine.set(id, index);
      count.set(id, (count.get(id) ?? 0) + 1);
      distinctMessages.set(id, (distinctMessages.get(id) ?? new Set()).add(line.Message));
    });
    // A duplicate is blamed on the round in which its first copy was written (the kill that lost its mark).
    const roundOfLine = (index: number) => rounds.findIndex((r) => index < r.linesAfter);
    const byKillPoint: Record<string, { rounds: number; duplicates: number }> = {};
    for (const p of KILL_POINTS) byKillPoint[p] = { rounds: rounds.filter((r) => r.point === p).length, duplicates: 0 };
    let duplicates = 0;
    for (const [id, n] of count) {
      if (n < 2) continue;
      duplicates += n - 1;
      const r = roundOfLine(firstLine.get(id)!);
      const at = r >= 0 ? rounds[r].point : 'random-time';
      byKillPoint[at].duplicates += n - 1;
    }
    const finished = jobs.filter((id) => status.get(id) === 'SUCCEEDED' || status.get(id) === 'FAILED').length;
    const notified = jobs.filter((id) => count.has(id)).length;
    const result = {
      benchmark: 'soak',
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      video: 'mmtracking_demo_8frames_1080p.mp4',
      rounds: rounds.length,
      kills: rounds.filter((r) => r.killed).length,
      jobs: jobs.length,
      finished,
      succeeded: jobs.filter((id) => status.get(id) === 'SUCCEEDED').length,
      notified,
      notificationLines: lines.length,
      duplicates,
      duplicatesDiffering: [...distinctMessages.values()].filter((s) => s.size > 1).length,
      byKillPoint,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      ok: finished === jobs.length && notified === jobs.length,
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.ok ? 0 : 1;
  } finally {
    await stopServe(serve);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench-soak: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
