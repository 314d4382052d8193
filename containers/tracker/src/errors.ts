/**
 * Errors the engine raises for inputs it cannot process. The message is user-facing: the job stores it as
 * StatusMessage (FAILED) and the CLI prints it.
 */
export type EngineErrorCode = 'NOT_FOUND' | 'INVALID_VIDEO' | 'TOO_LONG' | 'TRUNCATED' | 'DECODE_FAILED' | 'MODEL' | 'ABORTED';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** Rekognition rejects stored videos longer than 6 hours (VideoTooLargeException); so does the engine. */
export const MAX_DURATION_MS = 6 * 3600 * 1000;
