/**
 * A normal run prints nothing on stderr: the real `serve` (first start: key issued, a job tracked with the real engine
 * on a real video) and the real `get` (the finished job into a file), each in its own process, configured only by the
 * line `serve` printed, as the README's reader does. On Node 20 the AWS SDK would warn on both (its releases after
 * January 2027 need Node 22); the CLI answers that with the SDK's own switch (ADR 0021).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, RekognitionClient, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { makeDataDir } from '../fixtures/api/helpers.js';
import { DATA, MODELS, YOLOX, describeWithData } from './engine-data.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VIDEO = join(DATA, 'videos', 'mmtracking_demo_8frames_1080p.mp4');

/** The environment of a shell with no AWS or SDK setting: only what the test adds. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return { ...env, NODE_OPTIONS: '', PEOPLE_PATHING_MODELS_DIR: MODELS, ...extra };
}

describeWithData(VIDEO, YOLOX)('serve and get print nothing on stderr in normal operation', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  let serveErr = '';

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-quiet-');
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    // A copy: a symlink leaving the bucket is not found, as in S3 (doc/architecture/0018).
    await copyFile(VIDEO, join(dataDir, 'buckets', 'videos', 'street.mp4'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serve, a tracked job, and get of its results', async () => {
    const serve = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-faces'], {
      cwd: REPO,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = serve;
    serve.stderr!.on('data', (d: Buffer) => (serveErr += d.toString()));
    const printed = await new Promise<string>((resolveLine, reject) => {
      let out = '';
      serve.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = /^export (.*)$/m.exec(out)?.[1];
        if (line) resolveLine(line);
      });
      serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${serveErr}`)));
    });
    const shell = Object.fromEntries(printed.split(' ').map((kv) => kv.split('=', 2) as [string, string]));

    // The job, from a client configured by the printed line alone.
    const saved = { ...process.env };
    Object.assign(process.env, shell);
    const client = new RekognitionClient({});
    let jobId: string;
    try {
      jobId = (await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'street.mp4' } } }))).JobId!;
      let status = 'IN_PROGRESS';
      for (let i = 0; i < 600 && status === 'IN_PROGRESS'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await client.send(new GetPersonTrackingCommand({ JobId: jobId, MaxResults: 1 }))).JobStatus!;
      }
      expect(status).toBe('SUCCEEDED');
    } finally {
      client.destroy();
      process.env = saved;
    }

    const out = join(dataDir, 'results.json');
    const get = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'get', '--job-id', jobId, '--out', out], {
      cwd: REPO,
      env: cleanEnv(shell),
      encoding: 'utf8',
    });
    expect({ status: get.status, stderr: get.stderr }).toEqual({ status: 0, stderr: '' });
    expect((JSON.parse(await readFile(out, 'utf8')) as { Persons: unknown[] }).Persons.length).toBeGreaterThan(0);
    expect(serveErr).toBe('');
  });
});
