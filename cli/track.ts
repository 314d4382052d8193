/**
 * people-pathing track <video-or-sequence-dir> [--out results.json] [--format rekognition|mot] [--model PATH]
 *
 * Runs the tracking engine on one video file or MOTChallenge sequence folder and writes a GetPersonTracking-shaped
 * JSON (JobStatus, VideoMetadata, Persons in TIMESTAMP order) or MOTChallenge rows. Progress goes to stderr.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { command, requireReadable } from './args.js';
import { RESULT_FILES } from '../core/results-format.js';
import {
  createFaceThread,
  engineSettings,
  parseModelKind,
  planFor,
  prepareEngineModels,
  resolveFaceModel,
  trackSegmentedToMot,
  trackSegmentedToResults,
  trackToMot,
  trackToResults,
  type FaceThread,
  type HwAccel,
  type SegmentedProgress,
  type SegmentedRunOptions,
  type SegmentJobOptions,
  type TrackOptions,
  type TrackProgress,
} from '../containers/tracker/src/index.js';

const USAGE = `usage: people-pathing track <video-file | MOTChallenge-sequence-dir> [options]

  --out FILE            write the result here (default: stdout)
  --format F            rekognition (GetPersonTracking JSON, default) | mot (MOTChallenge rows)
  --model PATH          ONNX person detector (default: $PEOPLE_PATHING_MODEL, else yolox_nano_416x416.onnx
                        in the models folder)
  --models-dir DIR      folder holding the models (default $PEOPLE_PATHING_MODELS_DIR, else the model cache
                        ~/.cache/people-pathing/models, filled on first use; see \`people-pathing models\`)
  --model-kind K        yolox | light-person | nanodet (default: read from the model)
  --every-frame         analyse and emit every frame (default: ~15 samples/s like Rekognition;
                        --format mot analyses every frame unless --sampled is given)
  --sampled             with --format mot: analyse at Rekognition's cadence instead
  --results-dir DIR     also keep the results-format folder (manifest + ndjson + idx) here
  --hwaccel H           auto | cuda | none (ffmpeg decode; default auto)
  --no-faces            skip face detection (Person.Face); faces cost a YuNet run per sample with people
  --face-model PATH     YuNet face detector (default $PEOPLE_PATHING_FACE_MODEL, else
                        face_detection_yunet_2026may.onnx in the models folder)
  --segment-seconds S   cut the video into segments of about S seconds, track them side by side and stitch
                        them into one set of persons (videos of one segment run unsplit)
  --overlap-seconds O   how far each segment runs into the next (default 5; doc/segments.md)
  --workers N           segments tracked at once, each in its own process (default 1)
  --quiet               no progress on stderr
`;

function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

function progressPrinter(quiet: boolean): { onProgress?: (p: TrackProgress & { segments?: string }) => void; done: () => void } {
  if (quiet) return { done: () => undefined };
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  let printed = false;
  return {
    onProgress: (p) => {
      const total = p.totalFrames ? `/${p.totalFrames}` : '';
      const eta = p.etaSec !== undefined ? `  ETA ${fmtDuration(p.etaSec)}` : '';
      const text = `track: ${p.segments ? `segments ${p.segments}  ` : ''}${p.frames}${total} frames  ${p.fps.toFixed(1)} fps${eta}`;
      if (tty) {
        process.stderr.write(`\r${text}\x1b[K`);
        printed = true;
      } else if (Date.now() - lastLine > 5000 || p.etaSec === 0) {
        lastLine = Date.now();
        process.stderr.write(`${text}\n`);
      }
    },
    done: () => {
      if (tty && printed) process.stderr.write('\n');
    },
  };
}

/** Writes with backpressure; events.once removes both its listeners ('drain' and 'error') whichever fires. */
async function write(out: WriteStream | NodeJS.WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Streams the results folder as one GetPersonTracking-shaped JSON document (O(1) memory). */
async function writeRekognitionJson(resultsDir: string, videoMetadata: object, out: WriteStream | NodeJS.WriteStream): Promise<void> {
  await write(out, `{"JobStatus":"SUCCEEDED","VideoMetadata":${JSON.stringify(videoMetadata)},"Persons":[`);
  const lines = createInterface({ input: createReadStream(join(resultsDir, RESULT_FILES.TIMESTAMP.data)), crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    if (!line) continue;
    await write(out, `${first ? '\n' : ',\n'}${line}`);
    first = false;
  }
  await write(out, `${first ? '' : '\n'}]}\n`);
}

async function closeOut(out: WriteStream | NodeJS.WriteStream): Promise<void> {
  if (out === process.stdout) return;
  await new Promise<void>((resolve, reject) => (out as WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** writeRekognitionJson to the file `path`, or to stdout. */
async function writeRekognitionFile(resultsDir: string, videoMetadata: object, path: string | undefined): Promise<void> {
  const out = path ? createWriteStream(path) : process.stdout;
  await writeRekognitionJson(resultsDir, videoMetadata, out);
  await closeOut(out);
}

/** `track --segment-seconds`: the segmented run (pipeline/segment-run.ts), written in the same formats. */
async function runSegmented(
  input: string,
  format: 'rekognition' | 'mot',
  job: SegmentJobOptions,
  segRun: SegmentedRunOptions,
  values: { out?: string; 'results-dir'?: string; quiet: boolean },
  started: number,
  progress: { done: () => void },
  setTmp: (dir: string) => void,
): Promise<number> {
  const took = (): string => ((performance.now() - started) / 1000).toFixed(1);
  if (format === 'mot') {
    const { rows, plan, stitch } = await trackSegmentedToMot(input, job, segRun);
    progress.done();
    if (values.out) await writeFile(values.out, rows);
    else await write(process.stdout, rows);
    if (!values.quiet) process.stderr.write(`track: ${plan.segments.length} segments, ${stitch.samples} frames, ${stitch.persons} persons in ${took()} s\n`);
    return 0;
  }
  let resultsDir = values['results-dir'];
  if (!resultsDir) {
    resultsDir = await mkdtemp(join(tmpdir(), 'pp-track-'));
    setTmp(resultsDir);
  }
  const result = await trackSegmentedToResults(input, resultsDir, job, segRun);
  progress.done();
  await writeRekognitionFile(resultsDir, result.videoMetadata, values.out);
  if (!values.quiet) {
    process.stderr.write(
      `track: ${result.plan.segments.length} segments, ${result.stitch.samples} frames, ${result.persons} persons, ` +
        `${result.detections} detections in ${took()} s\n`,
    );
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const cmd = command('track', USAGE);
  const parsed = cmd.parse(
    argv,
    {
      faces: { type: 'boolean', default: true },
      'face-model': { type: 'string' },
      out: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'rekognition' },
      model: { type: 'string' },
      'models-dir': { type: 'string' },
      'model-kind': { type: 'string' },
      'every-frame': { type: 'boolean', default: false },
      sampled: { type: 'boolean', default: false },
      'results-dir': { type: 'string' },
      hwaccel: { type: 'string', default: 'auto' },
      'segment-seconds': { type: 'string' },
      'overlap-seconds': { type: 'string' },
      workers: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
    { positionals: true, negatives: true },
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return cmd.usageError(`expected one input, got ${positionals.length}`);
  const format = values.format;
  if (format !== 'rekognition' && format !== 'mot') {
    process.stderr.write(`people-pathing track: unknown --format '${format}' (rekognition or mot)\n`);
    return 2;
  }
  const hwaccel = values.hwaccel as HwAccel;
  if (!['auto', 'cuda', 'none'].includes(hwaccel)) {
    process.stderr.write(`people-pathing track: unknown --hwaccel '${hwaccel}' (auto, cuda or none)\n`);
    return 2;
  }
  const segmentSec = values['segment-seconds'] === undefined ? undefined : Number(values['segment-seconds']);
  const overlapSec = values['overlap-seconds'] === undefined ? undefined : Number(values['overlap-seconds']);
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (segmentSec !== undefined && !(segmentSec > 0)) {
    process.stderr.write(`people-pathing track: --segment-seconds must be a number of seconds above 0\n`);
    return 2;
  }
  if (overlapSec !== undefined && !(overlapSec >= 0)) {
    process.stderr.write(`people-pathing track: --overlap-seconds must be a number of seconds, 0 or more\n`);
    return 2;
  }
  if (!Number.isInteger(workers) || workers < 1) {
    process.stderr.write(`people-pathing track: --workers must be a whole number, 1 or more\n`);
    return 2;
  }
  if (segmentSec === undefined && (overlapSec !== undefined || values.workers !== undefined)) {
    process.stderr.write(`people-pathing track: --overlap-seconds and --workers need --segment-seconds\n`);
    return 2;
  }
  const input = positionals[0] as string;
  const missing = await requireReadable(input, 'video or MOT sequence', 'give a video file (MP4, MOV, MKV, WebM, AVI) or a MOTChallenge sequence folder', 'file or folder').then(
    () => undefined,
    (err: Error) => err.message,
  );
  if (missing) {
    process.stderr.write(`people-pathing track: ${missing}\n`);
    return 1;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter(values.quiet);
  let tmp: string | undefined;
  let faces: FaceThread | undefined;
  try {
    const modelKind = parseModelKind(values['model-kind']);
    const options: TrackOptions = {
      // The environment, parsed once here and passed down (containers/tracker/src/settings.ts).
      settings: engineSettings(process.env),
      ...(values.model ? { modelPath: values.model } : {}),
      ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
      ...(modelKind ? { modelKind } : {}),
      hwaccel,
      signal: controller.signal,
      ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
    };
    // Every model first (fetched into the cache on first use): without them there is nothing to do.
    await prepareEngineModels({ ...options, faces: values.faces && format !== 'mot' && !values['face-model'] });
    const started = performance.now();
    if (segmentSec !== undefined) {
      const everyFrame = format === 'mot' ? values['every-frame'] || !values.sampled : values['every-frame'];
      const faceModel = format === 'rekognition' && values.faces ? (values['face-model'] ?? (await resolveFaceModel(values['models-dir'], options.settings))) : undefined;
      const job: SegmentJobOptions = {
        ...(values.model ? { modelPath: values.model } : {}),
        ...(values['models-dir'] ? { modelsDir: values['models-dir'] } : {}),
        ...(modelKind ? { modelKind } : {}),
        hwaccel,
        everyFrame,
        ...(faceModel ? { faceModel } : {}),
      };
      const segRun: SegmentedRunOptions = {
        segmentSec,
        ...(overlapSec !== undefined ? { overlapSec } : {}),
        workers,
        signal: controller.signal,
        ...(progress.onProgress
          ? {
              onProgress: (p: SegmentedProgress) =>
                progress.onProgress?.({
                  frames: p.frames,
                  totalFrames: p.totalFrames,
                  fps: p.frames / Math.max(1e-3, (performance.now() - started) / 1000),
                  ...(p.etaSec !== undefined ? { etaSec: p.etaSec } : {}),
                  segments: `${p.segmentsDone}/${p.segments}`,
                }),
            }
          : {}),
      };
      const { plan } = await planFor(input, job, segRun);
      if (plan.segments.length > 1) return await runSegmented(input, format, job, segRun, values, started, progress, (d) => (tmp = d));
    }
    if (format === 'mot') {
      const everyFrame = values['every-frame'] || !values.sampled;
      const { rows, timings } = await trackToMot(input, { ...options, everyFrame });
      progress.done();
      if (values.out) await writeFile(values.out, rows);
      else await write(process.stdout, rows);
      if (!values.quiet) {
        process.stderr.write(`track: ${timings.frames} frames in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      }
      return 0;
    }
    if (values.faces) {
      const faceModel = values['face-model'] ?? (await resolveFaceModel(values['models-dir'], options.settings));
      if (!faceModel) throw new Error('the models folder has no face model; give --face-model PATH or --no-faces');
      faces = await createFaceThread(faceModel).catch((err: unknown) => {
        throw new Error(`cannot load the face model ${faceModel} (${(err as Error).message}); give --face-model PATH or --no-faces`);
      });
    }
    const resultsDir = values['results-dir'] ?? (tmp = await mkdtemp(join(tmpdir(), 'pp-track-')));
    const result = await trackToResults(input, resultsDir, { ...options, everyFrame: values['every-frame'], ...(faces ? { faces } : {}) });
    progress.done();
    await writeRekognitionFile(resultsDir, result.videoMetadata, values.out);
    if (!values.quiet) {
      process.stderr.write(
        `track: ${result.timings.frames} frames, ${result.persons} persons, ${result.detections} detections in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
    return 0;
  } catch (err) {
    progress.done();
    process.stderr.write(`people-pathing track: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tmp) await rm(tmp, { recursive: true, force: true });
    await faces?.release();
  }
}
