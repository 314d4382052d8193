/**
 * `npm run bench:analyse [-- --detections N --runs R]`: people-pathing analyse on a synthetic GetPersonTracking file
 * of N detections (default 2 000 000; persons walking across the frame at 30 fps, written as `track --out` writes
 * it, TIMESTAMP order), with three lines and three zones, the default rule, JSON and CSV out. Each run is a fresh
 * process; reports the median wall time, CPU time (user + system: what the run costs when the machine is shared) and
 * peak RSS of R runs (default 3) with the machine, its load average and the date, as JSON.
 * Issue 22's bound: 2 million detections in ≤ 10 s and ≤ 500 MB RSS.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ args: process.argv.slice(2), options: { detections: { type: 'string' }, runs: { type: 'string' }, child: { type: 'boolean' } }, allowPositionals: true });

if (values.child) {
  // The measured process: the CLI's own run(), then its peak RSS on stderr's last line.
  const { run } = await import('../cli/analyse.js');
  const argv = process.argv.slice(process.argv.indexOf('--') + 1);
  const code = await run(argv);
  const u = process.resourceUsage();
  process.stderr.write(`\nBENCH maxRSS ${u.maxRSS} cpu ${(u.userCPUTime + u.systemCPUTime) / 1e6}\n`);
  process.exit(code);
}

const N = Number(values.detections ?? 2_000_000);
const RUNS = Number(values.runs ?? 3);
const FPS = 30;

/** Persons walking straight across a 1920x1080 frame with a little box jitter, 8 at a time on average. */
async function writeSynthetic(path: string): Promise<{ persons: number; bytes: number }> {
  const out = createWriteStream(path);
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(`{"JobStatus":"SUCCEEDED","VideoMetadata":{"Codec":"h264","DurationMillis":0,"Format":"synthetic","FrameRate":${FPS},"FrameHeight":1080,"FrameWidth":1920},"Persons":[`);
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const LIFE = 300; // samples per person (10 s)
  const persons = Math.ceil(N / LIFE);
  const starts = Array.from({ length: persons }, (_, i) => Math.floor((i * LIFE) / 8));
  const paths = starts.map(() => ({ x0: rnd(), y0: 0.3 + 0.6 * rnd(), x1: rnd(), y1: 0.3 + 0.6 * rnd(), h: 0.15 + 0.15 * rnd() }));
  let written = 0;
  let next = 0;
  const active: number[] = [];
  for (let frame = 0; written < N; frame++) {
    while (next < persons && starts[next] <= frame) active.push(next++);
    const t = Math.round((frame * 1000) / FPS);
    for (let k = active.length - 1; k >= 0; k--) {
      const i = active[k];
      const s = frame - starts[i];
      if (s >= LIFE || written >= N) {
        active.splice(k, 1);
        continue;
      }
      const p = paths[i];
      const f = s / (LIFE - 1);
      const h = p.h * (1 + 0.02 * (rnd() - 0.5));
      const w = h * 0.4 * (1080 / 1920);
      const x = p.x0 + (p.x1 - p.x0) * f + 0.004 * (rnd() - 0.5);
      const y = p.y0 + (p.y1 - p.y0) * f + 0.004 * (rnd() - 0.5);
      await write(`${written++ ? ',' : ''}\n{"Timestamp":${t},"Person":{"Index":${i},"BoundingBox":{"Width":${w.toFixed(6)},"Height":${h.toFixed(6)},"Left":${(x - w / 2).toFixed(6)},"Top":${(y - h).toFixed(6)}}}}`);
    }
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
  return { persons, bytes: (await stat(path)).size };
}

function runOnce(args: string[]): Promise<{ seconds: number; cpuSeconds: number; maxRssMB: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /BENCH maxRSS (\d+) cpu ([\d.]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`analyse failed (${code}): ${err.slice(-500)}`));
      else resolve({ seconds: +seconds.toFixed(2), cpuSeconds: +Number(m[2]).toFixed(2), maxRssMB: +(Number(m[1]) / 1024).toFixed(0) });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = await mkdtemp(join(tmpdir(), 'bench-analyse-'));
try {
  const results = join(dir, 'results.json');
  const zones = join(dir, 'zones.json');
  await writeFile(zones, JSON.stringify({
    lines: [
      { name: 'door', points: [[0.5, 0.2], [0.5, 1]] },
      { name: 'middle', points: [[0.1, 0.6], [0.9, 0.6]] },
      { name: 'diagonal', points: [[0.1, 0.3], [0.9, 0.9]] },
    ],
    zones: [
      { name: 'left', points: [[0, 0.3], [0.3, 0.3], [0.3, 1], [0, 1]] },
      { name: 'centre', points: [[0.35, 0.4], [0.65, 0.4], [0.65, 0.8], [0.35, 0.8]] },
      { name: 'triangle', points: [[0.7, 0.3], [1, 0.5], [0.7, 0.9]] },
    ],
  }));
  process.stderr.write(`writing ${N} detections…\n`);
  const file = await writeSynthetic(results);
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    runs.push(await runOnce([results, '--zones', zones, '--out', join(dir, 'analysis.json'), '--csv', join(dir, 'csv')]));
    process.stderr.write(`run ${r + 1}: ${runs[r].seconds} s wall, ${runs[r].cpuSeconds} s CPU, ${runs[r].maxRssMB} MB\n`);
  }
  const report = {
    benchmark: 'analyse',
    date: new Date().toISOString(),
    machine: { host: hostname(), cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version },
    input: { detections: N, persons: file.persons, bytes: file.bytes, lines: 3, zones: 3, rule: 'default', outputs: 'JSON + CSVs' },
    runs,
    median: { seconds: median(runs.map((r) => r.seconds)), cpuSeconds: median(runs.map((r) => r.cpuSeconds)), maxRssMB: median(runs.map((r) => r.maxRssMB)) },
    load: { before: loadavg()[0] },
    bounds: { seconds: 10, maxRssMB: 500 },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
