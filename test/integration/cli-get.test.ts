/**
 * `people-pathing get` with the real @aws-sdk/client-rekognition paginator against the real local endpoint
 * (startLocalServer: dynalite job store, local results files). The VideoProcessor is the API suite's synthetic one
 * (it writes real result files without tracking; the engine has its own tests).
 */
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPersonTrackingCommand, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import { run } from '../../cli/get.js';
import { startLocalServer, type LocalServer } from '../../cli/local/server.js';
import type { GetPersonTrackingResponse } from '../../core/types.js';
import { FRAME_STEP_MS, SYNTHETIC_METADATA, SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { gate, makeDataDir, putObject, rekognition } from '../fixtures/api/helpers.js';

const KEY = 'AKIDGETTEST';
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'walk.mp4' } };
const DETECTIONS = 2345;
const PERSONS = 5;

describe('people-pathing get', () => {
  let dataDir: string;
  let outDir: string;
  let server: LocalServer;
  let processor: SyntheticProcessor;
  let client: RekognitionClient;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-get-');
    outDir = await mkdtemp(join(tmpdir(), 'pp-get-out-'));
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk.mp4');
    processor = new SyntheticProcessor({ detections: DETECTIONS, persons: PERSONS });
    server = await startLocalServer({ port: 0, dataDir, processor, auth: 'none' });
    client = rekognition(server.url, KEY);
    // the CLI takes credentials from the environment, like any SDK program
    process.env.AWS_ACCESS_KEY_ID = KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'not-checked-locally';
  });
  afterAll(async () => {
    process.env = savedEnv;
    client?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  });

  it('pages through a finished job and writes every detection once, in order, with the metadata', async () => {
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO, JobTag: 'get-test' }));
    await server.idle();
    const out = join(outDir, 'results.json');
    // a page size that does not divide the count, so the last page is partial
    expect(await run(['--endpoint', server.url, '--job-id', JobId!, '--out', out, '--page-size', '1000'])).toBe(0);
    const merged = JSON.parse(await readFile(out, 'utf8')) as GetPersonTrackingResponse;
    expect(merged.JobStatus).toBe('SUCCEEDED');
    expect(merged.JobId).toBe(JobId);
    expect(merged.JobTag).toBe('get-test');
    expect(merged.VideoMetadata).toEqual(SYNTHETIC_METADATA);
    expect(merged.Persons).toHaveLength(DETECTIONS);
    const keys = new Set(merged.Persons!.map((p) => `${p.Person!.Index}@${p.Timestamp}`));
    expect(keys.size).toBe(DETECTIONS);
    merged.Persons!.forEach((p, k) => {
      expect(p.Timestamp).toBe(Math.floor(k / PERSONS) * FRAME_STEP_MS);
      expect(p.Person!.Index).toBe(k % PERSONS);
    });

    const byIndex = join(outDir, 'by-index.json');
    expect(await run(['--endpoint', server.url, '--job-id', JobId!, '--out', byIndex, '--sort-by', 'INDEX', '--page-size', '700'])).toBe(0);
    const indexed = JSON.parse(await readFile(byIndex, 'utf8')) as GetPersonTrackingResponse;
    expect(indexed.Persons).toHaveLength(DETECTIONS);
    const idx = indexed.Persons!.map((p) => p.Person!.Index!);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    expect(new Set(indexed.Persons!.map((p) => `${p.Person!.Index}@${p.Timestamp}`))).toEqual(keys);
  });

  it('waits for a running job with --wait, and says so without it', async () => {
    const hold = gate();
    processor.options = { detections: 12, persons: 3, gate: hold.promise };
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    const out = join(outDir, 'waited.json');
    expect(await run(['--endpoint', server.url, '--job-id', JobId!, '--out', out])).toBe(3);
    const waiting = run(['--endpoint', server.url, '--job-id', JobId!, '--out', out, '--wait', '--poll-seconds', '0.1']);
    setTimeout(hold.open, 300);
    expect(await waiting).toBe(0);
    expect((JSON.parse(await readFile(out, 'utf8')) as GetPersonTrackingResponse).Persons).toHaveLength(12);
  });

  it('shows a running job’s progress with --wait, from a member the SDK itself does not break on', async () => {
    const hold = gate();
    processor.options = {
      detections: 12,
      persons: 3,
      gate: hold.promise,
      progress: { fraction: 0.4, detail: { frames: 1000, totalFrames: 2500, segments: 3, segmentsDone: 1, etaSec: 95 } },
    };
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    // The real SDK client parses the IN_PROGRESS answer, extra member and all.
    const page = await client.send(new GetPersonTrackingCommand({ JobId }));
    expect(page.JobStatus).toBe('IN_PROGRESS');
    expect(page.Persons).toEqual([]);
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const out = join(outDir, 'progress.json');
      const waiting = run(['--endpoint', server.url, '--job-id', JobId!, '--out', out, '--wait', '--poll-seconds', '0.1']);
      setTimeout(hold.open, 400);
      expect(await waiting).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toContain(`job ${JobId} IN_PROGRESS 40.0%  segments 1/3  frames 1000/2500  ETA 1:35`);
  });

  it('counts segments as each one finishes, though they finish within the progress write interval', async () => {
    const hold = gate();
    const detail = (segmentsDone: number, frames: number) => ({ frames, totalFrames: 2000, segments: 2, segmentsDone });
    // Both segments' frames and the first segment's end arrive within a few ms; the second segment is still going.
    processor.options = {
      detections: 4,
      persons: 2,
      gate: hold.promise,
      progress: [
        { fraction: 0.1, detail: detail(0, 200) },
        { fraction: 0.5, detail: detail(0, 1000) },
        { fraction: 0.6, detail: detail(1, 1200) },
      ],
    };
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const waiting = run(['--endpoint', server.url, '--job-id', JobId!, '--wait', '--poll-seconds', '0.1', '--out', join(outDir, 'segments.json')]);
      // Well under the end of the job, and no further progress comes from the engine meanwhile.
      for (let i = 0; i < 30 && !lines.join('').includes('segments 1/2'); i++) await new Promise((r) => setTimeout(r, 100));
      hold.open();
      expect(await waiting).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toContain(`job ${JobId} IN_PROGRESS 60.0%  segments 1/2  frames 1200/2000`);
  });

  it('fails clearly for a failed job, an unknown job and bad arguments', async () => {
    processor.options = { detections: 0, failWith: 'decoder exploded' };
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    await server.idle();
    expect(await run(['--endpoint', server.url, '--job-id', JobId!, '--out', join(outDir, 'failed.json')])).toBe(1);
    expect(await run(['--endpoint', server.url, '--job-id', 'f'.repeat(64), '--out', join(outDir, 'unknown.json')])).toBe(1);
    expect(await run([])).toBe(2);
    expect(await run(['--endpoint', 'not a url', '--job-id', 'x'])).toBe(2);
    expect(await run(['--endpoint', server.url, '--job-id', 'x', '--sort-by', 'NAME'])).toBe(2);
  });
});

