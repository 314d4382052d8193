/**
 * `people-pathing serve` as a user runs it: the real CLI in a child process (argument parsing, port 0, data dir,
 * SIGTERM shutdown), the real tracking engine (ffmpeg decode + ONNX detector from PEOPLE_PATHING_MODELS_DIR) on a
 * real video from PEOPLE_PATHING_DATA_DIR, and the real Rekognition SDK as the client.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, StartPersonTrackingCommand, paginateGetPersonTracking } from '@aws-sdk/client-rekognition';
import type { PersonDetection } from '@aws-sdk/client-rekognition';
import { makeDataDir, rekognition } from '../fixtures/api/helpers.js';
import { describeWithData, MODELS } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DATA_DIR = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(REPO, '../shared/data'));
const VIDEO_FILE = join(DATA_DIR, 'videos', 'mmtracking_demo_8frames_1080p.mp4');

const describeData = describeWithData(VIDEO_FILE, join(DATA_DIR, 'images', 'messi5.jpg'), join(MODELS, 'yolox_nano_416x416.onnx'));

describeData('people-pathing serve with the tracking engine', () => {
  let dataDir: string;
  let child: ChildProcess;
  let url: string;
  let stderr = '';

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-serve-');
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    // A copy: a symlink leaving the bucket folder is not found, as in S3 (doc/api.md).
    await copyFile(VIDEO_FILE, join(dataDir, 'buckets', 'videos', 'street.mp4'));
    // A 2 s H.264 clip of the shared photo of a footballer facing the camera: jobs must carry his Face.
    execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-i', join(DATA_DIR, 'images', 'messi5.jpg'), '-t', '2', '-r', '10',
      '-vf', 'scale=548:342,format=yuv420p', '-c:v', 'libx264', join(dataDir, 'buckets', 'videos', 'player.mp4')]);
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--auth', 'none', '--accounts', 'AKIDE2E=123456789012'], {
      cwd: REPO,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    url = await new Promise<string>((resolveUrl, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /endpoint on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolveUrl(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('returns the Face of a person facing the camera, inside that person (faces are on by default in jobs)', async () => {
    const client = rekognition(url, 'AKIDE2E');
    try {
      const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'player.mp4' } } }));
      let page = await client.send(new GetPersonTrackingCommand({ JobId }));
      for (let i = 0; i < 600 && page.JobStatus === 'IN_PROGRESS'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        page = await client.send(new GetPersonTrackingCommand({ JobId }));
      }
      expect(page.JobStatus).toBe('SUCCEEDED');
      const withFace = page.Persons!.filter((p) => p.Person?.Face);
      // 10 fps for 2 s: every sample is analysed; the player's face is visible in all of them.
      expect(withFace.length).toBeGreaterThanOrEqual(15);
      for (const { Person } of withFace) {
        const body = Person!.BoundingBox!;
        const face = Person!.Face!;
        const cx = face.BoundingBox!.Left! + face.BoundingBox!.Width! / 2;
        const cy = face.BoundingBox!.Top! + face.BoundingBox!.Height! / 2;
        expect(cx).toBeGreaterThan(body.Left!);
        expect(cx).toBeLessThan(body.Left! + body.Width!);
        expect(cy).toBeGreaterThan(body.Top!);
        expect(cy).toBeLessThan(body.Top! + body.Height! / 2);
        expect(Math.abs(cx - 0.44)).toBeLessThan(0.08);
        expect(face.Confidence).toBeGreaterThan(50);
        expect(face.Landmarks!.map((l) => l.Type)).toEqual(['eyeLeft', 'eyeRight', 'nose', 'mouthLeft', 'mouthRight']);
      }
    } finally {
      client.destroy();
    }
  });

  it('tracks the persons of a real video and serves them through the SDK', async () => {
    const client = rekognition(url, 'AKIDE2E');
    try {
      const channel = { SNSTopicArn: 'arn:aws:sns:eu-west-1:123456789012:AmazonRekognitionDone', RoleArn: 'arn:aws:iam::123456789012:role/Rek' };
      const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'street.mp4' } }, NotificationChannel: channel }));
      let status = 'IN_PROGRESS';
      for (let i = 0; i < 600 && status === 'IN_PROGRESS'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await client.send(new GetPersonTrackingCommand({ JobId, MaxResults: 1 }))).JobStatus!;
      }
      expect(status).toBe('SUCCEEDED');

      const persons: PersonDetection[] = [];
      let metadata;
      for await (const page of paginateGetPersonTracking({ client, pageSize: 10 }, { JobId })) {
        metadata = page.VideoMetadata;
        persons.push(...page.Persons!);
      }
      expect(metadata).toMatchObject({ FrameWidth: 1920, FrameHeight: 1080, Format: 'QuickTime / MOV' });
      // A street scene: several people, each tracked over more than one sampled frame.
      const perIndex = new Map<number, number>();
      for (const p of persons) perIndex.set(p.Person!.Index!, (perIndex.get(p.Person!.Index!) ?? 0) + 1);
      expect(perIndex.size).toBeGreaterThanOrEqual(2);
      expect([...perIndex.values()].some((n) => n >= 2)).toBe(true);
      for (const p of persons) {
        expect(p.Timestamp).toBeGreaterThanOrEqual(0);
        expect(p.Timestamp).toBeLessThanOrEqual(metadata!.DurationMillis!);
      }

      const lines = (await readFile(join(dataDir, 'notifications.ndjson'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0])).toEqual({ AccountId: '123456789012', TopicArn: channel.SNSTopicArn, Message: expect.any(String) });
      expect(JSON.parse(JSON.parse(lines[0]).Message)).toMatchObject({ JobId, Status: 'SUCCEEDED', Video: { S3ObjectName: 'street.mp4', S3Bucket: 'videos' } });
    } finally {
      client.destroy();
    }
  });
});
