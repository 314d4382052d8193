/**
 * Segmented tracking runs: one segment (a range of source frames, tracked by the ordinary engine into a segment
 * folder: core/stitch/segment-files.ts), and a whole video cut by the plan (segments.ts), its segments run in N worker
 * processes (segment-child.ts) and stitched (core/stitch/) into the results format or MOT rows.
 * doc/architecture/0014-segmented-tracking.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ResultsWriter } from '../../../../core/results-format.js';
import type { VideoMetadata } from '../../../../core/types.js';
import type { HwAccel } from '../decode/ffmpeg-decoder.js';
import { analysisStep } from '../../../../core/segment-plan.js';
import type { ModelKind } from '../detect/index.js';
import { EngineError } from '../errors.js';
import { createFaceThread, type FaceThread } from './face-thread.js';
import { stitchSegments, type StitchedSample, type StitchStats } from '../../../../core/stitch/index.js';
import { openSegmentDir, SegmentWriter, type SegmentMeta } from '../../../../core/stitch/segment-files.js';
import { stitchOptionsFor, toPersonDetections } from '../../../../core/stitch/results.js';
import { probeVideo, toVideoMetadata, type ProbedVideo } from '../video/probe.js';
import type { TrackOptions } from './engine.js';
import { trackPersons } from './persons.js';
import { planSegments, type PlanOptions, type SegmentPlan, type SourceRange } from './segments.js';

/** The engine options a segment run takes: plain data, so they cross to a worker process or a Batch child. */
export interface SegmentJobOptions {
  modelPath?: string;
  modelKind?: ModelKind;
  modelsDir?: string;
  everyFrame?: boolean;
  /** Person.Face: the YuNet model file to load in the segment run (none: no faces). */
  faceModel?: string;
  appearance?: boolean;
  tracker?: Record<string, unknown>;
  hwaccel?: HwAccel;
  minScore?: number;
  threads?: number;
}

/**
 * CPU seconds of this process so far, its threads and the children it has waited for (ffmpeg) included: utime +
 * stime + cutime + cstime from /proc/self/stat; process.cpuUsage() (this process only) where /proc is missing.
 */
export function processCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}

/** Tracks one range of `input` into the segment folder `outDir`. */
export async function trackSegment(
  input: string,
  range: SourceRange,
  outDir: string,
  options: TrackOptions = {},
): Promise<SegmentMeta> {
  const started = performance.now();
  const cpu0 = processCpuSeconds();
  const writer = await SegmentWriter.create(outDir);
  try {
    await trackPersons(
      input,
      { ...options, range },
      async (sample, run) => {
        for (const p of sample.persons) writer.feature(p.index, run.featureOf?.(p.index));
        if (!options.faces || !sample.frame.full || sample.persons.length === 0) return undefined;
        return options.faces.attach(
          sample.frame.full,
          { width: run.video.FrameWidth, height: run.video.FrameHeight },
          sample.persons.map((p) => ({ index: p.index, box: p.box })),
        );
      },
      async (sample) => {
        await writer.add({
          timestampMs: sample.timestampMs,
          sourceIndex: sample.sourceIndex,
          persons: sample.persons.map((p) => {
            const face = p.interpolated ? undefined : sample.extra?.get(p.index);
            return {
              index: p.index,
              box: p.box,
              score: p.score,
              ...(p.interpolated ? { interpolated: true } : {}),
              ...(face ? { extra: face } : {}),
            };
          }),
        });
      },
    );
  } catch (err) {
    await writer.abandon();
    throw err;
  }
  return writer.finish({
    startFrame: range.startFrame,
    ...(range.endFrame !== undefined ? { endFrame: range.endFrame } : {}),
    cpuSec: processCpuSeconds() - cpu0,
    wallSec: (performance.now() - started) / 1000,
  });
}

/**
 * Starts segment-child as a node process, from compiled JavaScript or (tsx, jest) from the TypeScript sources. Each
 * child leads its own process group (detached), so that it and its ffmpeg die together: the child kills its group when
 * its parent goes (segment-child.ts), and the parent kills the group to cancel it.
 */