describe('people-pathing get signing', () => {
  // A loopback stand-in for an API Gateway deployment: it records the SigV4 credential scope and answers like
  // GetPersonTracking (one SUCCEEDED page). Real API Gateway verifies the signature; here only the scope is checked.
  it('signs for execute-api when asked (API Gateway IAM auth), for rekognition by default', async () => {
    const { createServer } = await import('node:http');
    const scopes: string[] = [];
    const srv = createServer((req, res) => {
      scopes.push(/Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '')?.slice(1).join('/') ?? 'none');
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ JobStatus: 'SUCCEEDED', JobId: 'j', Persons: [{ Timestamp: 0, Person: { Index: 0 } }] }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const dir = await mkdtemp(join(tmpdir(), 'pp-get-sign-'));
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDSIGNTEST', AWS_SECRET_ACCESS_KEY: 'secret' });
    try {
      expect(await run(['--endpoint', url, '--job-id', 'j', '--out', join(dir, 'a.json'), '--region', 'eu-west-1', '--signing-name', 'execute-api'])).toBe(0);
      expect(scopes.length).toBeGreaterThan(0);
      expect(new Set(scopes)).toEqual(new Set(['eu-west-1/execute-api']));
      scopes.length = 0;
      expect(await run(['--endpoint', url, '--job-id', 'j', '--out', join(dir, 'b.json'), '--region', 'eu-west-1'])).toBe(0);
      expect(new Set(scopes)).toEqual(new Set(['eu-west-1/rekognition']));
      expect((JSON.parse(await readFile(join(dir, 'b.json'), 'utf8')) as GetPersonTrackingResponse).Persons).toHaveLength(1);
    } finally {
      process.env = saved;
      await new Promise((r) => srv.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `get` with stderr captured; returns the exit code and what it wrote there. */
async function runCaptured(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await run(argv), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('people-pathing get finds the endpoint and credentials as the AWS SDK does', () => {
  const AWS_VARS = Object.keys(process.env).filter((k) => k.startsWith('AWS_'));
  let dataDir: string;
  let dir: string;
  let server: LocalServer;
  let jobId: string;
  const savedEnv = { ...process.env };
  /** A shell with no AWS setting but these (and shared files that do not exist unless given). */
  const shell = (env: Record<string, string>) => {
    for (const k of AWS_VARS) delete process.env[k];
    for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
    Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true' }, env);
  };

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-get-env-');
    dir = await mkdtemp(join(tmpdir(), 'pp-get-env-out-'));
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk.mp4');
    server = await startLocalServer({ port: 0, dataDir, processor: new SyntheticProcessor({ detections: 7, persons: 2 }), auth: 'none' });
    const client = rekognition(server.url, KEY);
    jobId = (await client.send(new StartPersonTrackingCommand({ Video: VIDEO })))!.JobId!;
    client.destroy();
    await server.idle();
  });
  afterEach(() => {
    process.env = { ...savedEnv };
  });
  afterAll(async () => {
    process.env = savedEnv;
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('reads AWS_ENDPOINT_URL_REKOGNITION, then AWS_ENDPOINT_URL, with no --endpoint', async () => {
    shell({ AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_REKOGNITION: server.url });
    expect(await run(['--job-id', jobId, '--out', join(dir, 'a.json')])).toBe(0);
    expect((JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as GetPersonTrackingResponse).Persons).toHaveLength(7);
    shell({ AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: 's', AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: server.url });
    expect(await run(['--job-id', jobId, '--out', join(dir, 'b.json')])).toBe(0);
  });

  it('reads a profile of the shared config and credentials files (--profile or AWS_PROFILE)', async () => {
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    await writeFile(config, `[profile pp]\nregion = eu-west-1\nendpoint_url = ${server.url}\n`);
    await writeFile(credentials, `[pp]\naws_access_key_id = ${KEY}\naws_secret_access_key = s\n`);
    shell({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials });
    expect(await run(['--job-id', jobId, '--profile', 'pp', '--out', join(dir, 'c.json')])).toBe(0);
    shell({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'pp' });
    expect(await run(['--job-id', jobId, '--out', join(dir, 'd.json')])).toBe(0);
    expect((JSON.parse(await readFile(join(dir, 'd.json'), 'utf8')) as GetPersonTrackingResponse).Persons).toHaveLength(7);
  });

  it('without credentials says in one line what to do', async () => {
    shell({ AWS_ENDPOINT_URL_REKOGNITION: server.url });
    const { code, stderr } = await runCaptured(['--job-id', jobId, '--out', join(dir, 'e.json')]);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^people-pathing get: no AWS credentials found: paste the export line `npm start` printed/);
  });

  it('with a key the endpoint did not issue says in one line what to do', async () => {
    const keysDir = await makeDataDir('pp-get-keys-');
    const verifying = await startLocalServer({ port: 0, dataDir: keysDir, processor: new SyntheticProcessor({ detections: 1, persons: 1 }) });
    try {
      shell({ AWS_ACCESS_KEY_ID: 'AKPPNOTISSUEDBYTHIS0', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), AWS_REGION: 'us-east-1' });
      const { code, stderr } = await runCaptured(['--endpoint', verifying.url, '--job-id', jobId]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/^people-pathing get: the endpoint does not know this access key: use a key it issued .*\n$/);
    } finally {
      await verifying.close();
      await rm(keysDir, { recursive: true, force: true });
    }
  });
});
