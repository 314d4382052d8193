/**
 * npm run bench:segments — segmented tracking against the unsplit run, one JSON object per part on stdout.
 *
 *   quality     PETS09-S2L1 unsplit vs in 30 s segments (4), both scored against gt as `npm run eval` does
 *               (HOTA, IDF1; the target: the segmented run loses at most 0.01 of either, i.e. 1 point on eval's scale).
 *   continuity  a 4-minute video (PETS09's AVI looped 3×, re-encoded to H.264 with a keyframe every 10 s, in a
 *               temporary folder) unsplit vs in 60 s segments on --workers processes, both through the compiled
 *               engine (dist/; run `npm run build` first) in fresh processes under /usr/bin/time, so CPU time is
 *               every process's and every ffmpeg's: Timestamps equal, no Index twice in a sample, Indexes contiguous
 *               in order of first appearance, person count within 10 %, CPU ratio (target ≤ 1.15), per-segment costs.
 *   stitch      2 million detections: synthetic segment folders for a 6 h video at 15 samples/s in 50 segments
 *               (~6 people in view, re-ID features), stitched into the results format in a fresh process: wall,
 *               CPU, peak RSS (targets 30 s, 1 GB); and the stitch alone (no results writing).
 *   projection  6 h video on N machines from the continuity run's measured per-segment costs.
 *
 * Options: --only quality,continuity,stitch  --workers N (continuity; default 2)  --repeat N (medians; default 1)
 *          --overlap S (the segments' overlap in seconds; default: the plan's)
 *          --gpu-fps F (analysed frames/s of one GPU segment for the projection; default: none, CPU only)
 * Every measurement names the machine (CPU model, cores) and the date.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateSequence, loadMotSequence, parseMotText } from '../containers/tracker/src/eval/index.js';
import { trackToMot } from '../containers/tracker/src/index.js';
import { planSegments } from '../containers/tracker/src/pipeline/segments.js';
import { trackSegmentedToMot } from '../containers/tracker/src/pipeline/segment-run.js';
import { stitchSegments } from '../core/stitch/index.js';
import { openSegmentDir, SegmentWriter } from '../core/stitch/segment-files.js';
import { ResultsWriter } from '../core/results-format.js';
import type { Box } from '../containers/tracker/src/track/types.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const DIST = join(ROOT, 'dist');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : NaN;
};

function machine(): Record<string, unknown> {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, date: new Date().toISOString() };
}

function peakRssMb(): number {
  const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

// ---------------------------------------------------------------- quality

async function quality(workers: number, overlapSec?: number): Promise<Record<string, unknown>> {
  const seq = join(DATA, 'mot', 'PETS09-S2L1');
  const { gt } = await loadMotSequence(seq);
  const whole = await trackToMot(seq, {});
  const split = await trackSegmentedToMot(seq, {}, { segmentSec: 30, workers, ...(overlapSec !== undefined ? { overlapSec } : {}) });
  const score = (rows: string): { HOTA: number; IDF1: number; MOTA: number; IDSW: number } => {
    const s = evaluateSequence(gt, parseMotText(rows, 'tracker'), { name: 'PETS09-S2L1' }).summary;
    return { HOTA: s.HOTA, IDF1: s.IDF1, MOTA: s.MOTA, IDSW: s.IDSW };
  };
  const u = score(whole.rows);
  const g = score(split.rows);
  return {
    part: 'quality',
    sequence: 'PETS09-S2L1',
    segments: split.plan.segments.length,
    segmentSec: 30,
    overlapSec: split.plan.overlapFrames / split.plan.fps,
    unsplit: u,
    segmented: g,
    // On eval's 0..1 scale: the target is a loss of at most 0.01 each.
    loss: { HOTA: u.HOTA - g.HOTA, IDF1: u.IDF1 - g.IDF1 },
    boundaries: split.stitch.boundaries,
    machine: machine(),
  };
}

// ---------------------------------------------------------------- continuity + cost

interface TimedRun {
  wallSec: number;
  cpuSec: number;
  maxRssMb: number;
  report: Record<string, unknown>;
}

/**
 * Runs a compiled-engine driver (ES module source) in a fresh plain node under /usr/bin/time: the rusage of that
 * process and of every process it waited for (segment children, ffmpeg).
 */
