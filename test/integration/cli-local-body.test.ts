/**
 * Local mode reads a request's body only after its headers pass authentication, at most 1 MiB of it, and signs
 * over its raw bytes: requests signed here with @smithy/signature-v4 (the SDK's signer) over exact bytes, sent with
 * node:http, and the real @aws-sdk/client-rekognition for the signed request that must still work.
 */
import { request } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetPersonTrackingCommand, RekognitionClient, ResourceNotFoundException } from '@aws-sdk/client-rekognition';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/core/serde';
import { MAX_BODY_BYTES, startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { FileKeyStore } from '../../cli/local/key-file-store.js';
import type { IssuedKey } from '../../core/auth/keys.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject } from '../fixtures/api/helpers.js';

const TARGET = 'RekognitionService.GetPersonTracking';

interface Answer {
  status: number;
  body: string;
}

/** POSTs `body` with `headers`; `chunked` sends it without a Content-Length, in 64 KiB writes. */
function post(url: string, headers: Record<string, string>, body: Uint8Array, chunked = false): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(`${url}/`, { method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': String(body.length) } });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: text }));
    });
    // A client still sending when the server closes sees its writes fail; the answer has come first.
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    if (!chunked) {
      req.end(body);
      return;
    }
    let at = 0;
    const more = (): void => {
      while (at < body.length) {
        const piece = body.subarray(at, at + 65536);
        at += piece.length;
        if (!req.write(piece)) {
          req.once('drain', more);
          return;
        }
      }
      req.end();
    };
    more();
  });
}

async function signed(url: string, key: IssuedKey, body: Uint8Array): Promise<Record<string, string>> {
  const { host } = new URL(url);
  const signer = new SignatureV4({
    service: 'rekognition',
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
  const headers = { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET };
  const out = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', headers, body });
  return out.headers as Record<string, string>;
}

describe('local mode: request bodies, their signature and their limit', () => {
  let dataDir: string;
  let server: LocalServer;
  let alice: IssuedKey;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-body-');
    await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
    alice = await new FileKeyStore(dataDir).create('111111111111');
    server = await startLocalServer({ port: 0, dataDir, processor: new SyntheticProcessor({ detections: 3 }), log: (l) => lines.push(l) });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The bytes the server read from the connection of the next refused request (its own count, logged at close). */
  async function bytesReceived(since: number): Promise<number> {
    for (let i = 0; i < 50; i++) {
      const line = lines.slice(since).find((l) => l.startsWith('closed a connection whose request was refused'));
      if (line) return Number(/\((\d+) bytes received\)/.exec(line)![1]);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the server logged no refused connection');
  }

  it('checks the signature over the raw bytes: a signed body that is not UTF-8 is a bad body, not a bad signature', async () => {
    // {"JobId":"<0xff 0xfe>"}: invalid UTF-8 inside a JSON string.
    const body = Buffer.concat([Buffer.from('{"JobId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const answer = await post(server.url, await signed(server.url, alice, body), body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'InvalidParameterException', Message: 'Request body is not valid JSON' });
  });

  it('still serves the same request signed over valid bytes', async () => {
    const body = Buffer.from(JSON.stringify({ JobId: 'a'.repeat(64) }));
    const answer = await post(server.url, await signed(server.url, alice, body), body);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'ResourceNotFoundException' });
  });

  it('refuses an unsigned 10 MiB upload from its headers, reading at most 1 MiB', async () => {
    const since = lines.length;
    const answer = await post(server.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET }, Buffer.alloc(10 << 20, 0x20));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'MissingAuthenticationTokenException', Message: 'Request is missing Authentication Token' });
    expect(await bytesReceived(since)).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });

  it('refuses the same upload sent without a Content-Length, reading at most 1 MiB', async () => {
    const since = lines.length;
    const answer = await post(server.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': TARGET }, Buffer.alloc(10 << 20, 0x20), true);
    expect(answer.status).toBe(400);
    expect(await bytesReceived(since)).toBeLessThanOrEqual(MAX_BODY_BYTES);
  });

  it('cuts off a 10 MiB body whose headers pass (a known key) at the 1 MiB limit, with the JSON error', async () => {
    const small = Buffer.from('{}');
    const headers = await signed(server.url, alice, small); // a real key and date; the body will not match
    const since = lines.length;
    const answer = await post(server.url, headers, Buffer.alloc(10 << 20, 0x20), true);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'InvalidParameterException', Message: 'Request body too large' });
    // The limit, plus at most one socket read (64 KiB) and the headers.
    expect(await bytesReceived(since)).toBeLessThanOrEqual(MAX_BODY_BYTES + 65536 + 4096);
  });

  it('serves a signed request from the real SDK after all that', async () => {
    const client = new RekognitionClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await expect(client.send(new GetPersonTrackingCommand({ JobId: 'b'.repeat(64) }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      client.destroy();
    }
  });
});
