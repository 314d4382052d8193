/**
 * Errors the engine raises for inputs it cannot process. The message is user-facing: the job stores it as
 * StatusMessage (FAILED) and the CLI prints it.
 */
export type EngineErrorCode = 'NOT_FOUND' | 'INVALID_VIDEO' | 'TOO_LONG' | 'TRUNCATED' | 'DECODE_FAILED' | 'MODEL' | 'CONFIG' | 'ABORTED';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    /** For the operator's log only, never the caller: what the tool said (ffmpeg's last error line, say). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * What a caller is told when a video's stream cannot be decoded: Rekognition's own words for it ("Unsupported
 * codec/format"), and what to do. Decoder internals ("Error marking filters as finished") go to the log.
 */
export const UNDECODABLE_VIDEO =
  'Unsupported codec/format or corrupt video: the video stream could not be decoded. Re-encode it as H.264 in an MP4, MOV or AVI file.';

/** Rekognition rejects stored videos longer than 6 hours (VideoTooLargeException); so does the engine. */
export const MAX_DURATION_MS = 6 * 3600 * 1000;

/**
 * The TOO_LONG failure: a video whose probed duration is `durationMs`, or (`decoded`) whose decoding reached
 * `durationMs` of stream time, over `limitMs`.
 */
export function tooLong(durationMs: number, limitMs: number = MAX_DURATION_MS, decoded = false): EngineError {
  const span = (ms: number): string => (ms >= 3600_000 ? `${+(ms / 3600_000).toFixed(2)} hours` : `${+(ms / 1000).toFixed(1)} seconds`);
  const what = decoded ? `the video runs past ${span(limitMs)} (decoding stopped at ${span(durationMs)})` : `the video is ${span(durationMs)} long`;
  return new EngineError('TOO_LONG', `${what}; videos longer than ${span(limitMs)} are not supported`);
}
