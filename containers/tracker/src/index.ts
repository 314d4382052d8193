/**
 * The tracking engine's public API: probe, decode → detect → track pipeline, results and MOT output.
 * Used by the CLI (`people-pathing track`), local mode's worker, the Batch container, eval and bench scripts.
 */
export { EngineError, MAX_DURATION_MS, type EngineErrorCode } from './errors.js';
export { area, greedyNms, intersection, iou, iouAt, toRatioBox, type RatioBox } from '../../../core/geometry.js';
export { probeVideo, toVideoMetadata, type ProbedVideo, type SequenceInfo } from './video/probe.js';
export {
  analysisStep,
  FrameDecoder,
  gpuPresent,
  type DecodedFrame,
  type DecoderOptions,
  type DecoderStats,
  type HwAccel,
} from './decode/ffmpeg-decoder.js';
export { letterboxGeometry, type LetterboxGeometry, type LetterboxSpec } from './decode/letterbox.js';
export {
  createDetector,
  DEFAULT_MODEL_FILE,
  namedModelsDir,
  MODEL_KINDS,
  parseModelKind,
  resolveModel,
  type DetectorFrame,
  type DetectorInfo,
  type DetectorOptions,
  type ModelChoice,
  type ModelKind,
  type PersonDetector,
} from './detect/index.js';
export {
  trackFrames,
  type AppearanceEmbedder,
  type EngineInfo,
  type EngineRun,
  type EngineTimings,
  type TrackedSample,
  type TrackOptions,
  type TrackProgress,
} from './pipeline/engine.js';
export { trackPersons, type PersonsSample } from './pipeline/persons.js';
export { trackToMot, trackToResults } from './pipeline/outputs.js';
export { createEngineProcessor, prepareEngineModels } from './pipeline/processor.js';
export { gpuRequired } from './ort-session.js';
export { ACCEPTED_CONTAINERS, ACCEPTED_DEMUXERS, ffmpegBinary, videoFileInput } from './video/ffmpeg-input.js';
export { CATALOGUE, DEFAULT_MODEL_NAMES, findModel, type CatalogueModel } from './models/catalogue.js';
export { ModelUnavailableError, OFFLINE_HINT, obtainModel, userModelsCache } from './models/resolve.js';
export { runModels } from './models/cli.js';
export type { FrameImage } from './frame.js';
export type { FaceAttacher } from './faces/types.js';
export { resolveFaceModel } from './faces/attach.js';
export { createFaceThread, type FaceThread } from './pipeline/face-thread.js';
export type { Box, Detection, PersonTracker, TrackedPerson } from './track/types.js';
export {
  planFor,
  trackSegmented,
  trackSegmentedToMot,
  trackSegmentedToResults,
  type SegmentedProgress,
  type SegmentedRunOptions,
  type SegmentJobOptions,
} from './pipeline/segment-run.js';
export { createSegmentingProcessor, type SegmentingProcessorOptions } from './pipeline/segment-processor.js';
export { engineSettings, parseSwitch, processSettings, type EngineSettings, type Switch } from './settings.js';