function forkSegmentChild(): ChildProcess {
  const here = import.meta.url;
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  if (here.endsWith('.ts')) {
    const loader = join(dirname(createRequire(here).resolve('tsx/package.json')), 'dist', 'loader.mjs');
    return fork(fileURLToPath(new URL('./segment-child.ts', here)), [], { execArgv: ['--import', pathToFileURL(loader).href], stdio, detached: true });
  }
  return fork(fileURLToPath(new URL('./segment-child.js', here)), [], { execArgv: [], stdio, detached: true });
}

/** SIGKILL to a segment child's process group (the child and its ffmpeg), or to the child alone if that fails. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid === undefined) throw new Error('no pid');
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** The prefix of a temporary run folder under SegmentedRunOptions.tempRoot: run-<owner pid>-<random>. */
const RUN_DIR = /^run-(\d+)-[A-Za-z0-9]{6}$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary run folder: under `tempRoot` as run-<pid>-<random> (see sweepStaleSegmentRuns), else in the OS temp folder. */
async function makeRunDir(tempRoot: string | undefined): Promise<string> {
  if (tempRoot === undefined) return mkdtemp(join(tmpdir(), 'pp-segments-'));
  await mkdir(tempRoot, { recursive: true });
  return mkdtemp(join(tempRoot, `run-${process.pid}-`));
}

/**
 * Removes the run folders under `root` (a folder only segmented runs write, such as <data dir>/segments) whose owner
 * process is gone: what a run killed before its own cleanup left behind. Folders of live processes, and anything
 * not named like a run folder, are left alone. Returns the folders removed.
 */
