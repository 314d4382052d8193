/**
 * npm run bench:track — the tracking engine's speed and quality on the shared data, one JSON line per input × model.
 *
 * For each case, in a fresh child process (so peak RSS is the case's own):
 *   - end to end: the product path (trackToMot every frame for MOT sequences + HOTA/MOTA/IDF1 against gt;
 *     trackToResults at Rekognition's cadence for videos), frames/s, time split decode/detect/track, RSS over time;
 *   - decode alone: the same ffmpeg decode with nothing downstream;
 *   - detect alone: inference on up to 150 decoded frames held in memory (per-frame latency median/p90);
 *   - track alone: the tracker re-run on the detections of the end-to-end run (median of 5 passes), on one core.
 *   overlap = end-to-end wall ÷ max(decode alone, detect alone) over the same frames (1.0 = perfect overlap).
 *
 * Options: --models yolox,light-person,nanodet  --inputs PETS09-S2L1,TUD-Campus,<video file names>  --markdown
 *          --repeat N (end-to-end runs per case; the median is reported)
 *          --soak N (only: RSS while tracking the plaza video looped N times, with the first --models model)
 *          --appearance default|on|off|both (re-ID in the tracker; default = the engine's: on unless PEOPLE_PATHING_APPEARANCE=off)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createDetector,
  FrameDecoder,
  probeVideo,
  trackFrames,
  trackPersons,
  trackToResults,
  analysisStep,
  type Detection,
  type EngineTimings,
  type TrackedSample,
} from '../containers/tracker/src/index.js';
import { createTracker } from '../containers/tracker/src/track/index.js';
import { evaluateSequence, parseMotText, readMotFile } from '../containers/tracker/src/eval/index.js';

const DATA = resolve(process.env.PEOPLE_PATHING_DATA_DIR ?? join(process.cwd(), '..', 'shared', 'data'));
const MODELS = resolve(process.env.PEOPLE_PATHING_MODELS_DIR ?? join(DATA, 'models'));
const MODEL_FILES: Record<string, string> = {
  yolox: 'yolox_nano_416x416.onnx',
  'light-person': 'light_person_detector_192x192.onnx',
  nanodet: 'nanodet_m_320.onnx',
};
const SEQUENCES = ['PETS09-S2L1', 'TUD-Campus'];
const VIDEOS = ['pedestrians_topdown_720p_vtest.avi', 'pets09_s2l1_opencv_vtest.avi', 'mmtracking_demo_8frames_1080p.mp4'];

interface CaseSpec {
  input: string;
  model: string;
  repeat: number;
  /** Re-ID appearance in the tracker; undefined = the engine's default (reid/ appearanceByDefault: off on CPU). */
  appearance?: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[(s.length - 1) >> 1] : NaN;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

