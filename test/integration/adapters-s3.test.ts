/**
 * The AWS adapters of the API against a real S3-compatible server (s3rver, in-process): HeadObject for the
 * Start video check and ranged GetObject for result pages. Step Functions and SNS cannot run here; their
 * adapters are exercised by the workflow team's tests and by deployment.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ALL_RESULT_FILE_NAMES, LocalFolderSource, ResultsReader, ResultsWriter } from '../../core/results-format.js';
import { S3VideoSource, downloadVideo, downloadVideoRanges } from '../../adapters/s3-video-source.js';
import { s3ByteRange } from '../../adapters/s3-byte-range.js';
import { S3ResultsStore, parseS3Location } from '../../adapters/s3-results-store.js';
import type { JobRecord } from '../../core/ports.js';
import { startOwnerProxy } from '../fixtures/s3-owner-proxy.js';

const CALLER = '111111111111';

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
// s3rver is CommonJS without types.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;

describe('S3 adapters against s3rver', () => {
  let dir: string;
  let server: S3rverServer;
  let s3: S3Client;
  let endpoint: string;
  const resultsDir = () => join(dir, 'results');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pp-s3-'));
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3') });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'results' }));
    await s3.send(new PutObjectCommand({ Bucket: 'videos', Key: 'in/clip.mp4', Body: Buffer.alloc(12345, 1) }));

    const w = await ResultsWriter.create(resultsDir());
    for (let k = 0; k < 2600; k++) await w.add({ Timestamp: Math.floor(k / 3) * 66, Person: { Index: k % 3 } }, ((k * 37) % 100) / 100);
    await w.finish({ Codec: 'h264', FrameRate: 25 });
    for (const name of ALL_RESULT_FILE_NAMES) {
      await s3.send(new PutObjectCommand({ Bucket: 'results', Key: `results/111111111111/job1/${name}`, Body: await readFile(join(resultsDir(), name)) }));
    }
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('heads existing objects and reports missing ones as unreadable', async () => {
    const source = new S3VideoSource(s3);
    expect(await source.head({ S3Object: { Bucket: 'videos', Name: 'in/clip.mp4' } }, CALLER)).toEqual({ sizeBytes: 12345 });
    expect(await source.head({ S3Object: { Bucket: 'videos', Name: 'in/missing.mp4' } }, CALLER)).toBeUndefined();
    expect(await source.head({ S3Object: { Bucket: 'no-such-bucket', Name: 'in/clip.mp4' } }, CALLER)).toBeUndefined();
  });

  it("accepts only videos in buckets the caller's own account owns (S3's ExpectedBucketOwner check)", async () => {
    // s3rver has no bucket owners: a proxy answers as S3 does for a bucket owned by another account.
    const proxy = await startOwnerProxy(endpoint, { videos: CALLER });
    const client = new S3Client({ endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const source = new S3VideoSource(client);
      const video = { S3Object: { Bucket: 'videos', Name: 'in/clip.mp4' } };
      expect(await source.head(video, CALLER)).toEqual({ sizeBytes: 12345 });
      // Another account names the same object: the service's role could read it, the owner check refuses it.
      expect(await source.head(video, '222222222222')).toBeUndefined();
      expect(proxy.checked).toEqual([
        { bucket: 'videos', expectedOwner: CALLER },
        { bucket: 'videos', expectedOwner: '222222222222' },
      ]);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('ranged reads of a video stay on the object they started on: one replaced meanwhile answers 412, never mixed bytes', async () => {
    const proxy = await startOwnerProxy(endpoint, { videos: CALLER });
    const client = new S3Client({ endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const video = { Bucket: 'videos', Name: 'in/replaced.mp4' };
    try {
      await s3.send(new PutObjectCommand({ Bucket: video.Bucket, Key: video.Name, Body: Buffer.alloc(4096, 1) }));
      const source = s3ByteRange(client, video, CALLER);
      expect((await source.read(0, 100)).bytes).toEqual(new Uint8Array(100).fill(1));
      const pinned = source.etag();
      expect(pinned).toBeDefined();
      expect((await source.read(100, 100)).size).toBe(4096);
      // The caller uploads a new file under the same key while a segment child is reading the old one.
      await s3.send(new PutObjectCommand({ Bucket: video.Bucket, Key: video.Name, Body: Buffer.alloc(4096, 2) }));
      await expect(source.read(200, 100)).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      const to = join(dir, 'sparse.mp4');
      await expect(downloadVideoRanges(client, video, CALLER, to, 4096, [[0, 1024]], pinned)).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      // A later reader given the earlier ETag (a segment child given the plan's) is refused from its first read.
      await expect(s3ByteRange(client, video, CALLER, pinned).read(0, 100)).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      await expect(downloadVideo(client, video, CALLER, join(dir, 'whole.mp4'), pinned)).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      // Unpinned, the same read would take the new file's bytes into the old file's copy.
      await downloadVideoRanges(client, video, CALLER, to, 4096, [[0, 1024]]);
      expect((await readFile(to)).subarray(0, 1024)).toEqual(Buffer.alloc(1024, 2));
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('parses result locations', () => {
    expect(parseS3Location('s3://b/results/a/j/')).toEqual({ bucket: 'b', prefix: 'results/a/j/' });
    expect(parseS3Location('s3://b/results/a/j')).toEqual({ bucket: 'b', prefix: 'results/a/j/' });
    expect(parseS3Location('s3://b')).toEqual({ bucket: 'b', prefix: '' });
    expect(() => parseS3Location('/local/dir')).toThrow();
  });

  it('reads the same pages with ranged GETs as from the local folder', async () => {
    const job = { jobId: 'job1', accountId: '111111111111', resultsLocation: 's3://results/results/111111111111/job1/' } as JobRecord;
    const remote = new ResultsReader(new S3ResultsStore(s3).open(job));
    const local = new ResultsReader(new LocalFolderSource(resultsDir()));
    expect((await remote.getManifest()).count).toBe(2600);
    for (const sortBy of ['TIMESTAMP', 'INDEX'] as const) {
      for (const [start, n] of [[0, 1000], [1000, 1000], [2000, 1000], [2599, 5]]) {
        expect(await remote.readPage(sortBy, start, n)).toEqual(await local.readPage(sortBy, start, n));
      }
    }
  });
});
