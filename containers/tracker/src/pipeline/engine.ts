/**
 * The engine pipeline: decode (ffmpeg process) → detect (ONNX on a worker thread) → track (this thread), one
 * analysed frame at a time to a callback. Gap filling is persons.ts, the writers outputs.ts, the VideoProcessor
 * processor.ts.
 *
 * The three stages overlap: ffmpeg decodes ahead into a bounded queue while the worker runs inference on the
 * frames already submitted (up to `inFlight` of them) and this thread tracks and writes the finished ones, in
 * order. Memory is bounded by the queue sizes, not by the video's length.
 */
import { basename } from 'node:path';
import { analysisStep, FrameDecoder, type DecodedFrame, type HwAccel } from '../decode/ffmpeg-decoder.js';
import { createDetector, resolveModel, type ModelKind, type PersonDetector } from '../detect/index.js';
import { EngineError } from '../errors.js';
import type { FaceAttacher } from '../faces/types.js';
import { createTracker } from '../track/index.js';
import { appearanceByDefault, resolveReidModel, type ReidEmbedder } from '../reid/index.js';
import { createEmbedderThread } from './embedder-thread.js';
import type { FrameImage } from '../frame.js';
import type { Box, Detection, TrackedPerson } from '../track/types.js';
import { rangeFrameCount, type SourceRange } from './segments.js';
import { processSettings, type EngineSettings } from '../settings.js';
import { probeVideo, type ProbedVideo } from '../video/probe.js';

export interface TrackProgress {
  /** Analysed frames so far. */
  frames: number;
  /** Analysed frames expected in all. */
  totalFrames?: number;
  /** Analysed frames per second of wall time. */
  fps: number;
  etaSec?: number;
}

export interface TrackOptions {
  /** ONNX detector file (or a folder holding the default model). */
  modelPath?: string;
  /** Output format of the model; detected from the model when omitted. */
  modelKind?: ModelKind;
  /** Folder to find the default models in (instead of PEOPLE_PATHING_MODELS_DIR and the model cache). */
  modelsDir?: string;
  /** Analyse and emit every frame instead of Rekognition's ~15 samples per second. */
  everyFrame?: boolean;
  /** Face detection for Person.Face (needs full frames; turns them on). */
  faces?: FaceAttacher;
  /** Decode a full-frame BGR image of each analysed frame too (for faces / appearance embedders). */
  fullFrames?: boolean;
  /**
   * Appearance embedder (e.g. reid/ createReidEmbedder): when set, full frames are decoded and every detection gets
   * an embedding before tracking, so the tracker can use appearance.
   */
  embedder?: AppearanceEmbedder;
  /**
   * Appearance (re-ID) in association. Default: on when the re-ID model is found, unless
   * PEOPLE_PATHING_APPEARANCE=off (reid/ appearanceByDefault); tracker.appearance = false also turns it off.
   * When no `embedder` is given the engine loads the re-ID model (reid/ resolveReidModel).
   */
  appearance?: boolean;
  /** Tracker settings overriding the defaults (see core/track/config.ts). */
  tracker?: Record<string, unknown>;
  onProgress?: (p: TrackProgress) => void;
  signal?: AbortSignal;
  hwaccel?: HwAccel;
  /** Detector minimum score (default 0.1: ByteTrack's second stage uses the low-score boxes). */
  minScore?: number;
  /** Frames submitted to the detector ahead of tracking (default 3). */
  inFlight?: number;
  /** Where inference runs (default: a worker thread). */
  detectorThread?: 'worker' | 'inline';
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** The engine's settings (settings.ts; default: this process's environment, parsed there). */
  settings?: EngineSettings;
  /** Track only these source frames (a segment: pipeline/segments.ts); Timestamps stay the whole video's. */
  range?: SourceRange;
  /** Longest video accepted, checked on the probe and on decoded stream time (default 6 h, Rekognition's limit). */
  maxDurationMs?: number;
  /**
   * Called once per run with what the engine uses: at the first decoded frame (so a hardware-decode fallback shows),
   * or when the run ends before one.
   */
  onEngine?: (info: EngineInfo) => void;
}

/** What a run executes on, for the job's log line. */
export interface EngineInfo {
  executionProvider: 'cuda' | 'cpu';
  hwaccel: 'cuda' | 'none';
  /** Detector file name, kind and input size, e.g. "yolox_s.onnx (yolox 640x640)". */
  model: string;
  appearance: boolean;
}