function timedNode(code: string, dir: string): TimedRun {
  const file = join(dir, `driver-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, code);
  const env: NodeJS.ProcessEnv = { ...process.env, PEOPLE_PATHING_FACES: 'off' };
  delete env.NODE_OPTIONS;
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, file], { encoding: 'utf8', maxBuffer: 64 << 20, env });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`driver failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '{}';
  return { wallSec: Number(m[1]), cpuSec: Number(m[2]) + Number(m[3]), maxRssMb: Number(m[4]) / 1024, report: JSON.parse(last) as Record<string, unknown> };
}

async function readTimestampOrder(resultsDir: string): Promise<Array<{ t: number; i: number }>> {
  const text = await readFile(join(resultsDir, 'timestamp.ndjson'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const d = JSON.parse(l) as { Timestamp: number; Person: { Index: number } };
      return { t: d.Timestamp, i: d.Person.Index };
    });
}

async function continuity(workers: number, repeat: number, overlapSec?: number): Promise<Record<string, unknown>> {
  if (!existsSync(join(DIST, 'containers', 'tracker', 'src', 'pipeline', 'segment-run.js'))) {
    throw new Error('continuity measures the compiled engine: run `npm run build` first');
  }
  const dir = await mkdtemp(join(tmpdir(), 'pp-bench-seg-'));
  try {
    const video = join(dir, 'pets-4min.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-y', '-stream_loop', '2', '-i', join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi'),
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '100', '-pix_fmt', 'yuv420p', '-an', video,
    ]);
    const engine = pathToFileURL(join(DIST, 'containers', 'tracker', 'src', 'pipeline', 'engine.js')).href;
    const segRun = pathToFileURL(join(DIST, 'containers', 'tracker', 'src', 'pipeline', 'segment-run.js')).href;
    const wholeDir = join(dir, 'whole');
    const splitDir = join(dir, 'split');
    const wholeRuns: TimedRun[] = [];
    const splitRuns: TimedRun[] = [];
    for (let k = 0; k < repeat; k++) {
      wholeRuns.push(
        timedNode(
          `const m = await import(${JSON.stringify(engine)});` +
            `const r = await m.trackToResults(${JSON.stringify(video)}, ${JSON.stringify(wholeDir)}, {});` +
            `console.log(JSON.stringify({ frames: r.timings.frames, persons: r.persons, detections: r.detections }));`,
          dir,
        ),
      );
      splitRuns.push(
        timedNode(
          `const m = await import(${JSON.stringify(segRun)});` +
            `const r = await m.trackSegmentedToResults(${JSON.stringify(video)}, ${JSON.stringify(splitDir)}, {}, { segmentSec: 60, workers: ${workers}${overlapSec !== undefined ? `, overlapSec: ${overlapSec}` : ''} });` +
            `console.log(JSON.stringify({ persons: r.persons, detections: r.detections, plan: { segments: r.plan.segments.length, overlapFrames: r.plan.overlapFrames, fps: r.plan.fps }, segments: r.segments, stitch: r.stitch }));`,
          dir,
        ),
      );
    }
    const whole = await readTimestampOrder(wholeDir);
    const split = await readTimestampOrder(splitDir);
    const stamps = (rows: Array<{ t: number }>): number[] => [...new Set(rows.map((r) => r.t))];
    const ws = stamps(whole);
    const ss = stamps(split);
    let duplicates = 0;
    const firstSeen: number[] = [];
    const seenSet = new Set<number>();
    for (let k = 0; k < split.length; k++) {
      if (k > 0 && split[k].t === split[k - 1].t && split[k].i === split[k - 1].i) duplicates++;
      if (!seenSet.has(split[k].i)) {
        seenSet.add(split[k].i);
        firstSeen.push(split[k].i);
      }
    }
    const wholePersons = new Set(whole.map((r) => r.i)).size;
    const splitPersons = seenSet.size;
    const wholeCpu = median(wholeRuns.map((r) => r.cpuSec));
    const splitCpu = median(splitRuns.map((r) => r.cpuSec));
    const rep = splitRuns[splitRuns.length - 1].report as {
      segments: Array<{ samples: number; cpuSec: number; wallSec: number; startFrame: number; endFrame?: number }>;
      stitch: { wallSec: number; cpuSec: number; detections: number; boundaries: unknown };
      plan: { segments: number; overlapFrames: number; fps: number };
    };
    return {
      part: 'continuity',
      video: 'pets09_s2l1_opencv_vtest.avi looped 3× (238.5 s, 10 fps, H.264, keyframe every 10 s)',
      segmentSec: 60,
      overlapSec: rep.plan.overlapFrames / rep.plan.fps,
      workers,
      repeat,
      faces: false,
      timestampsEqual: ws.length === ss.length && ws.every((t, k) => t === ss[k]),
      samplesWithPersons: { unsplit: ws.length, segmented: ss.length },
      indexTwiceInASample: duplicates,
      indexesContiguousInOrder: firstSeen.every((v, k) => v === k),
      persons: { unsplit: wholePersons, segmented: splitPersons, ratio: splitPersons / wholePersons },
      detections: { unsplit: whole.length, segmented: split.length },
      cpuSec: { unsplit: wholeCpu, segmented: splitCpu, ratio: splitCpu / wholeCpu },
      wallSec: { unsplit: median(wholeRuns.map((r) => r.wallSec)), segmented: median(splitRuns.map((r) => r.wallSec)) },
      maxRssMb: { unsplit: Math.max(...wholeRuns.map((r) => r.maxRssMb)), segmented: Math.max(...splitRuns.map((r) => r.maxRssMb)) },
      perSegment: rep.segments.map((s) => ({ startFrame: s.startFrame, endFrame: s.endFrame, samples: s.samples, cpuSec: s.cpuSec, wallSec: s.wallSec })),
      stitch: rep.stitch,
      machine: machine(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- stitch at scale

const STITCH_FPS = 15;
const STITCH_HOURS = 6;
const STITCH_SEGMENTS = 50;
/** People in view at once, so that the stitched output holds ~2 million detections. */
const IN_VIEW = 2_000_000 / (STITCH_HOURS * 3600 * STITCH_FPS);
const STAY_SEC = 60;

/** Synthetic world: person p enters at p × arrival s, stays STAY_SEC, walks across; a fixed 256-d feature. */
function personBox(p: number, f: number): Box | undefined {
  const arrival = STAY_SEC / IN_VIEW;
  const t = f / STITCH_FPS - p * arrival;
  if (t < 0 || t >= STAY_SEC) return undefined;
  const x = 20 + (1200 * t) / STAY_SEC;
  const y = 50 + ((p * 97) % 500);
  return [x, y, x + 60, y + 160];
}

async function makeSegments(dir: string): Promise<number> {
  const frames = STITCH_HOURS * 3600 * STITCH_FPS;
  const plan = planSegments({ fps: STITCH_FPS, frameCount: frames }, 1, { parallelism: STITCH_SEGMENTS });
  const arrival = STAY_SEC / IN_VIEW;
  for (const seg of plan.segments) {
    const w = await SegmentWriter.create(join(dir, `segment-${String(seg.index).padStart(5, '0')}`));
    const local = new Map<number, number>();
    const end = Math.min(seg.range.endFrame ?? frames, frames);
    const jitter = seg.index % 2 ? 0.7 : 0;
    for (let f = seg.startFrame; f < end; f++) {
      const tSec = f / STITCH_FPS;
      const persons = [];
      for (let p = Math.max(0, Math.floor((tSec - STAY_SEC) / arrival)); p * arrival <= tSec; p++) {
        const b = personBox(p, f);
        if (!b) continue;
        let idx = local.get(p);
        if (idx === undefined) {
          idx = local.size;
          local.set(p, idx);
          const feat = new Float32Array(256);
          for (let d = 0; d < 256; d++) feat[d] = Math.sin(p * 7.3 + d);
          w.feature(idx, feat);
        }
        persons.push({ index: idx, box: [b[0] + jitter, b[1], b[2] + jitter, b[3]] as Box, score: 0.8 });
      }
      persons.sort((a, b) => a.index - b.index);
      await w.add({ timestampMs: Math.floor((f * 1000) / STITCH_FPS), sourceIndex: f, persons });
    }
    await w.finish({ startFrame: seg.startFrame, ...(seg.range.endFrame !== undefined ? { endFrame: seg.range.endFrame } : {}) });
  }
  return plan.segments.length;
}

/** In a fresh process: stitch the folders in `dir`, into the results format unless `nullSink`. */
async function stitchChild(dir: string, nullSink: boolean): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const names = readdirSorted(dir).filter((n) => n.startsWith('segment-'));
  const inputs = await Promise.all(names.map((n) => openSegmentDir(join(dir, n))));
  const writer = nullSink ? undefined : await ResultsWriter.create(join(dir, 'results'));
  const stats = await stitchSegments(inputs, async (s) => {
    if (!writer) return;
    for (const p of s.persons) {
      await writer.add({ Timestamp: s.timestampMs, Person: { Index: p.index, BoundingBox: { Width: 0.05, Height: 0.2, Left: p.box[0] / 1280, Top: p.box[1] / 720 } } }, p.score);
    }
  });
  if (writer) await writer.finish({ Codec: 'h264', DurationMillis: STITCH_HOURS * 3600_000, Format: 'synthetic', FrameRate: STITCH_FPS, FrameHeight: 720, FrameWidth: 1280, ColorRange: 'LIMITED' });
  const c = process.cpuUsage(c0);
  return {
    sink: nullSink ? 'none' : 'results format (both orders)',
    segments: names.length,
    samples: stats.samples,
    detections: stats.detections,
    persons: stats.persons,
    joinedByMotion: stats.boundaries.reduce((n, b) => n + b.motion, 0),
    wallSec: (performance.now() - t0) / 1000,
    cpuSec: (c.user + c.system) / 1e6,
    peakRssMb: peakRssMb(),
  };
}

function readdirSorted(dir: string): string[] {
  return readdirSync(dir).sort();
}

async function stitchScale(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'pp-bench-stitch-'));
  try {
    const g0 = performance.now();
    const segments = await makeSegments(dir);
    const generateSec = (performance.now() - g0) / 1000;
    const self = fileURLToPath(import.meta.url);
    const run = (mode: string): Record<string, unknown> => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, dir], { encoding: 'utf8', maxBuffer: 16 << 20 });
      if (r.status !== 0) throw new Error(`stitch child failed: ${r.stderr.slice(-2000)}`);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    };
    const alone = run('stitch-null');
    const withResults = run('stitch-results');
    return {
      part: 'stitch',
      video: `synthetic ${STITCH_HOURS} h at ${STITCH_FPS} samples/s, ${segments} segments, ~${IN_VIEW.toFixed(1)} people in view, 256-d features`,
      generateSec,
      stitchOnly: alone,
      stitchAndWrite: withResults,
      machine: machine(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- projection

/** Assumed (not measurable here): seconds to start a segment's container and copy the video. */
const CONTAINER_START_SEC = 60;

function projection(cont: Record<string, unknown> | undefined, stitch: Record<string, unknown> | undefined, gpuFps?: number): Record<string, unknown> {
  if (!cont) return { part: 'projection', skipped: 'needs the continuity part' };
  const segs = cont.perSegment as Array<{ samples: number; cpuSec: number; wallSec: number }>;
  // CPU per analysed sample, the segments' fixed costs (process start, model load, seek) folded in: an upper bound
  // for segments longer than the measured ones.
  const samples = segs.reduce((n, s) => n + s.samples, 0);
  const cpu = segs.reduce((n, s) => n + s.cpuSec, 0);
  const perSampleCpu = cpu / samples;
  const hz = 15;
  const videoSec = 6 * 3600;
  const overlapSec = cont.overlapSec as number;
  const stitchSec = stitch ? ((stitch.stitchAndWrite as { wallSec: number }).wallSec * 324_000) / ((stitch.stitchAndWrite as { samples: number }).samples) : undefined;
  const rows = [1, 8, 16, 50, 100].map((n) => {
    const segSec = Math.max(60, videoSec / n);
    const segSamples = (segSec + overlapSec) * hz;
    const row: Record<string, unknown> = {
      machines: n,
      segmentSec: segSec,
      cpuCoreMinutesPerSegment: (segSamples * perSampleCpu) / 60,
    };
    if (gpuFps) row.gpuWallMinutes = (CONTAINER_START_SEC + segSamples / gpuFps + (stitchSec ?? 0)) / 60;
    return row;
  });
  return {
    part: 'projection',
    measured: {
      perSampleCpuSec: perSampleCpu,
      note: 'CPU seconds per analysed sample of one segment on this machine, process start and model load included',
      stitch6hSec: stitchSec,
    },
    projected: rows,
    assumptions: gpuFps
      ? `GPU rows assume ${gpuFps} analysed frames/s per segment and ${CONTAINER_START_SEC} s to start a container and copy the video, not measured here`
      : 'no GPU on this machine: only CPU costs; pass --gpu-fps F for a GPU projection',
    machine: machine(),
  };
}

// ---------------------------------------------------------------- main

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      only: { type: 'string', default: 'quality,continuity,stitch' },
      workers: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '1' },
      'gpu-fps': { type: 'string' },
      overlap: { type: 'string' },
      child: { type: 'string' },
    },
  });
  if (values.child) {
    const out = await stitchChild(positionals[0], values.child === 'stitch-null');
    process.stdout.write(JSON.stringify(out) + '\n');
    return;
  }
  const parts = new Set(values.only.split(','));
  const workers = Math.max(1, Number(values.workers) || 2);
  const repeat = Math.max(1, Number(values.repeat) || 1);
  const overlapSec = values.overlap === undefined ? undefined : Number(values.overlap);
  let cont: Record<string, unknown> | undefined;
  let st: Record<string, unknown> | undefined;
  if (parts.has('quality')) process.stdout.write(JSON.stringify(await quality(workers, overlapSec)) + '\n');
  if (parts.has('continuity')) process.stdout.write(JSON.stringify((cont = await continuity(workers, repeat, overlapSec))) + '\n');
  if (parts.has('stitch')) process.stdout.write(JSON.stringify((st = await stitchScale())) + '\n');
  if (parts.has('continuity')) {
    process.stdout.write(JSON.stringify(projection(cont, st, values['gpu-fps'] ? Number(values['gpu-fps']) : undefined)) + '\n');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench-segments: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