export async function sweepStaleSegmentRuns(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const owner = RUN_DIR.exec(name);
    if (!owner) continue;
    const pid = Number(owner[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}

/** Messages between the parent and a segment child (segment-child.ts). */
export type SegmentChildRequest = { type: 'run'; input: string; range: SourceRange; outDir: string; options: SegmentJobOptions };
export type SegmentChildReply =
  | { type: 'progress'; frames: number }
  | { type: 'done'; meta: SegmentMeta }
  | { type: 'error'; message: string; code?: string };

export interface SegmentedProgress {
  segments: number;
  segmentsDone: number;
  /** Analysed frames done over all segments (overlaps counted once per segment that analyses them). */
  frames: number;
  totalFrames: number;
  etaSec?: number;
}

/** Runs one segment in a fresh child process; rejects with the child's EngineError (code kept) when it fails. */
function runChild(
  req: SegmentChildRequest,
  onFrames: (frames: number) => void,
  signal?: AbortSignal,
): Promise<SegmentMeta> {
  return new Promise((resolve, reject) => {
    const child = forkSegmentChild();
    let settled = false;
    const finish = (err: Error | undefined, meta?: SegmentMeta): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(meta as SegmentMeta);
    };
    const onAbort = (): void => {
      killGroup(child);
      finish(new EngineError('ABORTED', 'tracking was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: SegmentChildReply) => {
      if (m.type === 'progress') onFrames(m.frames);
      else if (m.type === 'done') finish(undefined, m.meta);
      else finish(new EngineError((m.code as never) ?? 'DECODE_FAILED', m.message));
    });
    child.on('error', (e) => finish(e));
    child.on('exit', (code, sig) => finish(new EngineError('DECODE_FAILED', `a segment worker exited (${code ?? sig}) before finishing`)));
    child.send(req);
  });
}

export interface SegmentedRunOptions extends PlanOptions {
  /** Worker processes (default 1). Also the plan's parallelism when segmentSec is not given. */
  workers?: number;
  onProgress?: (p: SegmentedProgress) => void;
  signal?: AbortSignal;
  /** Keep the segment folders here instead of a temporary folder (removed at the end). */
  workDir?: string;
  /**
   * Make the temporary folder under this one (default: the OS temp folder), named run-<pid>-<random> so that
   * sweepStaleSegmentRuns can remove it at the next start if this process dies before removing it.
   */
  tempRoot?: string;
}

export interface SegmentedRunResult {
  video: ProbedVideo;
  plan: SegmentPlan;
  segments: SegmentMeta[];
  stitch: StitchStats & { cpuSec: number; wallSec: number };
  /** CPU seconds of all segment runs (their processes and ffmpeg) plus the stitch. */
  cpuSec: number;
  wallSec: number;
}

/** The plan trackSegmented would follow for `input` (one segment: run it unsplit, as before). */
export async function planFor(input: string, job: SegmentJobOptions, run: SegmentedRunOptions): Promise<{ video: ProbedVideo; plan: SegmentPlan }> {
  const video = await probeVideo(input);
  const step = analysisStep(video.fps, job.everyFrame ?? false);
  const workers = Math.max(1, Math.floor(run.workers ?? 1));
  return { video, plan: planSegments(video, step, { ...run, parallelism: run.parallelism ?? workers }) };
}

/**
 * Plans `input`, tracks its segments in `workers` child processes, and stitches them, calling `onSample` with each
 * stitched sample in time order.
 */
export async function trackSegmented(
  input: string,
  job: SegmentJobOptions,
  run: SegmentedRunOptions,
  onSample: (sample: StitchedSample, video: ProbedVideo) => Promise<void> | void,
): Promise<SegmentedRunResult> {
  const started = performance.now();
  const { video, plan } = await planFor(input, job, run);
  const step = plan.step;
  const workers = Math.max(1, Math.floor(run.workers ?? 1));
  const base = run.workDir ?? (await makeRunDir(run.tempRoot));
  try {
    const done = new Array<number>(plan.segments.length).fill(0);
    const totalFrames = plan.segments.reduce(
      (n, s) => n + Math.ceil((Math.min(s.range.endFrame ?? video.frameCount, video.frameCount) - s.startFrame) / step),
      0,
    );
    let segmentsDone = 0;
    const report = (): void => {
      if (!run.onProgress) return;
      const frames = done.reduce((a, b) => a + b, 0);
      const elapsed = (performance.now() - started) / 1000;
      run.onProgress({
        segments: plan.segments.length,
        segmentsDone,
        frames,
        totalFrames: Math.max(totalFrames, frames),
        ...(frames > 0 ? { etaSec: Math.max(0, ((totalFrames - frames) * elapsed) / frames) } : {}),
      });
    };
    const metas = new Array<SegmentMeta>(plan.segments.length);
    let nextSeg = 0;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const worker = async (): Promise<void> => {
      while (nextSeg < plan.segments.length && !controller.signal.aborted) {
        const seg = plan.segments[nextSeg++];
        const outDir = join(base, `segment-${String(seg.index).padStart(5, '0')}`);
        metas[seg.index] = await runChild(
          { type: 'run', input, range: seg.range, outDir, options: job },
          (frames) => {
            done[seg.index] = frames;
            report();
          },
          controller.signal,
        );
        segmentsDone++;
        report();
      }
    };
    try {
      // The first failure stops the others (their children are killed) and is the one reported.
      const pool = Array.from({ length: Math.min(workers, plan.segments.length) }, () =>
        worker().catch((err: unknown) => {
          controller.abort();
          throw err;
        }),
      );
      const results = await Promise.allSettled(pool);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        const own = results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : undefined)).find((e) => e && !(e instanceof EngineError && e.code === 'ABORTED'));
        throw own ?? failed.reason;
      }
    } finally {
      run.signal?.removeEventListener('abort', onAbort);
    }
    const s0 = performance.now();
    // This process only: a segment child that has just exited may be reaped (and its time land in cutime) meanwhile.
    const c0 = process.cpuUsage();
    const inputs = await Promise.all(plan.segments.map((s) => openSegmentDir(join(base, `segment-${String(s.index).padStart(5, '0')}`))));
    const stats = await stitchSegments(inputs, (s) => onSample(s, video), stitchOptionsFor(job.tracker));
    const used = process.cpuUsage(c0);
    const stitch = { ...stats, cpuSec: (used.user + used.system) / 1e6, wallSec: (performance.now() - s0) / 1000 };
    return {
      video,
      plan,
      segments: metas,
      stitch,
      cpuSec: metas.reduce((n, m) => n + (m.cpuSec ?? 0), 0) + stitch.cpuSec,
      wallSec: (performance.now() - started) / 1000,
    };
  } finally {
    if (!run.workDir) await rm(base, { recursive: true, force: true });
  }
}

