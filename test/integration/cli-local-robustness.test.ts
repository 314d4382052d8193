/**
 * Local mode when the operator is unlucky or the caller hostile (doc/architecture/0013-untrusted-input.md), with the
 * real Rekognition SDK, the real dynalite store on disk and the real results writer:
 *  - a body over 1 MiB gets InvalidParameterException, not a connection reset;
 *  - a StatusMessage never carries a server path (an ENOTDIR from the results folder);
 *  - a full data disk (a real 4 MiB tmpfs where this machine lets root mount one): the server stays up, the affected
 *    jobs end FAILED with a clear message, nothing stays IN_PROGRESS, and it works again once space returns;
 *  - a data dir that is not writable, or that a second server holds: one clear line, exit code 1, no stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetPersonTrackingCommand, InvalidParameterException, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject, rekognition } from '../fixtures/api/helpers.js';

const REPO = resolve(process.cwd());
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };

async function until(what: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local server: request bodies and StatusMessages', () => {
  let dataDir: string;
  let server: LocalServer;
  let client: RekognitionClient;

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-robust-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 20 }) });
    client = rekognition(server.url, 'AKIDROBUST');
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a 1.5 MiB body with InvalidParameterException (the real SDK reads the error, no reset)', async () => {
    const err = await client
      .send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'x'.repeat(1.5 * 1024 * 1024) }))
      .then(() => undefined, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err?.message).toBe('Request body too large');
    // The connection stays usable for the next call.
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    expect(JobId).toMatch(/^[0-9a-f]{64}$/);
    await server.idle();
  });

  it('answers a raw 3 MiB POST with the JSON error and status 413', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolveRes, reject) => {
      const req = request(`${server.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'RekognitionService.StartPersonTracking' },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolveRes({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(3 << 20, 0x20));
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ __type: 'InvalidParameterException', Message: 'Request body too large' });
  });

  it('a job failing with ENOTDIR gets a StatusMessage without server paths', async () => {
    // The results root replaced by a file: creating <dataDir>/results/<JobId> fails with ENOTDIR and the path.
    await rm(join(dataDir, 'results'), { recursive: true, force: true });
    await writeFile(join(dataDir, 'results'), 'not a folder');
    try {
      const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'enotdir' }));
      await server.idle();
      const job = await client.send(new GetPersonTrackingCommand({ JobId }));
      expect(job.JobStatus).toBe('FAILED');
      expect(job.StatusMessage).toMatch(/ENOTDIR/);
      expect(job.StatusMessage).not.toContain(dataDir);
      expect(job.StatusMessage).not.toMatch(/\/(tmp|results)\b/);
    } finally {
      await rm(join(dataDir, 'results'), { force: true });
      await mkdir(join(dataDir, 'results'));
    }
  });
});

/** Root may mount a tmpfs on most Linux machines; a container without CAP_SYS_ADMIN may not. */
function mountTmpfs(dir: string, size: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

describe('local server on a full data disk', () => {
  let mnt: string;
  let mounted = false;
  let server: LocalServer | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    mnt = await mkdtemp(join(tmpdir(), 'pp-fulldisk-'));
    mounted = mountTmpfs(mnt, '4m');
  });
  afterAll(async () => {
    await server?.close();
    if (mounted) spawnSync('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
  });

  it('stays up, fails the affected jobs with a clear message, holds none IN_PROGRESS, and recovers when space returns', async () => {
    if (!mounted) {
      // Needs root and permission to mount; reported, not silently passed.
      console.warn('full-disk test skipped: cannot mount a tmpfs here');
      return;
    }
    const dataDir = join(mnt, 'data');
    const processor = new SyntheticProcessor({ detections: 3000 });
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor, log: (l) => logs.push(l) });
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    const client = rekognition(server.url, 'AKIDFULL');
    try {
      const before = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'before' }));
      await server.idle();
      expect((await client.send(new GetPersonTrackingCommand({ JobId: before.JobId }))).JobStatus).toBe('SUCCEEDED');

      // Fill the disk.
      await writeFile(join(mnt, 'filler'), Buffer.alloc(8 << 20)).catch(() => undefined);
      const started: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: `full-${i}` })).catch((e: Error) => e);
        if (!(r instanceof Error)) started.push(r.JobId as string);
        else expect(r.name).toBe('InternalServerError'); // the store is down: a retryable 500, never a hang
      }
      expect(started.length).toBeGreaterThan(0);
      await until(async () => logs.some((l) => /job store unavailable: the data disk is full/.test(l)));

      // Space returns.
      await rm(join(mnt, 'filler'));
      await until(async () => logs.some((l) => /job store available again/.test(l)));
      await server.idle();
      for (const JobId of started) {
        const job = await client.send(new GetPersonTrackingCommand({ JobId }));
        expect(job.JobStatus).not.toBe('IN_PROGRESS');
        if (job.JobStatus === 'FAILED') expect(job.StatusMessage).toBe('Video processing failed: the server ran out of disk space. Try again later.');
      }
      const after = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'after' }));
      await server.idle();
      expect((await client.send(new GetPersonTrackingCommand({ JobId: after.JobId }))).JobStatus).toBe('SUCCEEDED');
    } finally {
      client.destroy();
    }
  }, 90_000);

  it('restarted on a full disk, waits for space instead of crash-looping, then serves', async () => {
    if (!mounted) {
      console.warn('full-disk start-up test skipped: cannot mount a tmpfs here');
      return;
    }
    await server?.close();
    server = undefined;
    const dataDir = join(mnt, 'data');
    await writeFile(join(mnt, 'filler'), Buffer.alloc(8 << 20)).catch(() => undefined);
    const startLogs: string[] = [];
    const starting = startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 10 }), log: (l) => startLogs.push(l) });
    let settled = false;
    void starting.then(() => (settled = true), () => (settled = true));
    await until(async () => startLogs.some((l) => /job store unavailable: the data disk is full; waiting for free space/.test(l)));
    expect(settled).toBe(false);
    await rm(join(mnt, 'filler'));
    server = await starting;
    const client = rekognition(server.url, 'AKIDFULL');
    try {
      const job = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'restarted' }));
      await server.idle();
      expect((await client.send(new GetPersonTrackingCommand({ JobId: job.JobId }))).JobStatus).toBe('SUCCEEDED');
    } finally {
      client.destroy();
    }
  }, 90_000);
});

