/**
 * Local mode verifies SigV4 against issued keys (doc 0011), seen through the real @aws-sdk/client-rekognition:
 * each bad signature raises the exception class the SDK maps AWS's answer to, and a client whose clock is
 * 20 minutes slow recovers on its own from the Date header. boto3 and the AWS CLI: cli-local-sigv4-python.test.ts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { GetPersonTrackingCommand, ResourceNotFoundException, RekognitionClient, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClientConfig } from '@aws-sdk/client-rekognition';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { FileKeyStore } from '../../cli/local/key-file-store.js';
import type { IssuedKey } from '../../core/auth/keys.js';
import { run as keysCli } from '../../cli/keys.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject } from '../fixtures/api/helpers.js';

const VIDEO = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };
const UNKNOWN_JOB = 'a'.repeat(64);
const MINUTES = 60 * 1000;

type WireRequest = { headers: Record<string, string>; body: string | Uint8Array };

/** Changes the request on the wire after the SDK signed it. */
function afterSigning(c: RekognitionClient, name: string, change: (request: WireRequest) => void): void {
  c.middlewareStack.addRelativeTo(
    (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
      change(args.request as WireRequest);
      return next(args);
    },
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name, override: true },
  );
}

interface Failure {
  name: string;
  message: string;
  status?: number;
}