/** trackSegmented into the results format (both orders, written once), like trackToResults. */
export async function trackSegmentedToResults(
  input: string,
  resultsDir: string,
  job: SegmentJobOptions,
  run: SegmentedRunOptions,
): Promise<SegmentedRunResult & { videoMetadata: VideoMetadata; detections: number; persons: number }> {
  const writer = await ResultsWriter.create(resultsDir);
  const result = await trackSegmented(input, job, run, async (sample, video) => {
    for (const { detection, score } of toPersonDetections(sample, video)) await writer.add(detection, score);
  });
  const videoMetadata = toVideoMetadata(result.video);
  const manifest = await writer.finish(videoMetadata);
  return { ...result, videoMetadata, detections: manifest.count, persons: manifest.persons };
}

/** trackSegmented as MOTChallenge rows, like trackToMot (every frame unless job.everyFrame is false). */
export async function trackSegmentedToMot(
  input: string,
  job: SegmentJobOptions,
  run: SegmentedRunOptions,
): Promise<SegmentedRunResult & { rows: string }> {
  const lines: string[] = [];
  const result = await trackSegmented(input, { ...job, everyFrame: job.everyFrame ?? true }, run, (sample, video) => {
    const frameNo = (video.sequence?.firstNumber ?? 1) + sample.sourceIndex;
    for (const p of sample.persons) {
      const [x1, y1, x2, y2] = p.box;
      lines.push(
        `${frameNo},${p.index + 1},${x1.toFixed(2)},${y1.toFixed(2)},${(x2 - x1).toFixed(2)},${(y2 - y1).toFixed(2)},${p.score.toFixed(4)},-1,-1,-1`,
      );
    }
  });
  return { ...result, rows: lines.length ? lines.join('\n') + '\n' : '' };
}

/** The engine options a segment child builds from SegmentJobOptions (faces loaded by the caller). */
export function trackOptionsFor(job: SegmentJobOptions, faces?: FaceThread): TrackOptions {
  return {
    ...(job.modelPath ? { modelPath: job.modelPath } : {}),
    ...(job.modelKind ? { modelKind: job.modelKind } : {}),
    ...(job.modelsDir ? { modelsDir: job.modelsDir } : {}),
    ...(job.everyFrame ? { everyFrame: true } : {}),
    ...(job.appearance !== undefined ? { appearance: job.appearance } : {}),
    ...(job.tracker ? { tracker: job.tracker } : {}),
    ...(job.hwaccel ? { hwaccel: job.hwaccel } : {}),
    ...(job.minScore !== undefined ? { minScore: job.minScore } : {}),
    ...(job.threads ? { threads: job.threads } : {}),
    ...(faces ? { faces } : {}),
  };
}

/** Runs one segment request in this process (what a segment child, or a Batch array child, does). */
export async function runSegmentRequest(req: SegmentChildRequest, onFrames?: (frames: number) => void): Promise<SegmentMeta> {
  const faces = req.options.faceModel ? await createFaceThread(req.options.faceModel) : undefined;
  try {
    return await trackSegment(req.input, req.range, req.outDir, {
      ...trackOptionsFor(req.options, faces),
      ...(onFrames ? { onProgress: (p) => onFrames(p.frames) } : {}),
    });
  } finally {
    await faces?.release();
  }
}
