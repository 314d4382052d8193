/**
 * A video whose container and metadata are fine but whose stream is damaged fails its job with a message a caller
 * can act on, never the decoder's internals: real ffmpeg makes an H.264 MP4, bytes of its stream are damaged in a
 * temp folder, and the job runs through local mode with the real engine and the real Rekognition SDK.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetPersonTrackingCommand, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { startLocalServer, type LocalServer } from '../../cli/local/server.js';
import { createEngineProcessor } from '../../containers/tracker/src/index.js';
import { UNDECODABLE_VIDEO } from '../../containers/tracker/src/errors.js';
import { makeDataDir, rekognition } from '../fixtures/api/helpers.js';
import { describeWithData, ffmpegMake, YOLOX } from './engine-data.js';

/** A deterministic byte stream (xorshift), so the damage is the same on every run. */
function noise(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  };
}

describeWithData(YOLOX)('a video with valid metadata and a corrupt stream', () => {
  let dataDir: string;
  let server: LocalServer;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-corrupt-');
    const videos = join(dataDir, 'buckets', 'videos');
    await mkdir(videos, { recursive: true });
    // The index first (faststart), so the probe reads valid metadata whatever happens to the stream after it.
    const src = ffmpegMake(join(dataDir, 'src.mp4'), [
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart',
    ]);
    const bytes = await readFile(src);
    const rand = noise(7);
    const overwritten = Buffer.from(bytes); // most of the stream replaced by noise: nothing decodes past the damage
    for (let i = Math.floor(bytes.length * 0.2); i < Math.floor(bytes.length * 0.9); i++) overwritten[i] = rand();
    await writeFile(join(videos, 'overwritten.mp4'), overwritten);
    const flipped = Buffer.from(bytes); // one byte in 97 flipped: frames decode with errors, well short of the count
    for (let i = Math.floor(bytes.length * 0.2); i < bytes.length; i += 97) flipped[i] ^= 0xff;
    await writeFile(join(videos, 'flipped.mp4'), flipped);
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor: createEngineProcessor({ faces: false }), log: (l) => lines.push(l) });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const run = async (name: string) => {
    const client = rekognition(server.url, 'AKIDCORRUPT');
    try {
      const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: name } } }));
      await server.idle();
      return { jobId: JobId!, job: await client.send(new GetPersonTrackingCommand({ JobId })) };
    } finally {
      client.destroy();
    }
  };
  const internals = /stream #|Invalid data|Error |error while|MB \d|filters|ffmpeg|NAL|decoding/i;

  it('overwritten stream: FAILED with "Unsupported codec/format or corrupt video", ffmpeg\'s words only in the log', async () => {
    const { jobId, job } = await run('overwritten.mp4');
    expect(job.JobStatus).toBe('FAILED');
    expect(job.StatusMessage).toBe(UNDECODABLE_VIDEO);
    const detail = lines.find((l) => l.startsWith(`job ${jobId} engine-failure-detail`));
    expect(detail).toBeDefined();
    expect(detail).toMatch(internals);
  }, 120_000);

  it('damaged frames: FAILED as truncated or corrupt, with no decoder internals', async () => {
    const { jobId, job } = await run('flipped.mp4');
    expect(job.JobStatus).toBe('FAILED');
    expect(job.StatusMessage).toMatch(/^(the video is truncated or corrupt \(decoded \d+ of about \d+ frames\); re-encode or upload it again|Unsupported codec\/format or corrupt video: .*)$/);
    expect(job.StatusMessage).not.toMatch(internals);
    expect(lines.find((l) => l.startsWith(`job ${jobId} engine-failure-detail`))).toMatch(internals);
  }, 120_000);
});