async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('local mode verifies SigV4 against issued keys (JS v3)', () => {
  let dataDir: string;
  let server: LocalServer;
  let keys: FileKeyStore;
  let alice: IssuedKey;
  let bob: IssuedKey;
  const clients: RekognitionClient[] = [];

  const client = (key: { accessKeyId: string; secretAccessKey: string }, extra: RekognitionClientConfig = {}) => {
    const c = new RekognitionClient({
      region: 'eu-west-1',
      endpoint: server.url,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
      ...extra,
    });
    clients.push(c);
    return c;
  };
  const get = (c: RekognitionClient, jobId = UNKNOWN_JOB) => c.send(new GetPersonTrackingCommand({ JobId: jobId }));

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-sigv4-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    keys = new FileKeyStore(dataDir);
    alice = await keys.create('111111111111');
    bob = await keys.create('222222222222');
    server = await startLocalServer({ port: 0, dataDir, processor: new SyntheticProcessor({ detections: 3 }) });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the keys file private (mode 0600)', async () => {
    expect((await stat(keys.file)).mode & 0o777).toBe(0o600);
  });

  it('serves a valid key, and the key names the account: another account cannot see the job', async () => {
    const { JobId } = await client(alice).send(new StartPersonTrackingCommand({ Video: VIDEO }));
    expect(JobId).toMatch(/^[0-9a-f]{64}$/);
    await server.idle();
    expect((await get(client(alice), JobId)).JobStatus).toBe('SUCCEEDED');
    await expect(get(client(bob), JobId)).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers a wrong secret with InvalidSignatureException', async () => {
    const f = await failure(get(client({ accessKeyId: alice.accessKeyId, secretAccessKey: bob.secretAccessKey })));
    expect(f).toEqual({ name: 'InvalidSignatureException', message: expect.stringMatching(/^The request signature we calculated does not match the signature you provided/), status: 400 });
  });

  it('answers an unknown key with UnrecognizedClientException', async () => {
    const f = await failure(get(client({ accessKeyId: 'AKPPAAAAAAAAAAAAAAAA', secretAccessKey: alice.secretAccessKey })));
    expect(f).toEqual({ name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 });
  });

  it('answers a signature 20 minutes old with InvalidSignatureException "Signature expired"', async () => {
    const f = await failure(get(client(alice, { systemClockOffset: -20 * MINUTES })));
    expect(f.name).toBe('InvalidSignatureException');
    expect(f.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
  });

  it('answers a signature 20 minutes in the future the same way', async () => {
    const f = await failure(get(client(alice, { systemClockOffset: 20 * MINUTES })));
    expect(f.name).toBe('InvalidSignatureException');
    expect(f.message).toMatch(/^Signature expired: /);
  });

  it('accepts a clock 10 minutes off (within the 15 minutes AWS allows)', async () => {
    await expect(get(client(alice, { systemClockOffset: -10 * MINUTES }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('recovers on its own from a client clock 20 minutes slow (default retries, offset from the Date header)', async () => {
    const c = client(alice, { systemClockOffset: -20 * MINUTES, maxAttempts: 3 });
    await expect(get(c)).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(Math.abs(c.config.systemClockOffset ?? Infinity)).toBeLessThan(2 * MINUTES);
  });

  it('answers a body changed after signing with InvalidSignatureException', async () => {
    const c = client(alice);
    afterSigning(c, 'tamperBody', (request) => {
      // Same length, so Content-Length still matches: only the payload hash can tell.
      const b = request.body;
      const text = typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
      request.body = text.replace(UNKNOWN_JOB, 'b'.repeat(64));
    });
    const f = await failure(get(c));
    expect(f.name).toBe('InvalidSignatureException');
    expect(f.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('answers a signed header changed after signing with InvalidSignatureException', async () => {
    const c = client(alice);
    afterSigning(c, 'tamperHeader', (request) => {
      request.headers['x-amz-target'] = 'RekognitionService.StartPersonTracking';
    });
    expect((await failure(get(c))).name).toBe('InvalidSignatureException');
  });

  it('answers a signature for another service with InvalidSignatureException', async () => {
    const credentials = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey };
    const c = client(alice, { signer: new SignatureV4({ service: 'execute-api', region: 'eu-west-1', credentials, sha256: Hash.bind(null, 'sha256') }) });
    const f = await failure(get(c));
    expect(f).toMatchObject({ name: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'rekognition'. " });
  });

  it('answers an unsigned request with MissingAuthenticationTokenException', async () => {
    const c = client(alice);
    afterSigning(c, 'unsign', (request) => {
      delete request.headers.authorization;
    });
    expect((await failure(get(c))).name).toBe('MissingAuthenticationTokenException');
  });

  it('answers a malformed Authorization header with IncompleteSignatureException', async () => {
    const res = await fetch(server.url + '/', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'RekognitionService.GetPersonTracking',
        'X-Amz-Date': '20261201T120000Z',
        Authorization: `AWS4-HMAC-SHA256 Credential=${alice.accessKeyId}/20261201/eu-west-1/rekognition/aws4_request`,
      },
      body: JSON.stringify({ JobId: UNKNOWN_JOB }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { __type: string; Message: string };
    expect(body.__type).toBe('IncompleteSignatureException');
    expect(body.Message).toContain("Authorization header requires 'Signature' parameter.");
    expect(res.headers.get('date')).toMatch(/GMT$/);
  });

  it('stops a revoked key at the next request (keys revoke from the CLI)', async () => {
    const carol = await keys.create('333333333333');
    const c = client(carol);
    await expect(get(c)).rejects.toBeInstanceOf(ResourceNotFoundException);
    const out: string[] = [];
    expect(await keysCli(['revoke', carol.accessKeyId, '--data-dir', dataDir], { out: (s) => out.push(s) })).toBe(0);
    expect(out.join('')).toContain(`revoked ${carol.accessKeyId}`);
    expect((await failure(get(c))).name).toBe('UnrecognizedClientException');
  });

  it('keys create --json prints a key that works at once; keys list never shows a secret', async () => {
    const out: string[] = [];
    expect(await keysCli(['create', '--account', '444444444444', '--data-dir', dataDir, '--json'], { out: (s) => out.push(s) })).toBe(0);
    const created = JSON.parse(out.join('')) as { AccessKeyId: string; SecretAccessKey: string; Account: string };
    expect(Object.keys(created)).toEqual(['AccessKeyId', 'SecretAccessKey', 'Account']);
    expect(created.Account).toBe('444444444444');
    await expect(get(client({ accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    const listed: string[] = [];
    expect(await keysCli(['list', '--data-dir', dataDir], { out: (s) => listed.push(s) })).toBe(0);
    const text = listed.join('');
    expect(text).toContain(created.AccessKeyId);
    expect(text).not.toContain(created.SecretAccessKey);
    expect(text).not.toContain(alice.secretAccessKey);
  });
});

describe('local mode with --auth none', () => {
  it('keeps accepting any signature, the access key id being the account', async () => {
    const dataDir = await makeDataDir('pp-sigv4-none-');
    const server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 1 }) });
    const c = new RekognitionClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'ANY', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await expect(c.send(new GetPersonTrackingCommand({ JobId: UNKNOWN_JOB }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      c.destroy();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an accounts map unless auth is none', async () => {
    await expect(startLocalServer({ port: 0, dataDir: '/nonexistent', accounts: { A: 'B' }, processor: new SyntheticProcessor({ detections: 1 }) })).rejects.toThrow(
      /auth 'none' only/,
    );
  });
});