/** Structural type of an appearance embedder (reid/index.ts ReidEmbedder satisfies it). */
export interface AppearanceEmbedder {
  embed(frame: FrameImage, source: { width: number; height: number }, boxes: ReadonlyArray<Readonly<Box>>): Promise<Float32Array[]>;
}

export interface EngineTimings {
  /** ffmpeg's CPU time (decode + scale), or the time spent waiting for frames where /proc is unavailable. */
  decodeMs: number;
  /** Time this thread waited for decoded frames. */
  decodeWaitMs: number;
  /** Preprocessing + inference + box decoding, summed over frames (on the detector thread). */
  detectMs: number;
  /** Tracker updates, summed over frames. */
  trackMs: number;
  /** Appearance embedding (when an embedder is set), summed over frames. */
  embedMs: number;
  /** Analysed frames. */
  frames: number;
  wallMs: number;
  /** Probe + model load (part of wallMs): the fixed cost before the first frame. */
  setupMs: number;
  hwaccel: 'cuda' | 'none';
  executionProvider: 'cuda' | 'cpu';
  model: string;
}

/** One analysed frame after tracking. */
export interface TrackedSample {
  frame: DecodedFrame;
  /** Milliseconds from the start of the video (floor of the presentation time), strictly increasing. */
  timestampMs: number;
  detections: Detection[];
  /** Confirmed persons matched in this frame, by Index ascending. */
  persons: TrackedPerson[];
}

export interface EngineRun {
  video: ProbedVideo;
  detector: PersonDetector;
  step: number;
  /** The tracker's fillGapSec: how long a gap in a person's path trackPersons fills. */
  fillGapSec: number;
  /** The smoothed appearance of the person with this Index now, when the tracker has one (segment stitching). */
  featureOf?: (index: number) => Float32Array | undefined;
}

const FULL_FRAME_MAX_WIDTH = 1280;

/**
 * Runs the pipeline on one input and calls `onSample` for every analysed frame, in order. Everything else
 * (results format, MOT rows, rendering) is a consumer of these samples.
 */
