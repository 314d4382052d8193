/**
 * Local mode's SigV4 verification (doc 0011) seen by two more real clients: Debian's boto3 (python3-boto3) and
 * AWS CLI (awscli), installed by .ci/run and always called as /usr/bin/python3 and /usr/bin/aws. Each client
 * changes only its endpoint and credentials; tampering cases hook the clients' own events
 * (test/fixtures/sigv4/python_clients.py). Debian's botocore 1.29 and awscli 2.9 predate the service-specific
 * endpoint variables (AWS_ENDPOINT_URL_REKOGNITION), so the endpoint is passed as endpoint_url / --endpoint-url.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { FileKeyStore } from '../../cli/local/key-file-store.js';
import type { IssuedKey } from '../../core/auth/keys.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject } from '../fixtures/api/helpers.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const AWS = '/usr/bin/aws';
const DRIVER = join(process.cwd(), 'test/fixtures/sigv4/python_clients.py');
const UNKNOWN_JOB = 'a'.repeat(64);
const MISMATCH = /^The request signature we calculated does not match the signature you provided/;

interface Outcome {
  ok: boolean;
  result?: string;
  code?: string | null;
  message?: string;
  status?: number | null;
}

if (!existsSync(PYTHON) || !existsSync(AWS)) {
  throw new Error('this suite needs Debian python3-boto3 and awscli: apt-get install -y python3-boto3 awscli (.ci/run does)');
}

/** An environment with nothing from this machine's AWS setup: only the key under test. */
function env(key: { accessKeyId: string; secretAccessKey: string }, home: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_PAGER: '',
  };
}

describe('local mode verifies SigV4 for boto3 and the AWS CLI (Debian)', () => {
  let dataDir: string;
  let server: LocalServer;
  let keys: FileKeyStore;
  let alice: IssuedKey;
  let bob: IssuedKey;

  const python = async (kind: 'boto3' | 'cli', testCase: string, key: { accessKeyId: string; secretAccessKey: string }, jobId = UNKNOWN_JOB): Promise<Outcome> => {
    const { stdout } = await run(PYTHON, [DRIVER, kind, testCase, server.url, 'eu-west-1', jobId], { env: env(key, dataDir), timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Outcome;
  };
  /** /usr/bin/aws itself: exit status and the error code it prints. */
  const aws = async (key: { accessKeyId: string; secretAccessKey: string }, extra: string[] = []): Promise<{ rc: number; code?: string; stdout: string }> => {
    const args = ['rekognition', 'get-person-tracking', '--job-id', UNKNOWN_JOB, '--endpoint-url', server.url, '--region', 'eu-west-1', ...extra];
    try {
      const { stdout } = await run(AWS, args, { env: env(key, dataDir), timeout: 60_000 });
      return { rc: 0, stdout };
    } catch (e) {
      const err = e as { code: number; stderr: string; stdout: string };
      return { rc: err.code, code: /An error occurred \(([^)]+)\)/.exec(err.stderr)?.[1], stdout: err.stdout };
    }
  };

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-sigv4-py-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    keys = new FileKeyStore(dataDir);
    alice = await keys.create('111111111111');
    bob = await keys.create('222222222222');
    server = await startLocalServer({ port: 0, dataDir, processor: new SyntheticProcessor({ detections: 3 }) });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe.each(['boto3', 'cli'] as const)('%s', (kind) => {
    it('serves a valid key: Start, then Get of that job', async () => {
      const started = await python(kind, 'start', alice);
      expect(started.ok).toBe(true);
      expect(started.result).toMatch(/^[0-9a-f]{64}$/);
      await server.idle();
      expect(await python(kind, 'valid', alice, started.result)).toEqual({ ok: true, result: 'SUCCEEDED' });
      // Bob's key names another account: the job does not exist for him.
      expect(await python(kind, 'valid', bob, started.result)).toMatchObject({ ok: false, code: 'ResourceNotFoundException' });
    });

    it('answers a wrong secret with InvalidSignatureException', async () => {
      const out = await python(kind, 'valid', { accessKeyId: alice.accessKeyId, secretAccessKey: bob.secretAccessKey });
      expect(out).toMatchObject({ ok: false, code: 'InvalidSignatureException', message: expect.stringMatching(MISMATCH) });
    });

    it('answers an unknown key with UnrecognizedClientException', async () => {
      const out = await python(kind, 'valid', { accessKeyId: 'AKPPAAAAAAAAAAAAAAAA', secretAccessKey: alice.secretAccessKey });
      expect(out).toMatchObject({ ok: false, code: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    });

    it('answers a signature 20 minutes old with InvalidSignatureException "Signature expired"', async () => {
      const out = await python(kind, 'old', alice);
      expect(out).toMatchObject({ ok: false, code: 'InvalidSignatureException', message: expect.stringMatching(/^Signature expired: /) });
    });

    it('answers a body changed after signing with InvalidSignatureException', async () => {
      // botocore sends no x-amz-content-sha256: only the verifier's own hash of the body can catch this.
      expect(await python(kind, 'body', alice)).toMatchObject({ ok: false, code: 'InvalidSignatureException', message: expect.stringMatching(MISMATCH) });
    });

    it('answers a signed header changed after signing with InvalidSignatureException', async () => {
      expect(await python(kind, 'header', alice)).toMatchObject({ ok: false, code: 'InvalidSignatureException', message: expect.stringMatching(MISMATCH) });
    });

    it('answers a signature for another service (execute-api) with InvalidSignatureException', async () => {
      expect(await python(kind, 'service', alice)).toMatchObject({
        ok: false,
        code: 'InvalidSignatureException',
        message: expect.stringMatching(/^Credential should be scoped to correct service: 'rekognition'\.\s*$/),
      });
    });

    it('answers an unsigned request with MissingAuthenticationTokenException', async () => {
      expect(await python(kind, 'unsigned', alice)).toMatchObject({ ok: false, code: 'MissingAuthenticationTokenException' });
    });
  });

  it('/usr/bin/aws: valid, wrong secret, unknown, unsigned, then revoked', async () => {
    const carol = await keys.create('333333333333');
    expect(await aws(carol)).toMatchObject({ rc: 254, code: 'ResourceNotFoundException' });
    expect(await aws({ accessKeyId: carol.accessKeyId, secretAccessKey: alice.secretAccessKey })).toMatchObject({ rc: 254, code: 'InvalidSignatureException' });
    expect(await aws({ accessKeyId: 'AKPPBBBBBBBBBBBBBBBB', secretAccessKey: carol.secretAccessKey })).toMatchObject({ rc: 254, code: 'UnrecognizedClientException' });
    expect(await aws(carol, ['--no-sign-request'])).toMatchObject({ rc: 254, code: 'MissingAuthenticationTokenException' });
    await keys.revoke(carol.accessKeyId);
    expect(await aws(carol)).toMatchObject({ rc: 254, code: 'UnrecognizedClientException' });
    expect(await python('boto3', 'valid', carol)).toMatchObject({ ok: false, code: 'UnrecognizedClientException' });
  });
});
