import type { LetterboxGeometry, LetterboxSpec } from '../decode/letterbox.js';
import type { Detection } from '../track/types.js';

/** Output format families of the supported ONNX detectors (see ../shared/data/SOURCES.md). */
export type ModelKind = 'yolox' | 'light-person' | 'nanodet';

export const MODEL_KINDS: readonly ModelKind[] = ['yolox', 'light-person', 'nanodet'];

/** One letterboxed frame for the detector: packed BGR24 of inputSize, and where the source frame sits in it. */
export interface DetectorFrame {
  input: Uint8Array;
  geometry: LetterboxGeometry;
}

export interface DetectorOptions {
  /** Path of the ONNX file. */
  path: string;
  /** Output format; detected from the model's inputs/outputs when omitted. */
  kind?: ModelKind;
  /** Keep detections at or above this score (ByteTrack's second stage uses the low ones). Default 0.1. */
  minScore?: number;
  /** NMS IoU threshold; default per kind (YOLOX 0.45, light 0.5, NanoDet 0.6). */
  nmsIou?: number;
  /** onnxruntime intra-op threads (default: cores − 1, so ffmpeg keeps one; env PEOPLE_PATHING_ORT_THREADS). */
  threads?: number;
  /** 'auto': CUDA when a GPU is present and the CUDA provider loads, else CPU. */
  executionProvider?: 'auto' | 'cuda' | 'cpu';
  /** Run inference on a worker thread (default) so decoding and tracking go on meanwhile; 'inline' for the caller's thread. */
  thread?: 'worker' | 'inline';
}

/** What a loaded model is, as read from its metadata. */
export interface DetectorInfo {
  kind: ModelKind;
  path: string;
  inputSize: { width: number; height: number };
  /** How frames must be letterboxed for this model (ffmpeg does it). */
  letterbox: LetterboxSpec;
  executionProvider: 'cuda' | 'cpu';
  /** Frames per inference call the model accepts (its batch dimension; 1 for the shipped models). */
  batchSize: number;
}

/** A person detector: boxes in source-frame pixels, person class only, after NMS. */
export interface PersonDetector extends DetectorInfo {
  detect(batch: DetectorFrame[]): Promise<Detection[][]>;
  /** Cumulated time spent in preprocessing + inference + decoding, and frames processed. */
  readonly stats: { detectMs: number; frames: number };
  close(): Promise<void>;
}
