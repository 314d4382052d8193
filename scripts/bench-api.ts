/**
 * npm run bench:api — latency of the Rekognition-compatible API on the local endpoint (people-pathing serve,
 * embedded store), driven by the real @aws-sdk/client-rekognition over loopback HTTP. Prints one JSON object:
 *   start / get: p50 and p99 of StartPersonTracking and of a 1000-element GetPersonTracking page;
 *   bigJob: GetPersonTracking page latency (MaxResults 1000) on a job with 2,000,000 stored detections,
 *           first / middle / last page, both sort orders — flat if a page costs O(page).
 * Options (env): BENCH_N (requests per measurement, default 300), BENCH_BIG (detections, default 2000000).
 * The synthetic processor (test/fixtures/api) writes real result files; tracking itself is bench:track.
 */
import { readFile, rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetPersonTrackingCommand, StartPersonTrackingCommand } from '@aws-sdk/client-rekognition';
import { startLocalServer } from '../cli/local/server.js';
import { PaginationTokens } from '../core/api/pagination.js';
import { SyntheticProcessor } from '../test/fixtures/api/synthetic-processor.js';
import { makeDataDir, putObject, rekognition } from '../test/fixtures/api/helpers.js';

const N = Number(process.env.BENCH_N ?? 300);
const BIG = Number(process.env.BENCH_BIG ?? 2_000_000);
const KEY = 'AKIDBENCH';
const VIDEO = { S3Object: { Bucket: 'videos', Name: 'clip.mp4' } };

function stats(samples: number[]): { n: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50Ms: r(q(0.5)), p99Ms: r(q(0.99)), maxMs: r(s[s.length - 1]) };
}

async function time(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

const log = (line: string) => process.stderr.write(`bench-api: ${line}\n`);

async function main(): Promise<void> {
  const dataDir = await makeDataDir('pp-bench-api-');
  await putObject(join(dataDir, 'buckets'), 'videos', 'clip.mp4');
  const processor = new SyntheticProcessor({ detections: 3000 });
  const server = await startLocalServer({ port: 0, dataDir, processor, auth: 'none', concurrentJobLimit: 1_000_000 });
  const client = rekognition(server.url, KEY);
  try {
    // Start: each call admits a new job (no token) — validation, HeadObject-equivalent, conditional writes, launch.
    await time(20, () => client.send(new StartPersonTrackingCommand({ Video: VIDEO })));
    processor.options = { detections: 10 };
    const start = await time(N, () => client.send(new StartPersonTrackingCommand({ Video: VIDEO })));
    await server.idle();

    processor.options = { detections: 3000 };
    const { JobId: smallJob } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    await server.idle();
    await time(20, () => client.send(new GetPersonTrackingCommand({ JobId: smallJob })));
    const get = await time(N, () => client.send(new GetPersonTrackingCommand({ JobId: smallJob, MaxResults: 1000 })));

    log(`writing ${BIG} detections...`);
    processor.options = { detections: BIG, persons: 20 };
    const t0 = performance.now();
    const { JobId: bigJob } = await client.send(new StartPersonTrackingCommand({ Video: VIDEO }));
    await server.idle();
    const writeSeconds = (performance.now() - t0) / 1000;
    const status = await client.send(new GetPersonTrackingCommand({ JobId: bigJob, MaxResults: 1 }));
    if (status.JobStatus !== 'SUCCEEDED') throw new Error(`big job ended ${status.JobStatus}: ${status.StatusMessage}`);

    const tokens = new PaginationTokens(Buffer.from((await readFile(join(dataDir, 'pagination.key'), 'utf8')).trim(), 'hex'));
    const pages: Record<string, Record<string, ReturnType<typeof stats>>> = {};
    const perPage = Math.max(30, Math.round(N / 5));
    for (const SortBy of ['TIMESTAMP', 'INDEX'] as const) {
      pages[SortBy] = {};
      const offsets = { first: 0, middle: Math.floor(BIG / 2000) * 1000, last: Math.floor((BIG - 1) / 1000) * 1000 };
      for (const [name, offset] of Object.entries(offsets)) {
        const NextToken = offset === 0 ? undefined : tokens.encode({ accountId: KEY, jobId: bigJob!, sortBy: SortBy }, offset);
        const check = await client.send(new GetPersonTrackingCommand({ JobId: bigJob, SortBy, NextToken }));
        if (check.Persons!.length !== Math.min(1000, BIG - offset)) throw new Error(`unexpected page size at ${offset}`);
        await time(5, () => client.send(new GetPersonTrackingCommand({ JobId: bigJob, SortBy, NextToken })));
        pages[SortBy][name] = stats(await time(perPage, () => client.send(new GetPersonTrackingCommand({ JobId: bigJob, SortBy, NextToken }))));
      }
    }

    const result = {
      benchmark: 'api',
      endpoint: 'local (people-pathing serve: node:http + embedded dynalite on loopback), client @aws-sdk/client-rekognition',
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      start: stats(start),
      get: { ...stats(get), personsPerPage: 1000 },
      bigJob: { detections: BIG, resultsWriteSeconds: Math.round(writeSeconds * 10) / 10, pageSize: 1000, pages },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    client.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-api failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