async function runCase(spec: CaseSpec): Promise<Record<string, unknown>> {
  const isSeq = SEQUENCES.includes(spec.input);
  const input = isSeq ? join(DATA, 'mot', spec.input) : join(DATA, 'videos', spec.input);
  const modelPath = join(MODELS, MODEL_FILES[spec.model]);
  const video = await probeVideo(input);
  const everyFrame = isSeq;
  const tracker = {};
  const appearanceOpt = spec.appearance === undefined ? {} : { appearance: spec.appearance };
  const step = analysisStep(video.fps, everyFrame);

  // End to end (the product path), with RSS sampled as the video advances.
  const rss: number[] = [];
  const onProgress = (): void => {
    rss.push(process.memoryUsage().rss);
  };
  const e2eRuns: EngineTimings[] = [];
  const perFrameDets: Detection[][] = [];
  const times: number[] = [];
  let metrics: Record<string, number> | undefined;
  for (let rep = 0; rep < spec.repeat; rep++) {
    rss.length = 0;
    if (isSeq) {
      const rows: string[] = [];
      const keep = rep === 0;
      const collect = (s: TrackedSample): void => {
        if (keep) {
          perFrameDets.push(s.detections.map((d) => ({ box: [...d.box], score: d.score })));
          times.push(s.frame.timeSec);
        }
      };
      const { timings } = await trackPersons(input, { modelPath, everyFrame, onProgress, tracker, ...appearanceOpt }, collect, (s) => {
        for (const p of s.persons) {
          const [x1, y1, x2, y2] = p.box;
          rows.push(`${s.sourceIndex + 1},${p.index + 1},${x1},${y1},${x2 - x1},${y2 - y1},${p.score},-1,-1,-1`);
        }
      });
      e2eRuns.push(timings);
      if (keep) {
        const gt = await readMotFile(join(input, 'gt', 'gt.txt'));
        const ev = evaluateSequence(gt, parseMotText(rows.join('\n')), { numFrames: video.frameCount, name: spec.input });
        metrics = { HOTA: r3(ev.summary.HOTA), MOTA: r3(ev.summary.MOTA), IDF1: r3(ev.summary.IDF1), IDSW: ev.summary.IDSW };
      }
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'pp-bench-'));
      try {
        const keep = rep === 0;
        const out = await trackToResults(input, dir, { modelPath, onProgress, tracker, ...appearanceOpt });
        e2eRuns.push(out.timings);
        if (keep) metrics = { persons: out.persons, detections: out.detections };
        if (keep) {
          // detections for the track-alone pass
          await trackFrames(input, { modelPath, tracker, ...appearanceOpt }, (s) => {
            perFrameDets.push(s.detections.map((d) => ({ box: [...d.box], score: d.score })));
            times.push(s.frame.timeSec);
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  // Steady state: from the first frame on (probe and model load are reported apart as setupMs).
  const pipeMs = (t: EngineTimings): number => t.wallMs - t.setupMs;
  const e2eWall = median(e2eRuns.map(pipeMs));
  const e2e = e2eRuns.find((t) => pipeMs(t) === e2eWall) ?? e2eRuns[0];

  // Detect alone: frames decoded first, held in memory, then inference one after another.
  const detector = await createDetector({ path: modelPath });
  const decoderForDetect = new FrameDecoder({ video, letterbox: detector.letterbox, step, hwaccel: 'auto' });
  const held: Uint8Array[] = [];
  for await (const f of decoderForDetect) {
    held.push(f.input);
    if (held.length >= 150) break;
  }
  const latencies: number[] = [];
  const d0 = performance.now();
  for (const input1 of held) {
    const t0 = performance.now();
    await detector.detect([{ input: input1, geometry: decoderForDetect.geometry }]);
    latencies.push(performance.now() - t0);
  }
  const detectAloneFps = held.length / ((performance.now() - d0) / 1000);
  await detector.close();

  // Decode alone: the whole input, nothing downstream.
  const decoder = new FrameDecoder({ video, letterbox: { ...detector.letterbox }, step, hwaccel: 'auto' });
  const dc0 = performance.now();
  let decoded = 0;
  for await (const _f of decoder) decoded++;
  const decodeAloneMs = performance.now() - dc0;
  const decodeAloneFps = decoded / (decodeAloneMs / 1000);

  // Track alone, median of 5 passes.
  const trackPasses: number[] = [];
  for (let k = 0; k < 5; k++) {
    const alone = createTracker({ frameRate: video.fps / step, appearance: false });
    const t0 = performance.now();
    for (let i = 0; i < perFrameDets.length; i++) alone.update(perFrameDets[i].map((d) => ({ box: [...d.box], score: d.score })), times[i]);
    trackPasses.push(performance.now() - t0);
  }
  const trackAloneFps = perFrameDets.length / (median(trackPasses) / 1000);

  const frames = e2e.frames;
  const slowerAloneMs = Math.max(decodeAloneMs, (frames / detectAloneFps) * 1000);
  const mb = (b: number): number => Math.round(b / (1 << 20));
  return {
    input: spec.input,
    model: spec.model,
    modelInput: e2e.model,
    frames,
    analysedEvery: step,
    e2eFps: r1(frames / (e2eWall / 1000)),
    e2ePipelineMs: Math.round(e2eWall),
    setupMs: Math.round(e2e.setupMs),
    split: {
      decodeCpuMs: Math.round(e2e.decodeMs),
      detectMs: Math.round(e2e.detectMs),
      trackMs: Math.round(e2e.trackMs),
      embedMs: Math.round(e2e.embedMs),
      decodeWaitMs: Math.round(e2e.decodeWaitMs),
    },
    decodeAloneFps: r1(decodeAloneFps),
    detectAloneFps: r1(detectAloneFps),
    detectMsMedian: r1(median(latencies)),
    detectMsP90: r1(pct(latencies, 0.9)),
    trackAloneFps: Math.round(trackAloneFps),
    overlap: r3(e2eWall / slowerAloneMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rssMB: rss.length ? { first: mb(rss[0]), mid: mb(rss[rss.length >> 1]), last: mb(rss[rss.length - 1]) } : undefined,
    ...(metrics ?? {}),
    hwaccel: e2e.hwaccel,
    executionProvider: e2e.executionProvider,
    appearance: e2e.embedMs > 0 || spec.appearance === true,
    repeat: spec.repeat,
  };
}

/** RSS as the video grows: the PETS09 video (10 fps, 795 frames) looped `loops` times (stream copy), every frame analysed. */
async function runSoak(loops: number, model: string): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'pp-soak-'));
  try {
    const src = join(DATA, 'videos', 'pets09_s2l1_opencv_vtest.avi');
    const long = join(dir, 'long.avi');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-fflags', '+genpts', '-stream_loop', String(loops - 1), '-i', src, '-an', '-c', 'copy', long]);
    if (made.status !== 0) throw new Error(`ffmpeg could not build the soak video: ${made.stderr.toString()}`);
    const samples: Array<{ frames: number; rssMB: number }> = [];
    let next = 0;
    const out = await trackToResults(long, join(dir, 'results'), {
      modelPath: join(MODELS, MODEL_FILES[model]),
      appearance: false,
      onProgress: (p) => {
        if (p.frames >= next) {
          samples.push({ frames: p.frames, rssMB: Math.round(process.memoryUsage().rss / (1 << 20)) });
          next = p.frames + Math.ceil((p.totalFrames ?? 1000) / 10);
        }
      },
    });
    return {
      soak: `pets09 avi x${loops}`,
      model,
      frames: out.timings.frames,
      durationSec: Math.round((out.videoMetadata.DurationMillis ?? 0) / 1000),
      e2eFps: r1(out.timings.frames / ((out.timings.wallMs - out.timings.setupMs) / 1000)),
      rssMB: samples,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function markdown(rows: Array<Record<string, unknown>>): string {
  const head =
    '| input | model | frames | e2e fps | decode alone fps | detect alone fps (median ms) | track alone fps | overlap | decode cpu / detect / re-ID / track ms | peak RSS MB (rss first→last) | HOTA | MOTA | IDF1 |';
  const sep = '|' + head.split('|').slice(1, -1).map(() => '---').join('|') + '|';
  const lines = rows.map((r) => {
    const s = r.split as Record<string, number>;
    const rss = r.rssMB as { first: number; last: number } | undefined;
    return `| ${String(r.input)} | ${String(r.modelInput)}${r.appearance ? ' + re-ID' : ''} | ${String(r.frames)} | ${String(r.e2eFps)} | ${String(r.decodeAloneFps)} | ${String(r.detectAloneFps)} (${String(r.detectMsMedian)}) | ${String(r.trackAloneFps)} | ${String(r.overlap)} | ${s.decodeCpuMs} / ${s.detectMs} / ${s.embedMs} / ${s.trackMs} | ${String(r.peakRssMB)} (${rss ? `${rss.first}→${rss.last}` : '-'}) | ${String(r.HOTA ?? '-')} | ${String(r.MOTA ?? '-')} | ${String(r.IDF1 ?? '-')} |`;
  });
  return [head, sep, ...lines].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      models: { type: 'string', default: 'yolox,light-person,nanodet' },
      inputs: { type: 'string', default: [...SEQUENCES, ...VIDEOS].join(',') },
      repeat: { type: 'string', default: '1' },
      markdown: { type: 'boolean', default: false },
      appearance: { type: 'string', default: 'default' },
      soak: { type: 'string' },
    },
  });
  if (values.soak) {
    process.stdout.write(JSON.stringify(await runSoak(Math.max(1, Number(values.soak) || 8), values.models.split(',')[0])) + '\n');
    return;
  }
  if (values.child) {
    process.stdout.write(JSON.stringify(await runCase(JSON.parse(values.child) as CaseSpec)) + '\n');
    return;
  }
  const models = values.models.split(',').filter((m) => MODEL_FILES[m]);
  const inputs = values.inputs.split(',').filter(Boolean);
  const repeat = Math.max(1, Number(values.repeat) || 1);
  const appearances: Array<boolean | undefined> =
    values.appearance === 'both' ? [false, true] : values.appearance === 'on' ? [true] : values.appearance === 'off' ? [false] : [undefined];
  const rows: Array<Record<string, unknown>> = [];
  const self = fileURLToPath(import.meta.url);
  for (const input of inputs) {
    // Videos run with the default model only unless asked: the model comparison is on the sequences with gt.
    const caseModels = SEQUENCES.includes(input) || values.models !== 'yolox,light-person,nanodet' ? models : ['yolox'];
    for (const model of caseModels) for (const appearance of appearances) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', JSON.stringify({ input, model, repeat, appearance })], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 << 20,
      });
      if (r.status !== 0) {
        process.stdout.write(JSON.stringify({ input, model, error: `exit ${r.status ?? r.signal}` }) + '\n');
        continue;
      }
      const line = r.stdout.trim().split('\n').pop() ?? '{}';
      process.stdout.write(line + '\n');
      rows.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  if (values.markdown) process.stdout.write('\n' + markdown(rows) + '\n');
}

await main();
