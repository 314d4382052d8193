/**
 * `people-pathing analyse --job-id --endpoint` pages through GetPersonTracking on the real local endpoint with the
 * real SDK client and gives the same analysis as `get --out` followed by `analyse FILE`.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartPersonTrackingCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { run as analyse } from '../../cli/analyse.js';
import { run as get } from '../../cli/get.js';
import { startLocalServer, type LocalServer } from '../../cli/local/server.js';
import { SyntheticProcessor } from '../fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject, rekognition } from '../fixtures/api/helpers.js';

const KEY = 'AKIDANALYSETEST';

describe('people-pathing analyse --job-id', () => {
  let dataDir: string, outDir: string, server: LocalServer, client: RekognitionClient;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    dataDir = await makeDataDir('pp-analyse-');
    outDir = await mkdtemp(join(tmpdir(), 'pp-analyse-out-'));
    await putObject(join(dataDir, 'buckets'), 'videos', 'walk.mp4');
    server = await startLocalServer({ port: 0, dataDir, processor: new SyntheticProcessor({ detections: 2345, persons: 5 }), auth: 'none' });
    client = rekognition(server.url, KEY);
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

  it('counts a job paged from the endpoint exactly as the same job saved to a file', async () => {
    const { JobId } = await client.send(new StartPersonTrackingCommand({ Video: { S3Object: { Bucket: 'videos', Name: 'walk.mp4' } } }));
    await server.idle();
    const zones = join(outDir, 'zones.json');
    await writeFile(zones, JSON.stringify({ lines: [{ name: 'mid', points: [[0.5, 0], [0.5, 1]] }, { name: 'h', points: [[0, 0.5], [1, 0.5]] }], zones: [{ name: 'left', points: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]] }] }));
    const quiet = { out: () => undefined, err: () => undefined };
    const fromJob = join(outDir, 'job.json');
    expect(await analyse(['--job-id', JobId!, '--endpoint', server.url, '--zones', zones, '--out', fromJob], quiet)).toBe(0);
    const saved = join(outDir, 'results.json');
    expect(await get(['--endpoint', server.url, '--job-id', JobId!, '--out', saved])).toBe(0);
    const fromFile = join(outDir, 'file.json');
    expect(await analyse([saved, '--zones', zones, '--out', fromFile], quiet)).toBe(0);
    const a = JSON.parse(await readFile(fromJob, 'utf8'));
    expect(a.Detections).toBe(2345);
    expect(a).toEqual(JSON.parse(await readFile(fromFile, 'utf8')));
    let err = '';
    expect(await analyse(['--job-id', 'no-such-job-0000000000000000000000000000000000000000000000000000', '--endpoint', server.url, '--zones', zones], { out: () => undefined, err: (t) => void (err += t) })).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});