export async function trackFrames(
  input: string,
  options: TrackOptions,
  onSample: (sample: TrackedSample, run: EngineRun) => Promise<void> | void,
): Promise<{ video: ProbedVideo; timings: EngineTimings }> {
  const started = performance.now();
  const video = await probeVideo(input, options.maxDurationMs !== undefined ? { maxDurationMs: options.maxDurationMs } : {});
  const settings = options.settings ?? processSettings();
  const model = await resolveModel(options, settings);
  const detector = await createDetector({
    path: model.path,
    ...(model.kind ? { kind: model.kind } : {}),
    ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
    ...(options.detectorThread ? { thread: options.detectorThread } : {}),
    ...(options.threads ? { threads: options.threads } : {}),
  });
  const step = analysisStep(video.fps, options.everyFrame ?? false);
  const setupMs = performance.now() - started;
  const run: EngineRun = { video, detector, step, fillGapSec: 0 };
  const appearance =
    options.appearance ??
    (options.tracker?.appearance === false ? false : appearanceByDefault(settings));
  let ownEmbedder: ReidEmbedder | undefined;
  let trackMs = 0;
  let embedMs = 0;
  let frames = 0;
  let lastTs = -1;
  let decoderRef: FrameDecoder | undefined;
  let appearanceUsed = false;
  let engineReported = false;
  const reportEngine = (): void => {
    if (engineReported || !options.onEngine) return;
    engineReported = true;
    options.onEngine({
      executionProvider: detector.executionProvider,
      hwaccel: decoderRef?.stats.hwaccel ?? 'none',
      model: `${basename(model.path)} (${detector.kind} ${detector.inputSize.width}x${detector.inputSize.height})`,
      appearance: appearanceUsed,
    });
  };
  try {
    if (appearance && !options.embedder) {
      const reidModel = await resolveReidModel(options.modelsDir, settings);
      if (reidModel) {
        const reidOptions = { threads: 1, executionProvider: detector.executionProvider };
        // On its own thread, like the detector: the main thread keeps decoding and tracking meanwhile.
        ownEmbedder = await createEmbedderThread(reidModel, reidOptions);
      } else if (options.appearance) {
        throw new EngineError('MODEL', 'appearance needs the re-ID model (PEOPLE_PATHING_REID_MODEL or the models folder)');
      }
    }
    const embedder = appearance ? (options.embedder ?? ownEmbedder) : undefined;
    const embeddingScale = (embedder as { distanceScale?: number } | undefined)?.distanceScale;
    const tracker = createTracker({
      ...(embeddingScale ? { embeddingScale } : {}),
      ...(options.tracker ?? {}),
      appearance: !!embedder,
      frameRate: video.fps / step,
    });
    run.fillGapSec = tracker.config.fillGapSec;
    run.featureOf = (index) => tracker.featureOf(index);
    const decoder = new FrameDecoder({
      video,
      letterbox: detector.letterbox,
      step,
      ...(options.faces || options.fullFrames || embedder ? { fullFrameMaxWidth: FULL_FRAME_MAX_WIDTH } : {}),
      hwaccel: options.hwaccel ?? 'auto',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.maxDurationMs !== undefined ? { maxDurationMs: options.maxDurationMs } : {}),
      ...(options.range ? { range: options.range } : {}),
    });
    decoderRef = decoder;
    appearanceUsed = !!embedder;
    const geometry = decoder.geometry;
    // Unknown when the container gives neither a duration nor a frame count.
    const rangeFrames = options.range ? rangeFrameCount(video, options.range) : video.frameCount;
    const totalFrames = rangeFrames > 0 ? Math.ceil(rangeFrames / step) : undefined;
    const depth = Math.max(1, options.inFlight ?? 3);
    const inflight: Array<{ frame: DecodedFrame; result: Promise<Detection[][]> }> = [];
    let lastReport = 0;
    let reported = 0;

    const consume = async (item: { frame: DecodedFrame; result: Promise<Detection[][]> }): Promise<void> => {
      const [detections] = await item.result;
      if (options.signal?.aborted) throw new EngineError('ABORTED', 'tracking was cancelled');
      if (embedder && item.frame.full && detections.length > 0) {
        const e0 = performance.now();
        // Only the detections association needs (ambiguous, new, or due a refresh): see ByteTracker.embeddingNeeds.
        const needs = tracker.embeddingNeeds(detections, item.frame.timeSec);
        const chosen = detections.filter((_, i) => needs[i]);
        const embeddings = await embedder.embed(
          item.frame.full,
          { width: video.FrameWidth, height: video.FrameHeight },
          chosen.map((d) => d.box),
        );
        chosen.forEach((d, i) => {
          if (embeddings[i]) d.embedding = embeddings[i];
        });
        embedMs += performance.now() - e0;
      }
      const t0 = performance.now();
      const persons = tracker.update(detections, item.frame.timeSec).slice().sort((a, b) => a.index - b.index);
      trackMs += performance.now() - t0;
      // Timestamps are whole milliseconds and must increase (two frames closer than 1 ms stay distinct).
      const ts = Math.max(Math.floor(item.frame.timeSec * 1000 + 1e-6), lastTs + 1);
      lastTs = ts;
      await onSample({ frame: item.frame, timestampMs: ts, detections, persons }, run);
      frames++;
      const now = performance.now();
      if (options.onProgress && (now - lastReport > 250 || frames === totalFrames)) {
        lastReport = now;
        reported = frames;
        const fps = frames / ((now - started) / 1000);
        options.onProgress({
          frames,
          ...(totalFrames !== undefined
            ? { totalFrames: Math.max(totalFrames, frames), etaSec: Math.max(0, (totalFrames - frames) / fps) }
            : {}),
          fps,
        });
      }
    };

    for await (const frame of decoder) {
      if (!engineReported) reportEngine();
      const result = detector.detect([{ input: frame.input, geometry }]);
      result.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
      inflight.push({ frame, result });
      if (inflight.length >= depth) await consume(inflight.shift() as (typeof inflight)[number]);
    }
    while (inflight.length > 0) await consume(inflight.shift() as (typeof inflight)[number]);
    if (options.onProgress && frames > 0 && reported !== frames) {
      const fps = frames / ((performance.now() - started) / 1000);
      options.onProgress({ frames, totalFrames: frames, fps, etaSec: 0 });
    }
    const ds = decoder.stats;
    return {
      video,
      timings: {
        decodeMs: ds.cpuMs ?? ds.waitMs,
        decodeWaitMs: ds.waitMs,
        detectMs: detector.stats.detectMs,
        trackMs,
        embedMs,
        frames,
        wallMs: performance.now() - started,
        setupMs,
        hwaccel: ds.hwaccel,
        executionProvider: detector.executionProvider,
        model: `${detector.kind}:${detector.inputSize.width}x${detector.inputSize.height}`,
      },
    };
  } finally {
    reportEngine();
    await detector.close();
    await ownEmbedder?.close();
  }
}