describe('serve with a data dir it cannot use', () => {
  const serve = (dataDir: string): Promise<{ code: number | null; stderr: string; stdout: string }> =>
    new Promise((resolveRun) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-faces'], {
        cwd: REPO,
        env: { ...process.env, NODE_OPTIONS: '', HOME: tmpdir() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/endpoint on/.test(stdout)) child.kill('SIGTERM'); // it started: not what these tests expect
      });
      child.on('exit', (code) => resolveRun({ code, stderr, stdout }));
    });
  const meaningful = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() && !/NodeVersionSupportWarning|node >=22|versions published|will require|To continue|security updates|a\.co\/|trace-warnings/.test(l));

  it('a second server on the same data dir: one clear line, exit 1, no stack trace', async () => {
    const dataDir = await makeDataDir('pp-second-');
    const first = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 1 }) });
    try {
      const r = await serve(dataDir);
      expect(r.code).toBe(1);
      expect(meaningful(r.stderr)).toEqual([`people-pathing: cannot use the data dir ${dataDir}: another process (a second serve?) is using the data dir`]);
    } finally {
      await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a read-only data dir: one clear line, exit 1, no stack trace', async () => {
    // A data dir a previous run made, on a file system now mounted read-only (root writes anywhere else: a read-only
    // mount is what it cannot write, whichever folder the checkout lives in).
    const mnt = await makeDataDir('pp-readonly-');
    if (!mountTmpfs(mnt, '4m')) {
      console.warn('read-only data dir test skipped: cannot mount a tmpfs here');
      await rm(mnt, { recursive: true, force: true });
      return;
    }
    const dataDir = join(mnt, 'data');
    try {
      const seed = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 1 }) });
      await seed.close();
      expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
      const r = await serve(dataDir);
      expect(r.code).toBe(1);
      expect(meaningful(r.stderr)).toEqual([`people-pathing: cannot use the data dir ${dataDir}: it is not writable (EROFS)`]);
    } finally {
      spawnSync('umount', [mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  }, 60_000);
});
