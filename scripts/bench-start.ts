/**
 * npm run bench:start — how long `npm start` takes until it serves, as the README's reader runs it: the time from
 * starting `npm start` to the line `endpoint on http://…` (the server listens before it prints it). The first run
 * after a change builds dist/; every later run finds nothing changed. Prints one JSON object:
 *   afterChange: the run that rebuilt dist/ (a source file was touched in content first, then restored after)
 *   unchanged:   min / median / max of BENCH_N runs with nothing changed (default 5)
 * Each run has its own empty data dir and --port 0, and is stopped (SIGTERM) once it serves.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 5);

/** Milliseconds from spawning `npm start` until it prints its endpoint line. */
async function startOnce(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pp-bench-start-'));
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--', '--port', '0', '--data-dir', dataDir], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    return await new Promise<number>((resolveRun, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/endpoint on http:\/\//.test(out)) resolveRun(performance.now() - t0);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited ${code} before serving: ${err.trim()}`)));
    });
  } finally {
    // A start that failed has exited already: its own error is the one to report.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // A change in content (not only a touch): the build's freshness check hashes the sources.
  const touched = join(REPO, 'cli', 'models.ts');
  const original = await readFile(touched, 'utf8');
  let afterChange: number;
  try {
    await writeFile(touched, `${original}\n// bench:start ${Date.now()}\n`);
    afterChange = await startOnce();
  } finally {
    await writeFile(touched, original);
  }
  await startOnce(); // builds back to the restored source
  const runs: number[] = [];
  for (let i = 0; i < N; i++) runs.push(await startOnce());
  const s = [...runs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x);
  process.stdout.write(
    JSON.stringify(
      {
        benchmark: 'start',
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
        afterChangeMs: r(afterChange),
        unchanged: { n: s.length, minMs: r(s[0]!), medianMs: r(s[Math.floor(s.length / 2)]!), maxMs: r(s[s.length - 1]!) },
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
