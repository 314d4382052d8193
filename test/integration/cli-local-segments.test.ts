/**
 * Local mode with segmented tracking (`serve --workers N`): a job on a video the plan cuts into segments is tracked
 * in worker processes with the real engine, stitched, and served through the real Rekognition SDK like any job.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPersonTrackingCommand, StartPersonTrackingCommand, paginateGetPersonTracking, type PersonDetection } from '@aws-sdk/client-rekognition';
import { startLocalServer, type LocalServer } from '../../cli/local/server.js';
import { createEngineProcessor } from '../../containers/tracker/src/index.js';
import { createSegmentingProcessor } from '../../containers/tracker/src/pipeline/segment-processor.js';
import { LocalFolderSource, ResultsReader } from '../../core/results-format.js';
import { makeDataDir, rekognition } from '../fixtures/api/helpers.js';
import { DATA, ffmpegMake } from './engine-data.js';

describe('serve --workers: long videos in segments', () => {
  let dataDir: string;
  let server: LocalServer;
  let clip: string;
  const progress: Array<{ segments: number; segmentsDone: number }> = [];

  beforeAll(async () => {
    dataDir = await makeDataDir('pp-serve-seg-');
    await mkdir(join(dataDir, 'buckets', 'videos'), { recursive: true });
    clip = ffmpegMake(join(dataDir, 'buckets', 'videos', 'walk.mp4'), [
      '-i', join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'), '-t', '24', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-an',
    ]);
    const processor = createSegmentingProcessor({
      workers: 2,
      faces: false,
      // The plan's defaults keep videos under 2 min unsplit; a short segment exercises the same path quickly.
      segmentSec: 8,
      overlapSec: 2,
      onSegmentProgress: (_job, p) => progress.push({ segments: p.segments, segmentsDone: p.segmentsDone }),
    });
    server = await startLocalServer({ port: 0, dataDir, auth: 'none', processor, workerConcurrency: 2 });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('returns one set of persons with the unsplit run’s Timestamps and contiguous Indexes', async () => {
    const client = rekognition(server.url, 'AKIDSEG');
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'walk.mp4' } } }));
    await server.idle();
    const first = await client.send(new GetPersonTrackingCommand({ JobId }));
    expect(first.JobStatus).toBe('SUCCEEDED');
    const persons: PersonDetection[] = [];
    for await (const page of paginateGetPersonTracking({ client }, { JobId, SortBy: 'TIMESTAMP', MaxResults: 1000 })) persons.push(...(page.Persons ?? []));
    expect(progress.at(-1)).toEqual({ segments: 3, segmentsDone: 3 });

    const whole = await mkdtemp(join(tmpdir(), 'pp-serve-seg-whole-'));
    try {
      await createEngineProcessor({ faces: false }).process({ jobId: 'x', videoPath: clip, resultsDir: whole });
      const reader = new ResultsReader(new LocalFolderSource(whole));
      const expected = await reader.readPage('TIMESTAMP', 0, (await reader.getManifest()).count);
      const stamps = (ps: PersonDetection[]): number[] => [...new Set(ps.map((p) => p.Timestamp as number))];
      expect(stamps(persons)).toEqual(stamps(expected as PersonDetection[]));
    } finally {
      await rm(whole, { recursive: true, force: true });
    }
    const order: number[] = [];
    for (const p of persons) if (!order.includes(p.Person!.Index!)) order.push(p.Person!.Index!);
    expect(order).toEqual(order.map((_, k) => k));
  }, 240_000);
});
