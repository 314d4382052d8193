/**
 * YuNet face detector (ShiqiYu/libfacedetection, ONNX "2023mar" output layout; see ../shared/data/SOURCES.md).
 *
 * Input `input` [1,3,H,W] float32, BGR, 0–255, no normalisation, H and W multiples of 32 (the batch dimension is fixed
 * at 1). Outputs for each stride s ∈ {8,16,32}: `cls_s`, `obj_s` [1,N,1], `bbox_s` [1,N,4], `kps_s` [1,N,10] with
 * N = (H/s)·(W/s) cells in row-major order. For cell (gx, gy):
 *   score = sqrt(cls·obj)
 *   centre = ((gx + dx)·s, (gy + dy)·s), size = (exp(dw)·s, exp(dh)·s)
 *   landmark k = ((gx + kx_k)·s, (gy + ky_k)·s), k = 0..4
 * Landmark order (as trained, image-left first for a frontal face): the eye on the image's left, the eye on the
 * image's right, the nose tip, the mouth corner on the image's left, the mouth corner on the image's right.
 */
import * as ort from 'onnxruntime-node';
import { openSession } from '../ort-session.js';
import type { FrameImage } from '../frame.js';
import { greedyNms, iou } from '../../../../core/geometry.js';

export const YUNET_STRIDES = [8, 16, 32] as const;

export interface RawFace {
  /** [x1, y1, x2, y2] in the pixels of the image given to the detector. */
  box: [number, number, number, number];
  /** 0..1 */
  score: number;
  /** Five [x, y] points in the same pixels: eye (image-left), eye (image-right), nose, mouth (image-left), mouth (image-right). */
  landmarks: [number, number][];
}

export interface YuNetOptions {
  /** Faces scoring below are dropped (0..1). Default 0.7. */
  scoreThreshold?: number;
  /** IoU above which the weaker of two overlapping faces is suppressed. Default 0.3 (OpenCV's FaceDetectorYN default). */
  nmsThreshold?: number;
  /**
   * Execution provider, chosen like the person detector's (detect/ort-backend.ts): 'auto' (default) uses CUDA when
   * a GPU is present and falls back to the CPU; 'cuda' fails without it.
   */
  executionProvider?: 'auto' | 'cuda' | 'cpu';
  /** onnxruntime intra-op threads (default: the engine's, $PEOPLE_PATHING_ORT_THREADS or cores − 1). */
  threads?: number;
}

export class YuNet {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly scoreThreshold: number,
    readonly nmsThreshold: number,
    readonly executionProvider: 'cuda' | 'cpu',
  ) {}

  static async create(modelPath: string, options: YuNetOptions = {}): Promise<YuNet> {
    const { session, provider } = await openSession(modelPath, 'face detector model', options);
    if (!session.inputNames.includes('input') || !session.outputNames.includes('kps_32')) {
      throw new Error(`${modelPath} does not have YuNet's inputs/outputs (input; cls/obj/bbox/kps_{8,16,32})`);
    }
    return new YuNet(session, options.scoreThreshold ?? 0.7, options.nmsThreshold ?? 0.3, provider);
  }

  /**
   * Detects faces on a packed BGR24 picture whose width and height are multiples of 32 (see `padToStride`).
   * Returns faces in that picture's pixels, strongest first, after NMS.
   */
  async detect(image: FrameImage): Promise<RawFace[]> {
    const { width, height, data } = image;
    if (width % 32 !== 0 || height % 32 !== 0) throw new RangeError('YuNet input width and height must be multiples of 32');
    const plane = width * height;
    const chw = new Float32Array(3 * plane);
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      chw[i] = data[p];
      chw[plane + i] = data[p + 1];
      chw[2 * plane + i] = data[p + 2];
    }
    const out = await this.session.run({ input: new ort.Tensor('float32', chw, [1, 3, height, width]) });
    const faces = decodeYuNet(
      (name) => out[name].data as Float32Array,
      width,
      height,
      this.scoreThreshold,
    );
    return nms(faces, this.nmsThreshold);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Decodes YuNet's 12 outputs (see the module comment) into faces above `scoreThreshold`, before NMS. */
export function decodeYuNet(
  output: (name: string) => Float32Array,
  width: number,
  height: number,
  scoreThreshold: number,
): RawFace[] {
  const faces: RawFace[] = [];
  for (const s of YUNET_STRIDES) {
    const cols = Math.floor(width / s);
    const rows = Math.floor(height / s);
    const cls = output(`cls_${s}`);
    const obj = output(`obj_${s}`);
    const bbox = output(`bbox_${s}`);
    const kps = output(`kps_${s}`);
    for (let gy = 0, i = 0; gy < rows; gy++) {
      for (let gx = 0; gx < cols; gx++, i++) {
        const score = Math.sqrt(clamp01(cls[i]) * clamp01(obj[i]));
        if (score < scoreThreshold) continue;
        const cx = (gx + bbox[4 * i]) * s;
        const cy = (gy + bbox[4 * i + 1]) * s;
        const w = Math.exp(bbox[4 * i + 2]) * s;
        const h = Math.exp(bbox[4 * i + 3]) * s;
        const landmarks: [number, number][] = [];
        for (let k = 0; k < 5; k++) landmarks.push([(gx + kps[10 * i + 2 * k]) * s, (gy + kps[10 * i + 2 * k + 1]) * s]);
        faces.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], score, landmarks });
      }
    }
  }
  return faces;
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Greedy non-maximum suppression; returns the kept faces, strongest first. */
export function nms(faces: RawFace[], threshold: number): RawFace[] {
  const kept = greedyNms(faces.map((f) => f.score), (i, j) => iou(faces[i].box, faces[j].box), threshold);
  return kept.map((i) => faces[i]);
}

/** Copies a BGR24 picture into the top-left of a black picture whose sides are the next multiples of `stride`. */
export function padToStride(image: FrameImage, stride = 32): FrameImage {
  const width = Math.max(stride, Math.ceil(image.width / stride) * stride);
  const height = Math.max(stride, Math.ceil(image.height / stride) * stride);
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  const row = image.width * 3;
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * row, y * row + row), y * width * 3);
  return { data, width, height };
}
