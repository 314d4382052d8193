/**
 * Person re-identification embedder: OpenVINO person-reidentification-retail-0287/0288 (see
 * models/catalogue.ts). Input [N,256,128,3] float32, NHWC, BGR, 0–255 (each person crop stretched to
 * 128×256); output [N,256], which this module L2-normalises so that cosine similarity is a dot product.
 *
 * Crops are cut from the already-decoded frame (FrameImage, possibly a scaled copy of the source frame): no second
 * decode. The shipped models have a fixed batch of 1, so a frame's crops run one after another in one call; a
 * model with a dynamic batch dimension gets them all in one run.
 */
import * as ort from 'onnxruntime-node';
import type { FrameImage } from '../frame.js';
import type { Box } from '../track/types.js';
import { l2Normalise } from '../../../../core/track/matching.js';
import { resample } from '../image.js';
import { processSettings, type EngineSettings } from '../settings.js';
import { openSession, type ExecutionProviderChoice } from '../ort-session.js';
import { resolveOptionalModel } from '../detect/models.js';
import { catalogueModel, DEFAULT_MODEL_NAMES } from '../models/catalogue.js';

/**
 * The default re-ID model: 0288, 2.3× faster than 0287 and as good once its distance scale is accounted for
 * (see reidDistanceScale and doc/tracker.md).
 */
export const DEFAULT_REID_MODEL_FILE = catalogueModel(DEFAULT_MODEL_NAMES.reid).file;

/**
 * The re-ID model to use (detect/models.ts has the order): PEOPLE_PATHING_REID_MODEL if set, else
 * DEFAULT_REID_MODEL_FILE in the named models folder (`modelsDir`, else PEOPLE_PATHING_MODELS_DIR) — undefined when
 * that file does not exist — else the cached catalogue copy, fetched on first use (throws when that fails).
 */
export function resolveReidModel(modelsDir: string | undefined, settings: EngineSettings = processSettings()): Promise<string | undefined> {
  return resolveOptionalModel(DEFAULT_MODEL_NAMES.reid, settings.reidModel, modelsDir, settings);
}

/**
 * Whether the engine uses appearance when the caller does not say: PEOPLE_PATHING_APPEARANCE=on|off; unset or
 * 'auto' = on (it adds about 40 % to end-to-end time on PETS09-S2L1 on a 2-core CPU, and ~1 ms a frame on a GPU).
 */
export function appearanceByDefault(settings: EngineSettings = processSettings()): boolean {
  return settings.appearance !== 'off';
}

/**
 * How spread out a model's cosine distances are, relative to 0287's: the median distance between two different
 * people, measured on PETS09-S2L1 and TUD-Campus together (0287: 0.334, 0288: 0.121, as cosine distance / 2).
 * The tracker divides distances by this (TrackerConfig.embeddingScale). Unknown models: 1.
 */
export function reidDistanceScale(modelPath: string): number {
  if (/retail-0288/.test(modelPath)) return 0.121 / 0.334;
  return 1;
}

export const REID_INPUT_WIDTH = 128;
export const REID_INPUT_HEIGHT = 256;

export interface ReidEmbedderOptions {
  /** onnxruntime intra-op threads (default: the engine's, see ort-session.ts). */
  threads?: number;
  /** Execution provider; the engine passes its detector's, so re-ID runs where detection runs. */
  executionProvider?: ExecutionProviderChoice;
}

export interface ReidEmbedder {
  /** Length of the embeddings. */
  readonly dimension: number;
  /** The model's distance scale for TrackerConfig.embeddingScale (see reidDistanceScale). */
  readonly distanceScale: number;
  /**
   * Embeds the person in each box (source-frame pixels) of `frame`, whose source frame is `source` pixels.
   * Returns one L2-normalised embedding per box, in order.
   */
  embed(frame: FrameImage, source: { width: number; height: number }, boxes: ReadonlyArray<Readonly<Box>>): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * Writes the crop of `box` (source pixels) from `frame`, stretched to 128×256 with bilinear sampling, into `out` at
 * `offset` as NHWC BGR floats 0–255. Parts of the box outside the frame repeat the edge pixels.
 */
export function cropToTensor(
  frame: FrameImage,
  source: { width: number; height: number },
  box: Readonly<Box>,
  out: Float32Array,
  offset: number,
): void {
  const sx = frame.width / source.width;
  const sy = frame.height / source.height;
  const rect = {
    x: box[0] * sx,
    y: box[1] * sy,
    width: Math.max((box[2] - box[0]) * sx, 1),
    height: Math.max((box[3] - box[1]) * sy, 1),
  };
  resample(frame, rect, { data: out, offset, rowStride: REID_INPUT_WIDTH * 3, width: REID_INPUT_WIDTH, height: REID_INPUT_HEIGHT });
}

/**
 * Loads a re-ID embedder that runs on the calling thread (onnxruntime-node's run() occupies it: the engine puts it
 * on a worker thread, pipeline/embedder-thread.ts).
 */
export async function createReidEmbedder(modelPath: string, options: ReidEmbedderOptions = {}): Promise<ReidEmbedder> {
  const { session } = await openSession(modelPath, 're-ID model', options);
  const meta = (session as unknown as { inputMetadata: Array<{ shape?: ReadonlyArray<number | string> }> }).inputMetadata[0];
  const shape = meta?.shape;
  if (!shape || shape.length !== 4 || shape[1] !== REID_INPUT_HEIGHT || shape[2] !== REID_INPUT_WIDTH || shape[3] !== 3) {
    await session.release();
    throw new Error(`${modelPath}: expected a re-ID model with input [N,256,128,3] (got ${JSON.stringify(shape)})`);
  }
  const fixedBatch = typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : undefined;
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const per = REID_INPUT_WIDTH * REID_INPUT_HEIGHT * 3;
  let dimension = 0;

  const runBatch = async (input: Float32Array, n: number): Promise<Float32Array[]> => {
    const tensor = new ort.Tensor('float32', input, [n, REID_INPUT_HEIGHT, REID_INPUT_WIDTH, 3]);
    const result = await session.run({ [inputName]: tensor });
    const y = result[outputName].data as Float32Array;
    const d = y.length / n;
    dimension = d;
    const outs: Float32Array[] = [];
    for (let i = 0; i < n; i++) outs.push(l2Normalise(y.subarray(i * d, (i + 1) * d)));
    return outs;
  };

  return {
    get dimension() {
      return dimension || 256;
    },
    distanceScale: reidDistanceScale(modelPath),
    async embed(frame, source, boxes) {
      if (boxes.length === 0) return [];
      const batch = fixedBatch ?? boxes.length;
      const out: Float32Array[] = [];
      const input = new Float32Array(batch * per);
      for (let start = 0; start < boxes.length; start += batch) {
        const n = fixedBatch ?? Math.min(batch, boxes.length - start);
        const real = Math.min(n, boxes.length - start);
        for (let i = 0; i < real; i++) cropToTensor(frame, source, boxes[start + i], input, i * per);
        const embs = await runBatch(input.subarray(0, n * per), n);
        out.push(...embs.slice(0, real));
      }
      return out;
    },
    async close() {
      await session.release();
    },
  };
}

