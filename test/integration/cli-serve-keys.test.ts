/**
 * The quick start with verified keys: the real `people-pathing serve` in a child process issues a key on its
 * first start and prints it as export lines; a Rekognition client configured by nothing but the environment
 * (AWS_ENDPOINT_URL_REKOGNITION and that key — no line of client code changes) works against it; a restart
 * keeps the key and issues none; `--auth none` warns.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetPersonTrackingCommand, RekognitionClient, ResourceNotFoundException } from '@aws-sdk/client-rekognition';
import { makeDataDir } from '../fixtures/api/helpers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Served {
  child: ChildProcess;
  url: string;
  stdout: string;
  stderr: string;
}

async function serve(dataDir: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'cli/main.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--no-faces', ...extra], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const served: Served = { child, url: '', stdout: '', stderr: '' };
  child.stderr!.on('data', (d: Buffer) => (served.stderr += d.toString()));
  served.url = await new Promise<string>((resolveUrl, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      served.stdout += d.toString();
      const m = /AWS_ENDPOINT_URL_REKOGNITION=(http:\/\/127\.0\.0\.1:\d+)/.exec(served.stdout);
      if (m) resolveUrl(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${served.stderr}`)));
  });
  return served;
}

async function stop(s: Served | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** A client as an unchanged application builds it: configuration from the environment only. */
async function getWithEnvironment(env: Record<string, string | undefined>): Promise<unknown> {
  const names = ['AWS_ENDPOINT_URL_REKOGNITION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_SESSION_TOKEN'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, env);
  const client = new RekognitionClient({});
  try {
    return await client.send(new GetPersonTrackingCommand({ JobId: 'a'.repeat(64) })).catch((e: unknown) => e);
  } finally {
    client.destroy();
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

describe('people-pathing serve issues and verifies keys', () => {
  let dataDir: string;
  let current: Served | undefined;

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-serve-keys-');
  });
  afterEach(async () => {
    await stop(current);
    current = undefined;
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('first start prints export lines whose key works with an environment-only client; a restart keeps it', async () => {
    current = await serve(dataDir);
    // The printed line, taken whole as a shell would: every client the README shows reads what it needs from it.
    const line = /^export (.*)$/m.exec(current.stdout)?.[1];
    expect(line).toBeDefined();
    const env = Object.fromEntries(line!.split(' ').map((kv) => kv.split('=', 2) as [string, string]));
    expect(Object.keys(env).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_REKOGNITION', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
    expect(env.AWS_ACCESS_KEY_ID).toMatch(/^AKPP[A-Z2-7]{16}$/);
    expect(env.AWS_SECRET_ACCESS_KEY).toMatch(/^\S{40}$/);
    expect(env.AWS_DEFAULT_REGION).toBe(env.AWS_REGION); // botocore (boto3, AWS CLI v1) reads only AWS_DEFAULT_REGION
    expect(env.AWS_ENDPOINT_URL_REKOGNITION).toBe(current.url);
    expect(await getWithEnvironment(env)).toBeInstanceOf(ResourceNotFoundException);
    expect(((await getWithEnvironment({ ...env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) })) as Error).name).toBe('InvalidSignatureException');
    await stop(current);

    current = await serve(dataDir);
    expect(current.stdout).not.toContain('export AWS_ACCESS_KEY_ID');
    expect(await getWithEnvironment({ ...env, AWS_ENDPOINT_URL_REKOGNITION: current.url })).toBeInstanceOf(ResourceNotFoundException);
  });

  it('--auth none warns and accepts any key; --accounts without it is refused', async () => {
    current = await serve(dataDir, ['--auth', 'none']);
    // stderr is its own pipe: the line may arrive after the endpoint line on stdout.
    for (let i = 0; i < 100 && !current.stderr.includes('WARNING'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(current.stderr).toContain('WARNING --auth none: signatures are not verified');
    const env = { AWS_ENDPOINT_URL_REKOGNITION: current.url, AWS_ACCESS_KEY_ID: 'ANYTHING', AWS_SECRET_ACCESS_KEY: 'anything', AWS_REGION: 'us-east-1' };
    expect(await getWithEnvironment(env)).toBeInstanceOf(ResourceNotFoundException);
    await stop(current);
    current = undefined;
    await expect(serve(dataDir, ['--accounts', 'A=1'])).rejects.toThrow(/--accounts needs --auth none/);
  });
});
