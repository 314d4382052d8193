/**
 * The detector proper: an onnxruntime-node session, the per-kind preprocessing and output decoding.
 * Runs wherever it is created — on the worker thread (detect/worker.ts) or inline.
 */
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { unletterboxBox, type LetterboxSpec } from '../decode/letterbox.js';
import { openSession } from '../ort-session.js';
import { EngineError } from '../errors.js';
import { decodeNanodetStride, decodeYolox, nms, toPlanar, type FlatBoxes } from './postprocess.js';
import type { DetectorFrame, DetectorInfo, DetectorOptions, ModelKind } from './types.js';

const NANODET_MEAN = [103.53, 116.28, 123.675] as const;
const NANODET_STD = [57.375, 57.12, 58.395] as const;
const DEFAULT_NMS: Record<ModelKind, number> = { yolox: 0.45, 'light-person': 0.5, nanodet: 0.6 };

interface ValueMeta {
  name: string;
  isTensor?: boolean;
  shape?: ReadonlyArray<number | string>;
}

/** Decides the output format from the model's declared outputs. */
export function detectKind(outputs: ReadonlyArray<ValueMeta>): ModelKind | undefined {
  if (outputs.some((o) => /^cls_pred_stride_\d+$/.test(o.name))) return 'nanodet';
  if (outputs.length === 1) {
    const last = outputs[0].shape?.[outputs[0].shape.length - 1];
    if (last === 6) return 'light-person';
    if (typeof last === 'number' && last > 6) return 'yolox';
  }
  return undefined;
}

function inputSizeOf(input: ValueMeta | undefined, path: string): { width: number; height: number } {
  const shape = input?.shape;
  if (shape && shape.length === 4 && typeof shape[2] === 'number' && typeof shape[3] === 'number' && shape[2] > 0 && shape[3] > 0) {
    return { height: shape[2], width: shape[3] };
  }
  // Dynamic input: fall back to the size in the file name (…_640x640.onnx, …_320.onnx).
  const m = /(\d{3,4})x(\d{3,4})/.exec(basename(path)) ?? /_(\d{3,4})\.onnx$/.exec(basename(path));
  if (m) return { width: Number(m[2] ?? m[1]), height: Number(m[1]) };
  throw new EngineError('MODEL', `cannot tell the input size of ${basename(path)}: its input shape is dynamic and the name has no size`);
}

export class OrtBackend {
  private readonly buffer: Float32Array;
  private readonly nmsIou: number;
  private readonly minScore: number;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: DetectorInfo,
    opts: DetectorOptions,
  ) {
    this.buffer = new Float32Array(3 * info.inputSize.width * info.inputSize.height);
    this.nmsIou = opts.nmsIou ?? DEFAULT_NMS[info.kind];
    this.minScore = opts.minScore ?? 0.1;
  }

  static async load(opts: DetectorOptions): Promise<OrtBackend> {
    const { session, provider } = await openSession(opts.path, 'detector model', opts);
    const inputs = (session as unknown as { inputMetadata: ValueMeta[] }).inputMetadata;
    const outputs = (session as unknown as { outputMetadata: ValueMeta[] }).outputMetadata;
    const kind = opts.kind ?? detectKind(outputs);
    if (!kind) {
      throw new EngineError('MODEL', `${basename(opts.path)} is not a supported detector (YOLOX, light person detector or NanoDet outputs expected)`);
    }
    const inputSize = inputSizeOf(inputs[0], opts.path);
    const letterbox: LetterboxSpec =
      kind === 'nanodet'
        ? { ...inputSize, placement: 'center', padValue: 0 }
        : { ...inputSize, placement: 'top-left', padValue: 114 };
    const batchDim = inputs[0]?.shape?.[0];
    const info: DetectorInfo = {
      kind,
      path: opts.path,
      inputSize,
      letterbox,
      executionProvider: provider,
      batchSize: typeof batchDim === 'number' && batchDim > 0 ? batchDim : 1,
    };
    return new OrtBackend(session, info, opts);
  }

  /** Detects people in one frame; returns flat [x1,y1,x2,y2,score]× in source pixels, highest score first. */
  async detect(frame: DetectorFrame): Promise<FlatBoxes> {
    const { width, height } = this.info.inputSize;
    const nano = this.info.kind === 'nanodet';
    toPlanar(frame.input, width, height, this.buffer, nano ? NANODET_MEAN : undefined, nano ? NANODET_STD : undefined);
    const tensor = new ort.Tensor('float32', this.buffer, [1, 3, height, width]);
    const out = await this.session.run({ [this.session.inputNames[0]]: tensor });
    let cand: FlatBoxes;
    if (nano) {
      cand = [];
      for (const s of [8, 16, 32]) {
        const cls = out[`cls_pred_stride_${s}`];
        const dis = out[`dis_pred_stride_${s}`];
        if (!cls || !dis) throw new EngineError('MODEL', `NanoDet output for stride ${s} missing`);
        const numClasses = Number(cls.dims[cls.dims.length - 1]);
        decodeNanodetStride(cls.data as Float32Array, numClasses, dis.data as Float32Array, s, width, this.minScore, cand);
      }
    } else {
      const o = out[this.session.outputNames[0]];
      const rowLen = Number(o.dims[o.dims.length - 1]);
      cand = decodeYolox(o.data as Float32Array, rowLen, width, height, this.minScore);
    }
    const kept = nms(cand, this.nmsIou);
    const g = frame.geometry;
    for (let i = 0; i < kept.length; i += 5) {
      const [x1, y1, x2, y2] = unletterboxBox(g, kept[i], kept[i + 1], kept[i + 2], kept[i + 3]);
      kept[i] = x1;
      kept[i + 1] = y1;
      kept[i + 2] = x2;
      kept[i + 3] = y2;
    }
    return kept;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
