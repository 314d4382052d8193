/**
 * The console's upload against the API's rules, over real HTTP on the local server: a dropped file larger than the
 * API's video limit is refused with the API's VideoTooLargeException, whether its size is declared up front or only
 * found while copying, and nothing is left in the bucket; a file within the limit is copied and started. The
 * processor is the synthetic one (the upload rules are what is under test, not tracking); auth 'none' signs in any key.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { makeDataDir } from '../fixtures/api/helpers.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';

const MAX = 64 * 1024;

describe('console upload limits', () => {
  let dataDir: string;
  let server: LocalServer;
  let cookie = '';
  let csrf = '';

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-console-server-');
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: new SyntheticProcessor({ detections: 10 }), maxVideoBytes: MAX });
    const r = await fetch(`${server.url}/console/api/session`, {
      method: 'POST',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDUPLOAD/20261207/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=00' },
      body: '{}',
    });
    expect(r.status).toBe(200);
    cookie = r.headers.get('set-cookie')!.split(';')[0];
    csrf = ((await r.json()) as { Csrf: string }).Csrf;
  });

  afterAll(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const uploadDir = () => join(dataDir, 'buckets', 'console-uploads', 'AKIDUPLOAD');

  it('refuses a declared size over the limit with the API error, before reading the body', async () => {
    const r = await fetch(`${server.url}/console/api/upload?name=big.mp4`, {
      method: 'PUT',
      headers: { cookie, 'x-pp-csrf': csrf, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(MAX + 1),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ __type: 'VideoTooLargeException', Message: `Video size in bytes: ${MAX + 1} is more than the maximum limit of: ${MAX} bytes` });
    expect(existsSync(join(uploadDir(), 'big.mp4'))).toBe(false);
  });

  it('refuses a chunked body that grows past the limit while copying, and leaves nothing behind', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolveAnswer, reject) => {
      const req = request(`${server.url}/console/api/upload?name=stream.mp4`, { method: 'PUT', headers: { cookie, 'x-pp-csrf': csrf } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // No Content-Length: the size is only known while it arrives.
      for (let i = 0; i < 10; i++) req.write(Buffer.alloc(16 * 1024, 1));
      req.end();
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'VideoTooLargeException' });
    expect(existsSync(join(uploadDir(), 'stream.mp4'))).toBe(false);
    expect((await readdir(uploadDir()).catch(() => [])).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });

  it('copies a file within the limit into the bucket and starts it through the API', async () => {
    const r = await fetch(`${server.url}/console/api/upload?name=small.mp4&tag=shop-1`, {
      method: 'PUT',
      headers: { cookie, 'x-pp-csrf': csrf },
      body: Buffer.alloc(1024, 7),
    });
    expect(r.status).toBe(200);
    const { JobId } = (await r.json()) as { JobId: string };
    expect(JobId).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(uploadDir(), 'small.mp4'))).toBe(true);
    const jobs = (await (await fetch(`${server.url}/console/api/jobs`, { headers: { cookie } })).json()) as { Jobs: { JobId: string; JobTag?: string; Video: unknown }[] };
    expect(jobs.Jobs).toEqual([expect.objectContaining({ JobId, JobTag: 'shop-1', Video: { S3Object: { Bucket: 'console-uploads', Name: 'AKIDUPLOAD/small.mp4' } } })]);
  });

  it('needs the CSRF header for an upload', async () => {
    const r = await fetch(`${server.url}/console/api/upload?name=x.mp4`, { method: 'PUT', headers: { cookie }, body: Buffer.alloc(10) });
    expect(r.status).toBe(403);
  });
});
