/**
 * Local buckets behave like S3 (cli/local/buckets.ts): the real @aws-sdk/client-rekognition against
 * startLocalServer, with real symlinks in a real buckets folder. A key is a literal string, and only files whose real
 * path lies inside the bucket's real folder exist; everything else gets the exact error a missing S3 object gets.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPersonTrackingCommand, InvalidS3ObjectException, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import type { RekognitionClient } from '@aws-sdk/client-rekognition';
import type { TrackingJobInput, TrackingJobOutput } from '../../core/ports.js';
import { startLocalServer } from '../../cli/local/server.js';
import type { LocalServer } from '../../cli/local/server.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, rekognition } from '../fixtures/api/helpers.js';

const NOT_FOUND = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';

/** The synthetic processor, recording the file each job was handed. */
class RecordingProcessor extends SyntheticProcessor {
  readonly paths: string[] = [];
  override async process(input: TrackingJobInput): Promise<TrackingJobOutput> {
    this.paths.push(input.videoPath);
    return super.process(input);
  }
}

describe('local buckets behave like S3', () => {
  let dataDir: string;
  let elsewhere: string;
  let buckets: string;
  let server: LocalServer;
  let processor: RecordingProcessor;
  let client: RekognitionClient;

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-buckets-');
    elsewhere = await realpath(await mkdtemp(join(tmpdir(), 'pp-elsewhere-')));
    await writeFile(join(elsewhere, 'clip.mp4'), Buffer.alloc(2048, 1));
    buckets = join(dataDir, 'buckets');
    const videos = join(buckets, 'videos');
    await mkdir(join(videos, 'sub'), { recursive: true });
    await mkdir(join(videos, 'x'), { recursive: true });
    await mkdir(join(buckets, 'other'), { recursive: true });
    await writeFile(join(videos, 'clip.mp4'), Buffer.alloc(1024, 7));
    await writeFile(join(buckets, 'other', 'secret.mp4'), Buffer.alloc(1024, 9));
    await symlink('clip.mp4', join(videos, 'inside.mp4')); // stays inside
    await symlink('../clip.mp4', join(videos, 'sub', 'up.mp4')); // stays inside, through ..
    await symlink(join(elsewhere, 'clip.mp4'), join(videos, 'elsewhere.mp4')); // a video elsewhere
    await symlink('/etc/passwd', join(videos, 'passwd.mp4'));
    await symlink(elsewhere, join(videos, 'outdir')); // a folder that leaves
    await symlink('../other/secret.mp4', join(videos, 'neighbour.mp4')); // inside the root, but another bucket
    await symlink('videos', join(buckets, 'alias')); // a bucket inside the root
    await symlink(elsewhere, join(buckets, 'outside')); // a bucket that leaves the root
    processor = new RecordingProcessor({ detections: 10 });
    server = await startLocalServer({ port: 0, dataDir, processor, auth: 'none' });
    client = rekognition(server.url, 'AKIDBUCKETS');
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
  });

  const start = (Bucket: string, Name: string) => client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket, Name } } }));

  async function succeeds(bucket: string, key: string): Promise<string> {
    const { JobId } = await start(bucket, key);
    await server.idle();
    const job = await client.send(new GetPersonTrackingCommand({ JobId }));
    expect(job.JobStatus).toBe('SUCCEEDED');
    return processor.paths[processor.paths.length - 1];
  }

  it('serves a plain key, and a symlink that stays inside the bucket, as the real file', async () => {
    const real = await realpath(join(buckets, 'videos', 'clip.mp4'));
    expect(await succeeds('videos', 'clip.mp4')).toBe(real);
    expect(await succeeds('videos', 'inside.mp4')).toBe(real);
    expect(await succeeds('videos', 'sub/up.mp4')).toBe(real);
  });

  it('follows a symlinked bucket whose target is inside the buckets root', async () => {
    expect(await succeeds('alias', 'clip.mp4')).toBe(await realpath(join(buckets, 'videos', 'clip.mp4')));
  });

  const missing: [string, string, string][] = [
    ['a symlink to a video elsewhere', 'videos', 'elsewhere.mp4'],
    ['a symlink to /etc/passwd', 'videos', 'passwd.mp4'],
    ['a key through a symlinked folder that leaves', 'videos', 'outdir/clip.mp4'],
    ['a symlink into another bucket', 'videos', 'neighbour.mp4'],
    ['a symlinked bucket outside the root', 'outside', 'clip.mp4'],
    ['./clip.mp4 (a distinct key in S3)', 'videos', './clip.mp4'],
    ['x/../clip.mp4', 'videos', 'x/../clip.mp4'],
    ['clip.mp4/', 'videos', 'clip.mp4/'],
    ['/clip.mp4', 'videos', '/clip.mp4'],
    ['sub//up.mp4', 'videos', 'sub//up.mp4'],
    ['a key leaving the bucket', 'videos', '../other/secret.mp4'],
    ['a folder', 'videos', 'sub'],
    ['a missing key', 'videos', 'nope.mp4'],
  ];
  it.each(missing)('answers %s exactly as a missing object', async (_what, bucket, key) => {
    const calls = processor.paths.length;
    const err = await start(bucket, key).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(InvalidS3ObjectException);
    expect(err!.message).toBe(NOT_FOUND);
    expect(processor.paths.length).toBe(calls);
  });
});
